//! Static assets, embedded in the binary. The only responses that may be cached.

use actix_web::{web, HttpResponse};

const PORTAL_CSS: &str = include_str!("../../assets/portal.css");
const FAVICON_SVG: &str = include_str!("../../assets/favicon.svg");

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match path.as_str() {
        "portal.css" => HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(PORTAL_CSS),
        "favicon.svg" => HttpResponse::Ok()
            .content_type("image/svg+xml")
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(FAVICON_SVG),
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

/// `GET /favicon.ico`: browsers ask for it on every page whatever the page links. Outside the
/// gate, so a browser's own request never starts a sign-in (each would park a pending sign-in
/// and count against the `/signin` limit); the pages link `/assets/favicon.svg`.
pub async fn favicon() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("not found")
}
