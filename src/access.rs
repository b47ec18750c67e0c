//! Who may open which chart, and the audit entry that opening writes.
//!
//! A `ChartAccess` is the only key to the record store (`records::store`), and this module is
//! the only place that makes one. Making one commits an audit entry first; if the audit store
//! cannot take it, there is no access and the page is not shown (503).
//!
//! Who asks is a type too: a patient comes as `LinkedPatient` (their own record, from the
//! session), a clinician as `auth::Clinician`, so a patient's session cannot reach
//! `open_for_clinician`. Acting for a patient without reading the chart (activation codes)
//! needs an `ActingGrant`, made here by the same care-team/break-the-glass rule.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::audit::{self, Action, Actor, Outcome, RequestMeta};
use crate::auth::extract::Patient;
use crate::auth::{Clinician, SignedInUser};
use crate::state::AppState;
use crate::web::AppError;

/// Proof that the caller may read this patient's chart, and that the read is audited.
#[derive(Debug)]
pub struct ChartAccess {
    patient_id: PatientId,
    viewer: Viewer,
    /// The record's version (`patients.record_version`) when it was read with the access
    /// check, before anything of the record: the patient's own pages read it with the link.
    record_version: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// The patient, reading their own record.
    Patient,
    /// A clinician on the patient's care team.
    CareTeam,
    /// A clinician with a break-the-glass grant, until `expires_at` (unix seconds).
    BreakGlass { expires_at: i64 },
    /// An app the patient connected, through the FHIR API.
    App,
    /// Someone the patient invited to act for them (#29), within the grant's scopes.
    Proxy,
    /// Whoever holds a link the patient shared (#30), reading what the link shares.
    SharedLink,
}

impl ChartAccess {
    pub fn patient_id(&self) -> &PatientId {
        &self.patient_id
    }

    pub fn viewer(&self) -> Viewer {
        self.viewer
    }

    pub fn record_version(&self) -> Option<i64> {
        self.record_version
    }
}

use crate::records::PatientId;
/// The section vocabulary lives with the records; handlers name it from here too.
pub use crate::records::Section;

/// The audit action of opening `section` (a patient's own chart, or an app's).
fn action_of(section: Section) -> Action {
    match section {
        Section::Export => Action::ExportRecord,
        Section::AccessLog | Section::AccessLogExport => Action::ViewAccessLog,
        Section::Messages => Action::ReadMessages,
        Section::MessageSend => Action::SendMessage,
        Section::MessageUpdate => Action::UpdateMessage,
        Section::MessageAttachment => Action::DownloadAttachment,
        Section::Appointments => Action::ReadAppointments,
        Section::AppointmentChange => Action::ChangeAppointment,
        Section::Renewals => Action::ReadRenewals,
        Section::RenewalChange => Action::ChangeRenewal,
        Section::ShareLink => Action::ShareLinkCreated,
        Section::HealthCard => Action::HealthCardIssued,
        _ => Action::ViewRecord,
    }
}
async fn write(
    state: &AppState,
    req: &HttpRequest,
    user: &SignedInUser,
    action: Action,
    patient_id: &PatientId,
    detail: String,
) -> Result<(), AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::user(user), action, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(detail);
    // No committed entry, no ChartAccess: the error becomes the 503 page.
    audit::append(&state.pool, &entry).await?;
    Ok(())
}

/// A signed-in patient whose account is linked to a record. Handlers of `/records/*` take
/// this: the patient id never comes from the URL or a form.
pub struct LinkedPatient {
    pub user: SignedInUser,
    patient_id: PatientId,
    record_version: i64,
}

impl LinkedPatient {
    /// The linked record's id: for records that are not chart reads (an app's consent) and for
    /// checks that must come before the audited `open` (that a thread named in the URL is this
    /// patient's). Reading anything still needs `open`.
    pub fn patient_id(&self) -> &PatientId {
        &self.patient_id
    }

