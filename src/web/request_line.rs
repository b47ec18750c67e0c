//! The 414 page for a request line of any length, not only the ones actix-web will parse.
//!
//! `guards::limit_uri_length` answers an address over `MAX_URI_BYTES` with the 414 page, but
//! only for requests actix-web parses at all: the `http` crate refuses a target of 64 KiB or more
//! (a bare 400) and actix-http a head over 128 KiB (a bare 431, or a reset connection while the
//! client is still sending). So each connection passes through `RequestLineGuard`, which reads
//! the start of each request itself: a request line whose target is over `MAX_URI_BYTES` has the
//! target dropped as it streams in (never buffered) and replaced by `TOO_LONG_PATH`, which
//! `limit_uri_length` answers with the same page and every security header. Beyond that, only
//! the head timeout (5 s, actix-web's default) bounds how long a line may take to arrive.
//!
//! Never: rewrites anything but the target of an over-long request line, or holds more than
//! `MAX_URI_BYTES` and a method of a connection's bytes.
//!
//! A new request is expected at the start of a connection and after each response (browsers do
//! not pipeline); a pipelined request behind another keeps actix-web's own answers.

use std::fmt;
use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::{HttpService, Request, Response};
use actix_service::{map_config, IntoServiceFactory, Service, ServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server};
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::guards::MAX_URI_BYTES;
pub use super::guards::TOO_LONG_PATH;

/// The longest method we recognise as one (the registered ones are at most 7 letters).
const MAX_METHOD: usize = 16;

/// Serves `factory` on `listener` (through TLS when `tls` is given) as `HttpServer` would, with
/// every connection read through `RequestLineGuard`.
pub fn serve<F, I, S, B>(
    factory: F,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let name = format!("patient-portal-{addr}");
    let builder = actix_server::Server::build().workers(2);
    // actix-web's HttpServer defaults, written out: it is no longer the one building this.
    macro_rules! http {
        () => {
            HttpService::build()
                .keep_alive(Duration::from_secs(5))
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
        };
    }
    let app = move |factory: &F| {
        // AppConfig's constructor is private to actix-web; its default differs only in the
        // scheme and host used when a request has no Host header, which HTTP/1.1 requires.
        map_config(
            factory()
                .into_factory()
                .map_err(|err| err.into().error_response()),
            |_| AppConfig::default(),
        )
    };
    let builder = match tls {
        Some(config) => builder.listen(name, listener, move || {
            let config = (*config).clone();
            actix_tls::accept::rustls_0_23::Acceptor::new(config)
                .map_init_err(|_| ())
                .map_err(|_| ())
                .map(|io: actix_tls::accept::rustls_0_23::TlsStream<TcpStream>| {
                    let peer = io.get_ref().0.peer_addr().ok();
                    (RequestLineGuard::new(io), peer)
                })
                .and_then(http!().h1(app(&factory)).map_err(|_| ()))
        })?,
        None => builder.listen(name, listener, move || {
            actix_service::fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, ()>((RequestLineGuard::new(io), peer))
            })
            .and_then(http!().h1(app(&factory)).map_err(|_| ()))
        })?,
    };
    Ok(builder.run())
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    /// A request line may be starting: bytes are held until it is known to be a short one.
    AtRequestLine,
    /// An over-long target is being dropped up to its end (a space or the line's end).
    DroppingTarget,
    /// Everything else: passed through untouched.
    Passing,
}

/// A connection whose over-long request targets become `TOO_LONG_PATH`.
pub struct RequestLineGuard<T> {
    inner: T,
    state: State,
    /// Bytes read but not yet given to actix-web (at most the method and `MAX_URI_BYTES`).
    held: Vec<u8>,
    /// How many of `held` have been given already, once it is released.
    released: usize,
    method: Vec<u8>,
}

