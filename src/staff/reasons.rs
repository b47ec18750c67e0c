//! The reasons a clinician gives for breaking the glass (#31): the code the audit trail keeps
//! and the label a person reads, in the page's language. Apart from `break_glass` so that the
//! access log (`audit::pages`) can show a grant's reason without depending on the handlers.

use crate::i18n;

/// The reasons a clinician can choose: stored code, and the message of its label (#31;
/// `page_words.ftl`). The code is what the audit trail keeps; the label is in the page's
/// language.
pub const REASONS: &[(&str, &str)] = &[
    (
        "emergency_treatment",
        "page-words-reason-emergency-treatment",
    ),
    ("unable_to_consent", "page-words-reason-unable-to-consent"),
    ("urgent_request", "page-words-reason-urgent-request"),
    ("other", "page-words-reason-other"),
];

/// A reason's label in `lang`; `None` for a code that is not one of [`REASONS`].
pub fn reason_label(lang: i18n::Lang, code: &str) -> Option<String> {
    REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, key)| i18n::tr(lang, key))
}

/// A grant's audit detail (`reason=<code>: <words>`) as the access log shows it: the reason's
/// label in `lang`, then the clinician's words. A detail of another shape is shown as written
/// (without the `reason=` prefix).
pub fn reason_shown(lang: i18n::Lang, detail: &str) -> String {
    let detail = detail.strip_prefix("reason=").unwrap_or(detail);
    match detail
        .split_once(": ")
        .and_then(|(code, words)| Some((reason_label(lang, code)?, words)))
    {
        Some((reason, words)) => i18n::tr_args(
            lang,
            "page-words-reason-with-words",
            &[("reason", reason.into()), ("words", words.into())],
        ),
        None => detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_reads_in_the_page_s_language_and_the_code_stays() {
        use crate::i18n::Lang;
        for (code, _) in REASONS {
            let en = reason_label(Lang::En, code).unwrap();
            let es = reason_label(Lang::Es, code).unwrap();
            assert!(!en.starts_with("page-words"), "{code}: {en}");
            assert_ne!(en, es, "{code}: Spanish of its own");
        }
        assert_eq!(
            reason_label(Lang::Es, "emergency_treatment").as_deref(),
            Some("Tratamiento de emergencia")
        );
        assert_eq!(reason_label(Lang::Es, "because"), None);
        // What the patient's access log shows for the audit detail.
        let detail = "reason=unable_to_consent: Unconscious in ED";
        assert_eq!(
            reason_shown(Lang::Es, detail),
            "El paciente no puede dar su consentimiento: Unconscious in ED"
        );
        assert_eq!(
            reason_shown(Lang::En, detail),
            "Patient unable to consent: Unconscious in ED"
        );
        assert_eq!(reason_shown(Lang::Es, "reason=odd"), "odd");
    }
}