    /// Opens a section of the patient's own chart (audited).
    pub async fn open(
        &self,
        state: &AppState,
        req: &HttpRequest,
        section: Section,
    ) -> Result<ChartAccess, AppError> {
        write(
            state,
            req,
            &self.user,
            action_of(section),
            &self.patient_id,
            section.as_str().to_string(),
        )
        .await?;
        Ok(ChartAccess {
            patient_id: self.patient_id.clone(),
            viewer: Viewer::Patient,
            record_version: Some(self.record_version),
        })
    }
}

/// A patient's link to their record (the record's id and version), as read earlier in the same
/// request: the header's unread count (`messages::header`) reads it in the same statement, so
/// `LinkedPatient` needs no query of its own. Kept in the request's extensions, and used only
/// for the subject it was read for.
#[derive(Debug, Clone)]
pub struct LinkRead {
    subject: String,
    linked: Option<(PatientId, i64)>,
}

impl LinkRead {
    pub fn new(subject: &str, linked: Option<(PatientId, i64)>) -> LinkRead {
        LinkRead {
            subject: subject.to_string(),
            linked,
        }
    }
}

impl FromRequest for LinkedPatient {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage;
        let patient = Patient::from_request(req, payload).into_inner();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let read = req.extensions().get::<LinkRead>().cloned();
        Box::pin(async move {
            let user = patient?.into_user();
            let state = state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
            // The record's version comes with the link: one query fewer for the pages that
            // are kept per version (`records::chart_cache`).
            let linked = match read.filter(|r| r.subject == user.subject) {
                Some(read) => read.linked,
                None => {
                    sqlx::query_as::<_, (PatientId, i64)>(
                        "SELECT id, record_version FROM patients WHERE b2c_subject = $1",
                    )
                    .bind(&user.subject)
                    .fetch_optional(&state.pool)
                    .await?
                }
            };
            match linked {
                Some((patient_id, record_version)) => Ok(LinkedPatient {
                    user,
                    patient_id,
                    record_version,
                }),
                None => Err(AppError::Redirect("/activate".into())),
            }
        })
    }
}

/// A proxy's key to one patient's record (#29): made only by `open_as_proxy`, after the grant
/// was read from the database in this request (not revoked, not past its end, the scope that
/// `section` needs among its scopes) and the audit entry naming the proxy as actor and the
/// patient as subject was committed. The record store is reached through its `chart`.
#[derive(Debug)]
pub struct ProxyGrant {
    grant_id: String,
    patient_name: String,
    chart: ChartAccess,
    /// A guardian of an adolescent (#29 item 2): the sensitive parts stay hidden.
    hides_sensitive: bool,
}

impl ProxyGrant {
    pub fn grant_id(&self) -> &str {
        &self.grant_id
    }

    /// Whose record it is, for the "acting for" banner.
    pub fn patient_name(&self) -> &str {
        &self.patient_name
    }

    pub fn chart(&self) -> &ChartAccess {
        &self.chart
    }

    /// Whether pages must leave out what `proxy::sensitive` lists (a guardian of a patient
    /// between PORTAL_PROXY_CHILD_AGE_LIMIT and PORTAL_PROXY_ADULT_AGE).
    pub fn hides_sensitive(&self) -> bool {
        self.hides_sensitive
    }
}

/// What a guardian may see of a patient of `age` whole years: everything below the child
/// limit, the record without its sensitive parts below the adult age (`Some(true)`), nothing
/// from the adult age on (`None`: the guardian's access has ended by itself).
pub fn guardian_view(age: u32, child_age_limit: u32, adult_age: u32) -> Option<bool> {
    if age >= adult_age {
        None
    } else {
        Some(age >= child_age_limit)
    }
}