impl<T> RequestLineGuard<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            state: State::AtRequestLine,
            held: Vec::new(),
            released: 0,
            method: Vec::new(),
        }
    }

    /// Takes in bytes read from the client and decides what actix-web gets of them.
    fn take_in(&mut self, data: &[u8]) {
        match self.state {
            State::Passing => self.held.extend_from_slice(data),
            State::AtRequestLine => {
                self.held.extend_from_slice(data);
                match classify(&self.held) {
                    Line::Undecided => {}
                    Line::Ordinary => self.state = State::Passing,
                    Line::TooLong { method_end } => {
                        self.method = self.held[..method_end].to_vec();
                        let rest = self.held[method_end + 1..].to_vec();
                        self.held.clear();
                        self.state = State::DroppingTarget;
                        self.drop_target(&rest);
                    }
                }
            }
            State::DroppingTarget => self.drop_target(data),
        }
    }

    /// Drops target bytes up to the target's end; from there on the request goes on, with
    /// `TOO_LONG_PATH` for its target.
    fn drop_target(&mut self, data: &[u8]) {
        if let Some(end) = data.iter().position(|b| matches!(b, b' ' | b'\r' | b'\n')) {
            self.held.extend_from_slice(&self.method);
            self.held.push(b' ');
            self.held.extend_from_slice(TOO_LONG_PATH.as_bytes());
            self.held.extend_from_slice(&data[end..]);
            self.state = State::Passing;
        }
    }

    fn holds_releasable(&self) -> bool {
        self.state == State::Passing && self.released < self.held.len()
    }
}

enum Line {
    /// Too little yet to say.
    Undecided,
    /// A short request line, or not a request line at all: not ours to touch.
    Ordinary,
    /// A method, a space, and more than `MAX_URI_BYTES` of target without its end.
    TooLong { method_end: usize },
}

fn classify(bytes: &[u8]) -> Line {
    let Some(method_end) = bytes.iter().position(|b| *b == b' ') else {
        return if bytes.len() <= MAX_METHOD && bytes.iter().all(u8::is_ascii_uppercase) {
            Line::Undecided
        } else {
            Line::Ordinary
        };
    };
    if method_end == 0
        || method_end > MAX_METHOD
        || !bytes[..method_end].iter().all(u8::is_ascii_uppercase)
    {
        return Line::Ordinary;
    }
    let target = &bytes[method_end + 1..];
    if target
        .first()
        .is_some_and(|b| !matches!(b, b'/' | b'h' | b'*'))
    {
        return Line::Ordinary;
    }
    match target
        .iter()
        .position(|b| matches!(b, b' ' | b'\r' | b'\n'))
    {
        Some(end) if end <= MAX_URI_BYTES => Line::Ordinary,
        None if target.len() <= MAX_URI_BYTES => Line::Undecided,
        _ => Line::TooLong { method_end },
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for RequestLineGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.holds_releasable() {
                let n = buf.remaining().min(this.held.len() - this.released);
                buf.put_slice(&this.held[this.released..this.released + n]);
                this.released += n;
                if this.released == this.held.len() {
                    this.held.clear();
                    this.released = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.state == State::Passing {
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            let mut chunk = [0u8; 4096];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // The client stopped sending: give what was held, then the end.
                this.state = State::Passing;
                if this.held.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            this.take_in(read.filled());
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for RequestLineGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        // A response (not an interim `100 Continue`) means the next bytes start a request.
        if written > 0
            && this.state == State::Passing
            && !this.holds_releasable()
            && !buf.starts_with(b"HTTP/1.1 1")
        {
            this.state = State::AtRequestLine;
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through_guard(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut guard = RequestLineGuard::new(());
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            guard.take_in(piece);
            if guard.state == State::Passing {
                out.extend_from_slice(&guard.held[guard.released..]);
                guard.held.clear();
                guard.released = 0;
            }
        }
        out
    }

    #[test]
    fn an_ordinary_request_passes_untouched() {
        let request = b"GET /records?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        for chunk in [1, 3, 4096] {
            assert_eq!(through_guard(request, chunk), request);
        }
    }

    #[test]
    fn an_over_long_target_becomes_the_414_path_and_the_rest_goes_on() {
        for len in [MAX_URI_BYTES + 1, 64 * 1024, 200 * 1000] {
            let request = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(len));
            for chunk in [7, 4096] {
                let out = through_guard(request.as_bytes(), chunk);
                assert_eq!(
                    out,
                    format!("GET {TOO_LONG_PATH} HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes()
                );
            }
        }
    }

    #[test]
    fn a_target_at_the_limit_is_left_to_the_application() {
        let request = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_URI_BYTES - 1));
        assert_eq!(through_guard(request.as_bytes(), 512), request.as_bytes());
    }

    #[test]
    fn what_is_not_a_request_line_is_not_touched() {
        let body = format!("name={}", "a".repeat(20_000));
        assert_eq!(through_guard(body.as_bytes(), 4096), body.as_bytes());
        let odd = format!("get /{}", "a".repeat(20_000));
        assert_eq!(through_guard(odd.as_bytes(), 4096), odd.as_bytes());
    }
}
