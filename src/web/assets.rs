//! Static assets, embedded in the binary. The only responses that may be cached.

use actix_web::{web, HttpResponse};

const PORTAL_CSS: &str = include_str!("../../assets/portal.css");

pub async fn serve(path: web::Path<String>) -> HttpResponse {
    match path.as_str() {
        "portal.css" => HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(PORTAL_CSS),
        _ => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}