/// [`guardian_view`] today for a patient born on `birth_date` (YYYY-MM-DD); an unreadable or
/// missing birth date is `None`, the access ended (deny by default). The patient's list of
/// their proxies asks it too, so it says what `open_as_proxy` holds.
pub fn guardian_view_today(
    birth_date: Option<&str>,
    settings: &crate::config::Settings,
) -> Option<bool> {
    let born = chrono::NaiveDate::parse_from_str(birth_date?, "%Y-%m-%d").ok()?;
    let age = chrono::Utc::now().date_naive().years_since(born)?;
    guardian_view(
        age,
        settings.proxy_child_age_limit,
        settings.proxy_adult_age,
    )
}

/// The scope a proxy needs to open `section`: fixed here, not chosen by the caller, so a page
/// cannot ask for less than it shows (deny by default: everything else is the record).
pub fn proxy_scope_of(section: Section) -> crate::proxy::Scope {
    use crate::proxy::Scope;
    match section {
        Section::Messages
        | Section::MessageSend
        | Section::MessageUpdate
        | Section::MessageAttachment => Scope::Messages,
        Section::Appointments | Section::AppointmentChange => Scope::Appointments,
        Section::Renewals | Section::RenewalChange => Scope::Renewals,
        _ => Scope::Record,
    }
}

/// A proxy's grant that is neither revoked nor ended, with the people it was given between as
/// the database holds them now. `open_as_proxy` reads one and the chooser (`/acting`, through
/// `live_grants`) reads them all with the same statement, and both judge them by
/// [`LiveGrant::gone`]: the chooser offers exactly the grants that open.
#[derive(sqlx::FromRow)]
pub struct LiveGrant {
    id: String,
    patient_id: String,
    scopes: String,
    patient_name: Option<String>,
    kind: String,
    birth_date: Option<String>,
    /// The address the invitation was sent to (and the proxy proved at acceptance).
    proxy_email: String,
    /// The account that gave a patient's own grant (migration 0022).
    granted_by: Option<String>,
    /// The account the patient's record is linked to now.
    linked_to: Option<String>,
}

/// The live grants of a proxy: `$1` the proxy's subject, `$2` now.
const LIVE_GRANTS: &str = "SELECT g.id, g.patient_id, g.scopes, \
     p.given_name || ' ' || p.family_name AS patient_name, g.kind, p.birth_date, \
     g.proxy_email, g.granted_by, p.b2c_subject AS linked_to FROM proxy_grants g \
     LEFT JOIN patients p ON p.id = g.patient_id \
     WHERE g.proxy_subject = $1 AND g.revoked_at IS NULL \
     AND (g.ends_at IS NULL OR g.ends_at > $2)";

/// Why a grant, neither revoked nor ended, opens nothing now (#29).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantGone {
    /// A patient's own grant, and the record is no longer linked to the account that gave it.
    GrantorUnlinked,
    /// The proxy's sign-in no longer gives the address the grant was given to.
    ProxyEmailChanged,
    /// A guardian's grant, and the patient is of age (or their birth date cannot be read).
    GuardianEnded,
}

impl GrantGone {
    /// What the audit entry of a refused opening says.
    pub fn reason(self) -> &'static str {
        match self {
            GrantGone::GrantorUnlinked => "grantor_unlinked",
            GrantGone::ProxyEmailChanged => "proxy_email_changed",
            GrantGone::GuardianEnded => "guardian_ended",
        }
    }

    /// The words of the 403 page.
    fn page_words(self) -> &'static str {
        match self {
            GrantGone::GrantorUnlinked => "proxy-rules-grantor-unlinked",
            GrantGone::ProxyEmailChanged => "proxy-rules-email-changed",
            GrantGone::GuardianEnded => "proxy-gone-guardian-ended-page",
        }
    }
}

/// Whether a grant holds for the account the record is linked to now (`linked_to`). A
/// patient's own grant holds only while the record is linked to the account that gave it: a
/// record unlinked, or linked to another account since, does not carry over the proxies an
/// earlier account chose. A guardian's grant is a clinician's; the record need not have an
/// account. The patient's list of their proxies (`/account/proxies`) asks it too.
pub fn held_by_record_account(
    kind: &str,
    granted_by: Option<&str>,
    linked_to: Option<&str>,
) -> bool {
    kind == "guardian" || (granted_by.is_some() && granted_by == linked_to)
}

