//! A message as it arrives from a form: read from `multipart/form-data` with every limit
//! enforced while the bytes stream in, then parsed into values that are valid once held
//! (subject, body, category, attachments whose type was read from their content).
//!
//! Nothing here touches the database: a draft is either whole and valid, or refused. A file's
//! bytes go to a spool file under the data dir as they arrive (256 KiB at a time), so a form
//! costs about one chunk of memory, not its size, while it waits for the audit entry and the
//! short transaction that stores it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use actix_multipart::Multipart;
use futures_util::StreamExt;

/// At most this many files per message.
pub const MAX_FILES: usize = 3;
/// Each file at most 10 MB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// A text field (subject, body, token) at most this many bytes.
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// After this much of a refused body has been read, stop reading and drop the connection. Up
/// to then the rest is read and discarded, so the browser receives the error page instead of
/// a reset connection.
pub const HARD_LIMIT_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 2 * 1024 * 1024;
pub const MAX_SUBJECT_CHARS: usize = 150;
pub const MAX_BODY_CHARS: usize = 5000;

/// Spool writes and stored chunks (`store`) are this size: a stored file is read back from
/// its spool one chunk at a time. Defined here, as `store` already imports `draft`.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Why a form was refused: each becomes a 4xx page that says what to change, except
/// `Unavailable` (the spool could not be written: the 503 page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooLarge(String),
    Unsupported(String),
    Invalid(String),
    Unavailable(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::TooLarge(m)
            | Refusal::Unsupported(m)
            | Refusal::Invalid(m)
            | Refusal::Unavailable(m) => m,
        }
    }

    pub fn status(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::Invalid(_) => StatusCode::BAD_REQUEST,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// A refusal's words: the message `key` of `refusals.ftl` in the request's language (#31).
fn say(key: &str, args: &[(&str, crate::i18n::Arg)]) -> String {
    crate::i18n::tr_args(crate::i18n::current(), key, args)
}

/// The file types we accept, known by their first bytes (never by name or declared type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
}

impl FileKind {
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub kind: FileKind,
    pub spool: Spool,
}

/// A file's bytes as they arrived, in a file under the data dir's `uploads/` that is removed
/// at once on Unix (only this handle reaches it) and otherwise when the last clone is dropped:
/// nothing of a form outlives its request.
#[derive(Debug, Clone)]
pub struct Spool {
    file: Arc<SpoolFile>,
    len: u64,
}

#[derive(Debug)]
struct SpoolFile {
    file: Mutex<std::fs::File>,
    path: PathBuf,
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Spool {
    async fn create(dir: &Path) -> std::io::Result<Spool> {
        let path = dir.join(format!("{}.part", uuid::Uuid::new_v4()));
        let dir = dir.to_path_buf();
        let file = blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let file = options.open(&path)?;
            #[cfg(unix)]
            std::fs::remove_file(&path)?;
            Ok(SpoolFile {
                file: Mutex::new(file),
                path,
            })
        })
        .await?;
        Ok(Spool {
            file: Arc::new(file),
            len: 0,
        })
    }

    /// Appends `bytes` (the spool is written in order, then only read).
    async fn append(&mut self, bytes: Vec<u8>) -> std::io::Result<()> {
        let file = self.file.clone();
        let n = bytes.len() as u64;
        blocking(move || {
            let mut f = file
                .file
                .lock()
                .map_err(|_| std::io::Error::other("spool lock"))?;
            f.seek(SeekFrom::End(0))?;
            f.write_all(&bytes)
        })
        .await?;
        self.len += n;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes from `offset`, at most `max` of them.
    pub async fn read_at(&self, offset: u64, max: usize) -> std::io::Result<Vec<u8>> {
        let file = self.file.clone();
        let n = usize::try_from(self.len.saturating_sub(offset))
            .unwrap_or(max)
            .min(max);
        blocking(move || {
            let mut f = file
                .file
                .lock()
                .map_err(|_| std::io::Error::other("spool lock"))?;
            f.seek(SeekFrom::Start(offset))?;
            let mut buf = vec![0u8; n];
            f.read_exact(&mut buf)?;
            Ok(buf)
        })
        .await
    }
}

