//! The emulator's templates: the Tera instance built from templates/b2c_emulator (embedded;
//! names end in .html so every value is escaped).
//!
//! A leaf, so that the error type (`errors`) can render its page and the pages (`pages`) can
//! return the error type without depending on each other.

use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    // The labelled-field macros the portal's forms use too.
    (
        "macros/forms.html",
        include_str!("../../templates/macros/forms.html"),
    ),
    (
        "base.html",
        include_str!("../../templates/b2c_emulator/base.html"),
    ),
    (
        "error.html",
        include_str!("../../templates/b2c_emulator/error.html"),
    ),
    (
        "signin.html",
        include_str!("../../templates/b2c_emulator/signin.html"),
    ),
    (
        "signup.html",
        include_str!("../../templates/b2c_emulator/signup.html"),
    ),
    (
        "mfa.html",
        include_str!("../../templates/b2c_emulator/mfa.html"),
    ),
    (
        "reset.html",
        include_str!("../../templates/b2c_emulator/reset.html"),
    ),
    (
        "reset_password.html",
        include_str!("../../templates/b2c_emulator/reset_password.html"),
    ),
    (
        "edit.html",
        include_str!("../../templates/b2c_emulator/edit.html"),
    ),
    (
        "form_post.html",
        include_str!("../../templates/b2c_emulator/form_post.html"),
    ),
    (
        "signed_out.html",
        include_str!("../../templates/b2c_emulator/signed_out.html"),
    ),
    (
        "outbox.html",
        include_str!("../../templates/b2c_emulator/outbox.html"),
    ),
];

pub(crate) fn build_templates() -> Result<tera::Tera, String> {
    let mut tera = tera::Tera::default();
    super::i18n::register(&mut tera);
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| format!("{e:?}"))?;
    Ok(tera)
}

fn templates() -> Result<&'static tera::Tera, String> {
    static TERA: OnceLock<Result<tera::Tera, String>> = OnceLock::new();
    TERA.get_or_init(build_templates)
        .as_ref()
        .map_err(|e| format!("emulator templates: {e}"))
}

/// Renders one template; the error says which and why (for the log, never for the page).
pub(crate) fn render(name: &str, ctx: &tera::Context) -> Result<String, String> {
    // Pages made outside a flow (errors, the outbox) speak the request's language
    // (`ui_locales`, else the browser's: `i18n::choose`).
    let with_lang;
    let ctx = if ctx.contains_key("lang") {
        ctx
    } else {
        let mut c = ctx.clone();
        c.insert("lang", super::i18n::current());
        with_lang = c;
        &with_lang
    };
    templates()?
        .render(name, ctx)
        .map_err(|e| format!("rendering {name}: {e:?}"))
}