impl LiveGrant {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whose record it is.
    pub fn patient_name(&self) -> &str {
        self.patient_name.as_deref().unwrap_or_default()
    }

    pub fn scopes(&self) -> crate::proxy::Scopes {
        crate::proxy::Scopes::from_stored(&self.scopes)
    }

    /// What the proxy may see today: `Some(false)` the whole record, `Some(true)` a guardian
    /// of an adolescent's view without the sensitive parts, `None` nothing (a guardian of an
    /// adult: the access ended by itself; an unreadable birth date is treated the same way:
    /// deny by default).
    fn view(&self, settings: &crate::config::Settings) -> Option<bool> {
        if self.kind != "guardian" {
            return Some(false);
        }
        guardian_view_today(self.birth_date.as_deref(), settings)
    }

    /// Why this grant opens nothing to `proxy` now, though neither revoked nor ended: the
    /// people it was given between changed, or a guardian's access ended with the patient's
    /// adult birthday. `open_as_proxy` refuses such a grant with a page that says so, and the
    /// chooser lists it as no longer working, without a link.
    pub fn gone(
        &self,
        proxy: &SignedInUser,
        settings: &crate::config::Settings,
    ) -> Option<GrantGone> {
        if !held_by_record_account(
            &self.kind,
            self.granted_by.as_deref(),
            self.linked_to.as_deref(),
        ) {
            return Some(GrantGone::GrantorUnlinked);
        }
        // The grant was given to whoever proves the invited address: an account whose sign-in
        // no longer gives it (changed at the identity provider, or no longer sent) is not that
        // person.
        let proves = proxy
            .emails
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(self.proxy_email.trim()));
        if !proves {
            return Some(GrantGone::ProxyEmailChanged);
        }
        if self.view(settings).is_none() {
            return Some(GrantGone::GuardianEnded);
        }
        None
    }
}

/// Every grant of `proxy` that is neither revoked nor ended, oldest first, for the chooser
/// (`/acting`), which judges each by [`LiveGrant::gone`] as `open_as_proxy` does.
pub async fn live_grants(
    state: &AppState,
    proxy: &SignedInUser,
) -> Result<Vec<LiveGrant>, sqlx::Error> {
    let sql = format!("{LIVE_GRANTS} ORDER BY g.created_at");
    sqlx::query_as::<_, LiveGrant>(&sql)
        .bind(&proxy.subject)
        .bind(crate::db::now())
        .fetch_all(&state.pool)
        .await
}

