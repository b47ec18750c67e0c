# Words that Rust wrote in English and that a person reads (#31; tests/english_in_rust.rs finds them).

# The plain-text answer when a page's template fails to render (web/templates.rs).
rust-template-failed = Something went wrong on our side. Please try again later.

# A clinical note whose source gives it no type (records/note_views.rs).
rust-note-untitled = Clinical note

# The name shown for a person whose sign-in gives no name and no e-mail (auth/routes.rs).
rust-signed-in-user = Signed-in user
