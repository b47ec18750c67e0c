//! What a link carries, made from the record and encrypted for the link's key: when the link is
//! made (`pages::create`) and, for an `L` link whose content follows the record, again at each
//! manifest request (`manifest`). One function for both, so the two never differ.

use super::{ips, shc, shl};
use crate::access::ChartAccess;
use crate::records::model::PatientRecord;
use crate::records::{fhir_export, store as records};
use crate::state::AppState;
use crate::web::AppError;

/// What a link may share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Summary,
    Immunizations,
    Labs,
    Record,
}

impl Content {
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "summary" => Content::Summary,
            "immunizations" => Content::Immunizations,
            "labs" => Content::Labs,
            "record" => Content::Record,
            _ => return None,
        })
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Content::Summary => "summary",
            Content::Immunizations => "immunizations",
            Content::Labs => "labs",
            Content::Record => "record",
        }
    }

    /// What a link shares, in the page's language (lead_words.ftl); the stored value stays
    /// the code.
    pub(super) fn words(s: &str) -> String {
        let key = match s {
            "summary" => "lead-share-content-summary",
            "immunizations" => "lead-share-content-immunizations",
            "labs" => "lead-share-content-labs",
            "record" => "lead-share-content-record",
            _ => "lead-share-content-other",
        };
        crate::i18n::tr(crate::i18n::current(), key)
    }
}

/// A link's files in manifest order: (content type, JWE compact).
pub type Files = Vec<(&'static str, String)>;

/// Reads the record through `chart` (already audited by whoever made it) and encrypts what
/// `content` shares for `key`. `period` is the labs' first and last day (YYYY-MM-DD).
pub async fn files(
    state: &AppState,
    chart: &ChartAccess,
    content: Content,
    period: Option<(&str, &str)>,
    key: &shl::LinkKey,
    now: i64,
) -> Result<(PatientRecord, Files), AppError> {
    let record = records::whole_record(&state.pool, chart).await?;
    let export = fhir_export::export_bundle(&record);
    let timestamp = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let bundle = match (content, period) {
        (Content::Summary, _) => ips::ips_document(&export, &timestamp, "Patient portal"),
        (Content::Immunizations, _) => ips::immunizations(&export, &timestamp),
        (Content::Labs, Some((from, to))) => ips::labs(&export, &timestamp, from, to),
        (Content::Labs, None) | (Content::Record, _) => {
            // The whole record, as `/records/export` gives it: messages, appointments and
            // renewals too.
            let mut bundle = export;
            let messages = crate::messages::store::communications(
                &state.pool,
                chart,
                &state.settings.public_url,
            )
            .await?;
            fhir_export::add_communications(&mut bundle, &messages);
            crate::appointments::fhir::add_to_export(&state.pool, chart, &mut bundle).await?;
            crate::renewals::fhir::add_to_export(&state.pool, chart, &mut bundle).await?;
            bundle
        }
    };
    let body = serde_json::to_vec(&bundle).map_err(|e| AppError::Internal(e.into()))?;
    let mut files = vec![(
        "application/fhir+json",
        shl::encrypt(key, "application/fhir+json", &body)?,
    )];
    if content == Content::Immunizations {
        // The same immunizations as a verifiable card, for a verifier that wants one.
        let card = sign_card(state, &record.patient, &record.immunizations, now).await?;
        let file =
            serde_json::to_vec(&shc::file(&card)).map_err(|e| AppError::Internal(e.into()))?;
        files.push((
            shc::FILE_CONTENT_TYPE,
            shl::encrypt(key, shc::FILE_CONTENT_TYPE, &file)?,
        ));
    }
    Ok((record, files))
}

pub(super) async fn sign_card(
    state: &AppState,
    patient: &crate::records::model::Patient,
    immunizations: &[crate::records::model::Immunization],
    now: i64,
) -> Result<String, AppError> {
    let key = shc::load(&state.pool).await?;
    let issuer = issuer(state);
    Ok(key.sign(&shc::immunization_payload(
        patient,
        immunizations,
        &issuer,
        now,
    ))?)
}

/// The cards' issuer: the portal's public URL without a trailing slash (the specification's
/// verifiers append `/.well-known/jwks.json`).
pub fn issuer(state: &AppState) -> String {
    state
        .settings
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_string()
}