/// Opens `section` of the record that grant `grant_id` of `proxy` covers. A grant that is not
/// theirs, revoked, ended, or without the scope gets the 403 page and a denied audit entry.
/// Actions a patient takes for themselves (export, the access log, share links, proxies) are
/// never a proxy's.
pub async fn open_as_proxy(
    state: &AppState,
    req: &HttpRequest,
    proxy: &Patient,
    grant_id: &str,
    section: Section,
) -> Result<ProxyGrant, AppError> {
    let sql = format!("{LIVE_GRANTS} AND g.id = $3");
    let grant = sqlx::query_as::<_, LiveGrant>(&sql)
        .bind(&proxy.subject)
        .bind(crate::db::now())
        .bind(grant_id)
        .fetch_optional(&state.pool)
        .await?;
    let own_only = matches!(
        section,
        Section::Export
            | Section::AccessLog
            | Section::AccessLogExport
            | Section::ShareLink
            | Section::HealthCard
    );
    // A guardian's view follows the patient's age today (None: the access ended by itself;
    // an unreadable birth date is treated the same way: deny by default).
    let view = |g: &LiveGrant| g.view(&state.settings);
    // A guardian of an adolescent writes no message for them: the conversations may be
    // confidential, and the guardian could not read the answer (#29). Nor do they see or
    // change appointments and renewals: a visit's reason or a medication's name can be the
    // confidential part itself. Refused here, so the audit entry says denied, not success.
    let guardian_may = |g: &LiveGrant| match view(g) {
        None => false,
        Some(hides_sensitive) => {
            !(hides_sensitive
                && matches!(
                    section,
                    Section::MessageSend
                        | Section::Appointments
                        | Section::AppointmentChange
                        | Section::Renewals
                        | Section::RenewalChange
                ))
        }
    };
    let allowed = grant.as_ref().filter(|g| {
        !own_only
            && guardian_may(g)
            && crate::proxy::Scopes::from_stored(&g.scopes).allows(proxy_scope_of(section))
    });
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let actor = Actor {
        subject: Some(proxy.subject.clone()),
        role: "proxy".into(),
    };
    // A grant whose people changed, or a guardian's that ended: its own page says so (the
    // scope and age rules above would say only "no access"), and the attempt is audited.
    if let Some(gone) = grant
        .as_ref()
        .and_then(|g| g.gone(proxy.user(), &state.settings))
    {
        let mut entry = meta.entry(actor, action_of(section), Outcome::Denied);
        entry.patient_id = grant.map(|g| g.patient_id);
        entry.detail = Some(format!("{} grant_gone {}", section.as_str(), gone.reason()));
        audit::append(&state.pool, &entry).await?;
        let lang = crate::i18n::current();
        return Err(AppError::ForbiddenBecause {
            title: crate::i18n::tr(lang, "proxy-rules-gone-title"),
            message: crate::i18n::tr(lang, gone.page_words()),
        });
    }
    let Some(grant) = allowed else {
        let mut entry = meta.entry(actor, action_of(section), Outcome::Denied);
        entry.patient_id = grant.map(|g| g.patient_id);
        entry.detail = Some(format!("{} proxy_denied", section.as_str()));
        audit::append(&state.pool, &entry).await?;
        return Err(AppError::Forbidden);
    };
    let hides_sensitive = view(grant).unwrap_or(true);
    let patient_id =
        PatientId::parse(&grant.patient_id).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let mut entry = meta.entry(actor, action_of(section), Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(section.as_str().to_string());
    // No committed entry, no ProxyGrant: the error becomes the 503 page.
    audit::append(&state.pool, &entry).await?;
    Ok(ProxyGrant {
        grant_id: grant_id.to_string(),
        patient_name: grant.patient_name.clone().unwrap_or_default(),
        chart: ChartAccess {
            patient_id,
            viewer: Viewer::Proxy,
            record_version: None,
        },
        hides_sensitive,
    })
}

#[cfg(test)]
mod proxy_scope_tests {
    use super::*;
    use crate::proxy::Scope;

    #[test]
    fn each_section_needs_its_own_proxy_scope() {
        for s in [
            Section::Messages,
            Section::MessageSend,
            Section::MessageUpdate,
            Section::MessageAttachment,
        ] {
            assert_eq!(proxy_scope_of(s), Scope::Messages, "{s:?}");
        }
        for s in [Section::Appointments, Section::AppointmentChange] {
            assert_eq!(proxy_scope_of(s), Scope::Appointments, "{s:?}");
        }
        for s in [Section::Renewals, Section::RenewalChange] {
            assert_eq!(proxy_scope_of(s), Scope::Renewals, "{s:?}");
        }
        for s in [Section::Summary, Section::Labs, Section::Conditions] {
            assert_eq!(proxy_scope_of(s), Scope::Record, "{s:?}");
        }
    }

    #[test]
    fn a_patient_s_grant_holds_only_for_the_account_that_gave_it() {
        let a = Some("subject-a");
        assert!(held_by_record_account("proxy", a, a));
        assert!(!held_by_record_account("proxy", a, None), "unlinked");
        assert!(
            !held_by_record_account("proxy", a, Some("subject-c")),
            "relinked"
        );
        assert!(
            !held_by_record_account("proxy", None, None),
            "a grant that names no giver holds for no one, not even an unlinked record"
        );
        assert!(!held_by_record_account("proxy", None, a));
        // A guardian's grant is a clinician's: the record's account does not matter.
        assert!(held_by_record_account("guardian", Some("clinician"), None));
        assert!(held_by_record_account("guardian", Some("clinician"), a));
    }

    #[test]
    fn a_guardian_sees_all_of_a_child_less_of_an_adolescent_nothing_of_an_adult() {
        assert_eq!(guardian_view(0, 12, 18), Some(false));
        assert_eq!(guardian_view(11, 12, 18), Some(false));
        assert_eq!(
            guardian_view(12, 12, 18),
            Some(true),
            "the child limit's birthday"
        );
        assert_eq!(guardian_view(17, 12, 18), Some(true));
        assert_eq!(guardian_view(18, 12, 18), None, "the adult birthday");
        assert_eq!(guardian_view(40, 12, 18), None);
        assert_eq!(guardian_view(15, 16, 16), Some(false));
        assert_eq!(guardian_view(16, 16, 16), None);
    }
}

pub async fn linked_patient_id(
    pool: &crate::db::Pool,
    subject: &str,
) -> Result<Option<PatientId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM patients WHERE b2c_subject = $1")
        .bind(subject)
        .fetch_optional(pool)
        .await
}