/// File work off the async workers (a slow disk must not stall other requests).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(std::io::Error::other)?
}

/// A display name for a download: the last path part, ordinary characters only, ending in the
/// extension of the type the content really has.
pub fn clean_file_name(given: &str, kind: FileKind) -> String {
    let base = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '(' | ')'))
        .take(80)
        .collect();
    name = name.trim().trim_start_matches('.').to_string();
    if name.is_empty() {
        name = "attachment".into();
    }
    let ext = kind.extension();
    let lower = name.to_lowercase();
    let has_ext =
        lower.ends_with(&format!(".{ext}")) || (kind == FileKind::Jpeg && lower.ends_with(".jpeg"));
    if !has_ext {
        name = format!("{name}.{ext}");
    }
    name
}

/// The text of a message: line breaks kept, other control characters dropped, not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(String);

impl Body {
    pub fn parse(raw: &str) -> Result<Body, Refusal> {
        let text: String = raw
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
            .collect();
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(Refusal::Invalid(say("refusal-message-empty", &[])));
        }
        if text.chars().count() > MAX_BODY_CHARS {
            return Err(Refusal::Invalid(say(
                "refusal-message-too-long",
                &[("max", MAX_BODY_CHARS.into())],
            )));
        }
        Ok(Body(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A subject line: one line, not empty, not too long.
pub fn parse_subject(raw: &str) -> Result<String, Refusal> {
    let subject = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if subject.is_empty() {
        return Err(Refusal::Invalid(say("refusal-message-no-subject", &[])));
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(Refusal::Invalid(say(
            "refusal-message-subject-too-long",
            &[("max", MAX_SUBJECT_CHARS.into())],
        )));
    }
    Ok(subject)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Result,
    Medication,
    General,
}

pub const CATEGORIES: &[(&str, &str)] = &[
    ("general", "General question"),
    ("result", "Question about a result"),
    ("medication", "Medication question"),
];

impl Category {
    pub fn parse(raw: Option<&str>) -> Result<Category, Refusal> {
        match raw.map(str::trim).unwrap_or("general") {
            "" | "general" => Ok(Category::General),
            "result" => Ok(Category::Result),
            "medication" => Ok(Category::Medication),
            _ => Err(Refusal::Invalid(say("refusal-message-category", &[]))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Result => "result",
            Category::Medication => "medication",
            Category::General => "general",
        }
    }
}

/// What a conversation is about, in the language of the request (#31; `words.ftl`), for the
/// pages; [`category_label`] is the English kept in the FHIR export.
pub fn category_words(code: &str) -> String {
    // The stored code, or "general" for one no longer offered, as category_label does.
    let code = CATEGORIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("general", |(c, _)| *c);
    crate::i18n::tr_args(
        crate::i18n::current(),
        "message-category",
        &[("category", code.into())],
    )
}

pub fn category_label(code: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("General question")
}

/// The fields of a message form, read but not yet judged (except the limits).
#[derive(Debug, Default)]
pub struct RawForm {
    pub csrf_token: Option<String>,
    pub subject: Option<String>,
    pub category: Option<String>,
    pub body: Option<String>,
    pub files: Vec<Upload>,
}

/// A reply or first message, valid.
#[derive(Debug)]
pub struct Draft {
    pub body: Body,
    pub files: Vec<Upload>,
}

/// Reads a multipart form, spooling files under `spool_dir`. Limits are enforced on the bytes
/// as they arrive: a file that passes 10 MB, a fourth file, or a file that is not PDF/PNG/JPEG
/// refuses the whole form, and nothing of it is kept.
pub async fn read(mut payload: Multipart, spool_dir: &Path) -> Result<RawForm, Refusal> {
    let mut form = RawForm::default();
    let mut refusal: Option<Refusal> = None;
    let mut total = 0usize;
    let unreadable = || Refusal::Invalid(say("refusal-message-unreadable", &[]));
    let spool_failed = |e: std::io::Error| {
        tracing::error!(error = %e, "upload spool not written; answering 503");
        Refusal::Unavailable(say("refusal-message-not-received", &[]))
    };
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let is_file = file_name.is_some();
        // Only files of the `attachments` input are kept; any other file is read and dropped.
        let keep_file = is_file && name == "attachments";
        let limit = if is_file {
            MAX_FILE_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        // Text fields whole (small); a file's first bytes (to know its type) and its spool.
        let mut bytes: Vec<u8> = Vec::new();
        let mut head: Vec<u8> = Vec::new();
        let mut spool: Option<Spool> = None;
        let mut size = 0usize;
        let mut over = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            total += chunk.len();
            if total > HARD_LIMIT_BYTES {
                return Err(Refusal::TooLarge(too_large()));
            }
            // Once refused, the rest is read only to be thrown away.
            if refusal.is_some() || over {
                continue;
            }
            if size + chunk.len() > limit {
                over = true;
                bytes = Vec::new();
                spool = None;
                continue;
            }
            size += chunk.len();
            if is_file && !keep_file {
                continue;
            }
            if keep_file && head.len() < 8 {
                let take = (8 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            bytes.extend_from_slice(&chunk);
            if keep_file && bytes.len() >= CHUNK_BYTES {
                if spool.is_none() {
                    spool = Some(Spool::create(spool_dir).await.map_err(spool_failed)?);
                }
                if let Some(spool) = spool.as_mut() {
                    spool
                        .append(std::mem::take(&mut bytes))
                        .await
                        .map_err(spool_failed)?;
                }
            }
        }
        if refusal.is_some() {
            continue;
        }
        if over {
            refusal = Some(if is_file {
                Refusal::TooLarge(too_large())
            } else {
                unreadable()
            });
            continue;
        }
        if is_file {
            if !keep_file {
                continue;
            }
            let given = file_name.unwrap_or_default();
            // A file input left empty still sends a part, with no name and no bytes.
            if given.is_empty() && size == 0 {
                continue;
            }
            if form.files.len() == MAX_FILES {
                refusal = Some(Refusal::TooLarge(say(
                    "refusal-message-too-many-files",
                    &[("max", MAX_FILES.into())],
                )));
                continue;
            }
            let Some(kind) = FileKind::sniff(&head) else {
                refusal = Some(Refusal::Unsupported(say("refusal-message-file-type", &[])));
                continue;
            };
            let mut spool = match spool {
                Some(spool) => spool,
                None => Spool::create(spool_dir).await.map_err(spool_failed)?,
            };
            if !bytes.is_empty() {
                spool.append(bytes).await.map_err(spool_failed)?;
            }
            form.files.push(Upload {
                file_name: clean_file_name(&given, kind),
                kind,
                spool,
            });
        } else {
            let text = String::from_utf8(bytes).map_err(|_| unreadable())?;
            match name.as_str() {
                "csrf_token" => form.csrf_token = Some(text),
                "subject" => form.subject = Some(text),
                "category" => form.category = Some(text),
                "body" => form.body = Some(text),
                _ => {}
            }
        }
    }
    match refusal {
        Some(r) => Err(r),
        None => Ok(form),
    }
}

fn too_large() -> String {
    say(
        "refusal-message-file-too-large",
        &[("mb", (MAX_FILE_BYTES / (1024 * 1024)).into())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_content_not_name() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7 ..."), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::sniff(b""), None);
    }

    #[test]
    fn file_names_lose_paths_and_get_the_real_extension() {
        assert_eq!(
            clean_file_name("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            clean_file_name("C:\\scans\\lab.PDF", FileKind::Pdf),
            "lab.PDF"
        );
        assert_eq!(clean_file_name("x.html", FileKind::Png), "x.html.png");
        assert_eq!(clean_file_name("\"; evil=1", FileKind::Jpeg), "evil1.jpg");
        assert_eq!(clean_file_name("", FileKind::Pdf), "attachment.pdf");
    }

    #[test]
    fn bodies_keep_line_breaks_and_have_limits() {
        assert_eq!(Body::parse("a\r\nb\u{7}").unwrap().as_str(), "a\nb");
        assert!(Body::parse("   ").is_err());
        assert!(Body::parse(&"x".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(parse_subject(&"x".repeat(MAX_SUBJECT_CHARS + 1)).is_err());
        assert_eq!(parse_subject(" a\nb ").unwrap(), "a b");
        assert!(Category::parse(Some("surgery")).is_err());
    }
}
