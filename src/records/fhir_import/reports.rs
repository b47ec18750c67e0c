//! DiagnosticReport (with its results and presented forms) and ImagingStudy.

use serde_json::Value;

use super::datatypes::{coding, concept, parse_fhir_datetime};
use super::entry::{list, period, Entry, ImportError};
use super::reader::Reader;
use crate::records::model::{
    systems, Attachment, DiagnosticReport, ImagingInstance, ImagingSeries, ImagingStudy,
};

const REPORT_STATUS: [&str; 10] = [
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
];
const IMAGING_STATUS: [&str; 5] = [
    "registered",
    "available",
    "cancelled",
    "entered-in-error",
    "unknown",
];

impl Reader<'_, '_> {
    pub(super) fn report(&self, e: &Entry) -> Result<DiagnosticReport, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !REPORT_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        let code = e.required_concept("code", systems::LOINC)?;
        // Every coding when there are several (`code` is then the one the pages name it by).
        let codes = match e.get("code") {
            Some(c) => super::notes::all_codings(c).map_err(|p| e.err("code", p))?,
            None => Vec::new(),
        };
        let codes = if codes.len() > 1 { codes } else { Vec::new() };
        self.check_patient(e, "subject", false)?;
        let mut categories = Vec::new();
        for (i, c) in list(e, "category")?.iter().enumerate() {
            categories.push(concept(c, "").map_err(|p| e.err(&format!("category[{i}]"), p))?);
        }
        let effective = match e.datetime("effectiveDateTime")? {
            Some(t) => Some(t),
            None => period(e, "effectivePeriod")?.0,
        };
        let mut presented_forms = Vec::new();
        for (i, a) in list(e, "presentedForm")?.iter().enumerate() {
            let field = format!("presentedForm[{i}]");
            let a = a
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an Attachment"))?;
            let text = |k: &str| -> Result<Option<String>, ImportError> {
                match a.get(k) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(e.err(&format!("{field}.{k}"), "is not a string")),
                }
            };
            let content_type = text("contentType")?;
            let data = text("data")?;
            // The same check as a note's content (#27): a report's text is a note too, shown on
            // its visit; the base64 is kept as the source gave it.
            if let Some(d) = &data {
                let t = content_type
                    .as_deref()
                    .ok_or_else(|| e.err(&format!("{field}.contentType"), "is missing"))?;
                crate::records::notes::read_attachment(t, d).map_err(|p| e.err(&field, p))?;
            }
            presented_forms.push(Attachment {
                content_type,
                title: text("title")?,
                data,
                url: text("url")?,
            });
        }
        Ok(DiagnosticReport {
            status,
            code,
            codes,
            categories,
            effective,
            issued: e.datetime("issued")?,
            results: self.linked_ids(e, "result", "Observation")?,
            conclusion: e.string("conclusion")?.filter(|c| !c.trim().is_empty()),
            presented_forms,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }

    pub(super) fn imaging_study(&self, e: &Entry) -> Result<ImagingStudy, ImportError> {
        let fhir_id = e.id()?;
        let status = e.required_string("status")?;
        if !IMAGING_STATUS.contains(&status.as_str()) {
            return Err(e.err("status", format!("has an unknown code {status:?}")));
        }
        self.check_patient(e, "subject", true)?;
        let mut series = Vec::new();
        for (i, s) in list(e, "series")?.iter().enumerate() {
            let field = format!("series[{i}]");
            let s = s
                .as_object()
                .ok_or_else(|| e.err(&field, "is not an object"))?;
            let uid = match s.get("uid") {
                Some(Value::String(u)) if !u.is_empty() => u.clone(),
                _ => return Err(e.err(&format!("{field}.uid"), "is missing")),
            };
            let modality = coding(
                s.get("modality")
                    .ok_or_else(|| e.err(&format!("{field}.modality"), "is missing"))?,
            )
            .map_err(|p| e.err(&format!("{field}.modality"), p))?;
            let body_site = match s.get("bodySite") {
                None | Some(Value::Null) => None,
                Some(b) => Some(coding(b).map_err(|p| e.err(&format!("{field}.bodySite"), p))?),
            };
            let started = match s.get("started") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) => Some(parse_fhir_datetime(t).ok_or_else(|| {
                    e.err(
                        &format!("{field}.started"),
                        format!("is not a date-time: {t:?}"),
                    )
                })?),
                Some(_) => return Err(e.err(&format!("{field}.started"), "is not a date-time")),
            };
            let mut instances = Vec::new();
            let raw_instances: &[Value] = match s.get("instance") {
                None | Some(Value::Null) => &[],
                Some(Value::Array(a)) => a,
                Some(_) => return Err(e.err(&format!("{field}.instance"), "is not a list")),
            };
            for (j, inst) in raw_instances.iter().enumerate() {
                let f = format!("{field}.instance[{j}]");
                let uid = inst
                    .get("uid")
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| e.err(&format!("{f}.uid"), "is missing"))?
                    .to_owned();
                let sop_class = coding(
                    inst.get("sopClass")
                        .ok_or_else(|| e.err(&format!("{f}.sopClass"), "is missing"))?,
                )
                .map_err(|p| e.err(&format!("{f}.sopClass"), p))?;
                instances.push(ImagingInstance {
                    uid,
                    sop_class,
                    number: inst.get("number").and_then(Value::as_u64),
                    title: inst.get("title").and_then(Value::as_str).map(str::to_owned),
                });
            }
            series.push(ImagingSeries {
                uid,
                number: s.get("number").and_then(Value::as_u64),
                modality,
                body_site,
                started,
                instances,
            });
        }
        Ok(ImagingStudy {
            status,
            started: e.datetime("started")?,
            description: e.string("description")?,
            series,
            encounter: self.encounter_ref(e)?,
            fhir_id,
        })
    }
}