/// Opens a patient's chart for a clinician: on the care team, or with a live break-the-glass
/// grant. Anyone else gets the 403 page that offers break-the-glass. Only a `Clinician` (made
/// from the session's role) can ask.
pub async fn open_for_clinician(
    state: &AppState,
    req: &HttpRequest,
    clinician: &Clinician,
    patient_id: &PatientId,
    section: Section,
) -> Result<ChartAccess, AppError> {
    let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1")
        .bind(patient_id)
        .fetch_optional(&state.pool)
        .await?
        .is_some();
    if !exists {
        return Err(AppError::NotFound);
    }
    let viewer = viewer_of(state, &clinician.subject, patient_id).await?;
    let Some(viewer) = viewer else {
        return Err(AppError::BreakGlassOffer(patient_id.to_string()));
    };
    let action = match section {
        Section::AccessLog | Section::AccessLogExport => Action::ViewAccessLog,
        Section::Messages
        | Section::MessageSend
        | Section::MessageUpdate
        | Section::MessageAttachment
        | Section::Appointments
        | Section::AppointmentChange
        | Section::Renewals
        | Section::RenewalChange => action_of(section),
        _ => Action::StaffChartView,
    };
    let detail = match viewer {
        Viewer::BreakGlass { .. } => format!("{} break_glass", section.as_str()),
        _ => section.as_str().to_string(),
    };
    write(state, req, clinician.user(), action, patient_id, detail).await?;
    Ok(ChartAccess {
        patient_id: patient_id.clone(),
        viewer,
        record_version: None,
    })
}

/// Proof that a clinician may act for a patient right now (care team or a live break-the-glass
/// grant), for actions that read nothing from the chart: issuing and revoking activation
/// codes. Only `grant_for_clinician` makes one; each action it allows is audited with `audit`.
#[derive(Debug)]
pub struct ActingGrant {
    patient_id: PatientId,
    clinician: SignedInUser,
}

impl ActingGrant {
    pub fn patient_id(&self) -> &PatientId {
        &self.patient_id
    }

    /// Who acts: the clinician the grant was made for.
    pub fn clinician(&self) -> &SignedInUser {
        &self.clinician
    }

