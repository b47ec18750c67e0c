//! The clinician directory: who a clinician is (name, e-mail) for care-team administration
//! and for naming them in patients' access logs. Filled at a clinician's sign-in (and kept
//! current on staff pages); the audit trail itself keeps only their opaque subject.

use super::user::{Role, SignedInUser};
use crate::db::{self, Pool};

/// Records the clinician on first sight, and follows later changes of name or e-mail. A
/// read on every staff page, a write only when something changed.
/// What the directory holds of a clinician.
#[derive(sqlx::FromRow)]
struct Listed {
    display_name: String,
    email: Option<String>,
}

pub async fn record(pool: &Pool, user: &SignedInUser) -> Result<(), sqlx::Error> {
    if user.role != Role::Clinician {
        return Ok(());
    }
    let email = user.emails.first().map(|e| e.trim().to_string());
    let email_lower = email.as_ref().map(|e| e.to_lowercase());
    let known = sqlx::query_as::<_, Listed>(
        "SELECT display_name, email FROM clinicians WHERE subject = $1",
    )
    .bind(&user.subject)
    .fetch_optional(pool)
    .await?;
    match known {
        None => {
            sqlx::query(
                "INSERT INTO clinicians (subject, display_name, email, email_lower, first_seen) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject) DO NOTHING",
            )
            .bind(&user.subject)
            .bind(&user.display_name)
            .bind(email.as_deref())
            .bind(email_lower.as_deref())
            .bind(db::now())
            .execute(pool)
            .await?;
        }
        Some(Listed {
            display_name: name,
            email: stored,
        }) => {
            if name != user.display_name || (email.is_some() && stored != email) {
                sqlx::query(
                    "UPDATE clinicians SET display_name = $1, email = COALESCE($2, email), \
                     email_lower = COALESCE($3, email_lower) WHERE subject = $4",
                )
                .bind(&user.display_name)
                .bind(email.as_deref())
                .bind(email_lower.as_deref())
                .bind(&user.subject)
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(())
}
