//! Care teams: which clinicians may open which charts without breaking the glass.
//!
//! Administrators change them from the command line (`patient-portal care-team add|remove`),
//! and the demo seed uses `add_to_care_team`. There is deliberately no web route that changes
//! a care team: a clinician must not be able to grant themselves access.

use anyhow::{bail, Context};

use crate::db::{self, Pool};

/// Puts a clinician on a patient's care team. Returns false when they already were.
pub async fn add_to_care_team(
    pool: &Pool,
    clinician_subject: &str,
    patient_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO care_team (clinician_subject, patient_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (clinician_subject, patient_id) DO NOTHING",
    )
    .bind(clinician_subject)
    .bind(patient_id)
    .bind(db::now())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a clinician off a patient's care team. Returns false when they were not on it.
pub async fn remove_from_care_team(
    pool: &Pool,
    clinician_subject: &str,
    patient_id: &str,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM care_team WHERE clinician_subject = $1 AND patient_id = $2")
            .bind(clinician_subject)
            .bind(patient_id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// A clinician as the directory knows them: subject and, if they have signed in, their name.
struct Resolved {
    subject: String,
    label: String,
}

/// A clinician who has signed in, found by e-mail address.
#[derive(sqlx::FromRow)]
struct Known {
    subject: String,
    display_name: String,
}

/// An e-mail address must name exactly one clinician who has signed in; anything else is
/// taken as a subject (object id), which may belong to someone who has not signed in yet.
async fn resolve_clinician(pool: &Pool, clinician: &str) -> anyhow::Result<Resolved> {
    let clinician = clinician.trim();
    if clinician.is_empty() {
        bail!("--clinician is empty: give the clinician's e-mail address or subject (object id)");
    }
    if clinician.contains('@') {
        let rows = sqlx::query_as::<_, Known>(
            "SELECT subject, display_name FROM clinicians WHERE email_lower = $1 ORDER BY first_seen",
        )
        .bind(clinician.to_lowercase())
        .fetch_all(pool)
        .await?;
        return match rows.as_slice() {
            [] => bail!(
                "no clinician with the e-mail address {clinician} has signed in to the portal yet; \
                 ask them to sign in once, or give their subject (object id) instead"
            ),
            [known] => Ok(Resolved {
                subject: known.subject.clone(),
                label: format!("{} <{clinician}>", known.display_name),
            }),
            _ => bail!(
                "{} clinicians share the e-mail address {clinician}; give the subject (object id) instead",
                rows.len()
            ),
        };
    }
    let name: Option<String> =
        sqlx::query_scalar("SELECT display_name FROM clinicians WHERE subject = $1")
            .bind(clinician)
            .fetch_optional(pool)
            .await?;
    Ok(Resolved {
        subject: clinician.to_string(),
        label: match name {
            Some(name) => format!("{name} ({clinician})"),
            None => format!("{clinician} (has not signed in yet)"),
        },
    })
}

/// `patient-portal care-team add|remove --clinician EMAIL_OR_SUBJECT --patient MRN`: the
/// logic, returning the line to print.
pub async fn care_team_cli(
    pool: &Pool,
    add: bool,
    clinician: &str,
    mrn: &str,
) -> anyhow::Result<String> {
    let mrn = mrn.trim();
    if mrn.is_empty() {
        bail!("--patient is empty: give the patient's MRN");
    }
    let who = resolve_clinician(pool, clinician).await?;
    let patient_id: Option<String> = sqlx::query_scalar("SELECT id FROM patients WHERE mrn = $1")
        .bind(mrn)
        .fetch_optional(pool)
        .await
        .context("cannot look up the patient")?;
    let Some(patient_id) = patient_id else {
        bail!("no patient has the MRN {mrn}");
    };
    if add {
        if add_to_care_team(pool, &who.subject, &patient_id).await? {
            Ok(format!(
                "added {} to the care team of patient {mrn}",
                who.label
            ))
        } else {
            Ok(format!(
                "{} was already on the care team of patient {mrn}",
                who.label
            ))
        }
    } else if remove_from_care_team(pool, &who.subject, &patient_id).await? {
        Ok(format!(
            "removed {} from the care team of patient {mrn}",
            who.label
        ))
    } else {
        bail!("{} is not on the care team of patient {mrn}", who.label)
    }
}