    /// Writes the audit entry of one action done under this grant (`detail` names what was
    /// acted on, e.g. a code's id, never a secret).
    pub async fn audit(
        &self,
        state: &AppState,
        req: &HttpRequest,
        action: Action,
        detail: String,
    ) -> Result<(), audit::AuditError> {
        let meta = RequestMeta::of(req, state.settings.behind_proxy);
        let mut entry = meta.entry(Actor::user(&self.clinician), action, Outcome::Success);
        entry.patient_id = Some(self.patient_id.to_string());
        entry.detail = Some(detail);
        audit::append(&state.pool, &entry).await
    }
}

/// The grant to act for `patient_id`, or the 403 page that offers break-the-glass.
pub async fn grant_for_clinician(
    state: &AppState,
    clinician: &Clinician,
    patient_id: &PatientId,
) -> Result<ActingGrant, AppError> {
    if viewer_of(state, &clinician.subject, patient_id)
        .await?
        .is_none()
    {
        return Err(AppError::BreakGlassOffer(patient_id.to_string()));
    }
    Ok(ActingGrant {
        patient_id: patient_id.clone(),
        clinician: clinician.user().clone(),
    })
}

/// How (if at all) a clinician may see a patient right now.
async fn viewer_of(
    state: &AppState,
    clinician_subject: &str,
    patient_id: &PatientId,
) -> Result<Option<Viewer>, sqlx::Error> {
    let on_team =
        sqlx::query("SELECT 1 FROM care_team WHERE clinician_subject = $1 AND patient_id = $2")
            .bind(clinician_subject)
            .bind(patient_id)
            .fetch_optional(&state.pool)
            .await?
            .is_some();
    if on_team {
        return Ok(Some(Viewer::CareTeam));
    }
    let expires: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(expires_at) FROM break_glass WHERE clinician_subject = $1 AND patient_id = $2 AND granted_at IS NOT NULL AND expires_at > $3",
    )
    .bind(clinician_subject)
    .bind(patient_id)
    .bind(crate::db::now())
    .fetch_one(&state.pool)
    .await?;
    Ok(expires.map(|expires_at| Viewer::BreakGlass { expires_at }))
}

/// Opens the chart of an access token's patient for the app holding it (`smart`/`fhir_api`).
/// The patient id comes from the token's grant, never from the request.
pub async fn open_for_app(
    state: &AppState,
    req: &HttpRequest,
    client_id: &str,
    patient_id: &PatientId,
    action: Action,
    detail: String,
) -> Result<ChartAccess, AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let mut entry = meta.entry(Actor::app(client_id), action, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(detail);
    audit::append(&state.pool, &entry).await.map_err(|e| {
        tracing::error!(error = %e, "audit write failed; refusing to give an app patient data");
        AppError::Unavailable("audit store unavailable".into())
    })?;
    Ok(ChartAccess {
        patient_id: patient_id.clone(),
        viewer: Viewer::App,
        record_version: None,
    })
}

/// The audit role of whoever holds a link the patient shared (`sharing::manifest`).
pub const SHARE_RECIPIENT_ROLE: &str = "share_recipient";

/// Opens the chart of a shared link's patient for whoever holds the link (#30): the manifest
/// request of an `L` link, whose content is made from the record as it is now. `detail` is the
/// opening's audit detail (`sharing::manifest`: a hash of the link, never its id, and the
/// access row, never the name the recipient typed). The patient comes from the link's row,
/// found by its secret id, never from anything else in the request.
pub async fn open_for_share_link(
    state: &AppState,
    req: &HttpRequest,
    patient_id: &PatientId,
    detail: String,
) -> Result<ChartAccess, AppError> {
    let meta = RequestMeta::of(req, state.settings.behind_proxy);
    let actor = audit::Actor {
        subject: None,
        role: SHARE_RECIPIENT_ROLE.into(),
    };
    let mut entry = meta.entry(actor, Action::ShareLinkOpened, Outcome::Success);
    entry.patient_id = Some(patient_id.to_string());
    entry.detail = Some(detail);
    // No committed entry, no ChartAccess and nothing sent (the 503 page).
    audit::append(&state.pool, &entry).await?;
    Ok(ChartAccess {
        patient_id: patient_id.clone(),
        viewer: Viewer::SharedLink,
        record_version: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::provider::{Profile, Provider, TenantConfig};
    use crate::auth::{session, Role};
    use actix_session::SessionExt;
    use actix_web::HttpMessage;

    const SUBJECT: &str = "0a1b2c3d-0000-4000-8000-00000000000a";

    /// The app state over a fresh database in which no account is linked to any record.
    async fn state() -> (tempfile::TempDir, web::Data<AppState>) {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().display().to_string();
        let settings = crate::config::Cli::try_parse_with_env(
            ["patient-portal"],
            [("PORTAL_DATA_DIR", data_dir.as_str())],
        )
        .unwrap()
        .env
        .validate()
        .unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("p.sqlite").display()
        );
        let pool = crate::db::connect(&url).await.unwrap();
        let provider = Provider::new(
            TenantConfig {
                profile: Profile::B2c {
                    instance: url::Url::parse("https://contoso.b2clogin.com").unwrap(),
                    domain: "contoso.onmicrosoft.com".into(),
                },
                client_id: "client-app".into(),
                client_secret: crate::config::Secret::new(String::new()),
                redirect_url: settings.redirect_url(),
                signed_out_url: settings.signed_out_url(),
            },
            reqwest::Client::new(),
        );
        let state = AppState {
            settings,
            pool,
            provider,
            policies: crate::state::Policies {
                susi: "B2C_1_susi_mfa".into(),
                reset: None,
                edit: None,
            },
            mail_wake: crate::notifications::Wake::default(),
            charts: Default::default(),
            direct: None,
            uploads: Default::default(),
        };
        (dir, web::Data::new(state))
    }

    /// `LinkedPatient` for a request of the signed-in patient `SUBJECT` that carries `read`.
    async fn linked(
        state: &web::Data<AppState>,
        read: LinkRead,
    ) -> Result<LinkedPatient, AppError> {
        let req = actix_web::test::TestRequest::default()
            .app_data(state.clone())
            .to_http_request();
        let user = SignedInUser {
            subject: SUBJECT.into(),
            display_name: "Alex Patient".into(),
            given_name: None,
            family_name: None,
            emails: Vec::new(),
            country: None,
            role: Role::Patient,
            policy: "B2C_1_susi_mfa".into(),
            auth_time: None,
            issued_at: 0,
            expires_at: i64::MAX,
            issuer: "https://contoso.b2clogin.com/775527ff/v2.0/".into(),
        };
        session::start(&req.get_session(), &user, "id-token").unwrap();
        req.extensions_mut().insert(read);
        LinkedPatient::from_request(&req, &mut Payload::None).await
    }

    #[tokio::test]
    async fn a_link_read_earlier_in_the_request_counts_only_for_the_subject_it_was_read_for() {
        let (_dir, state) = state().await;
        let id = |s: &str| PatientId::parse(s).unwrap();

        // Read for this patient: used as it is (the database, which links no one, is not asked).
        let own = linked(&state, LinkRead::new(SUBJECT, Some((id("p-own"), 5))))
            .await
            .unwrap_or_else(|e| panic!("the patient's own link: {e}"));
        assert_eq!(own.patient_id(), &id("p-own"));
        assert_eq!(own.record_version, 5);

        // Read for someone else: ignored, so the database decides (not linked: /activate).
        let other = linked(
            &state,
            LinkRead::new("someone-else", Some((id("p-theirs"), 9))),
        )
        .await;
        match other {
            Err(AppError::Redirect(to)) => assert_eq!(to, "/activate"),
            Err(e) => panic!("expected the redirect to /activate, got {e}"),
            Ok(p) => panic!("another subject's link was used: {:?}", p.patient_id()),
        }
    }
}
