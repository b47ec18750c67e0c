//! The pages of the user flows: sign-in, sign-up (e-mail verified by a code), MFA by phone (text or
//! call, enrolment on first use), password reset, profile edit; and `finish`, which ends a flow with
//! an authorization code, a fresh SSO session and the answer to the app.
//!
//! Owns: `Transaction` (the flow's state, server-side behind an opaque id in the URL) and its
//! steps. Every page works without JavaScript: one form per page, several submit buttons named
//! `action`, state kept in the transaction between posts (POST, then 303 to the page; a failed
//! check re-renders with 400 and the message tied to its field).
//! Never: moves a transaction to a later step without the check that guards it (password, code).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::auth_request::AuthRequest;
use super::codes::{self, CodeCheck, Delivery, Purpose};
use super::errors::EmulatorError;
use super::passwords::{self, NewPassword};
use super::store::{self, now};
use super::tenant::{FlowKind, Policy, Tenant};
use super::users::{self, SignIn};
use super::{pages, sso, token};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Step {
    SignIn,
    SignUp,
    Mfa,
    ResetEmail,
    ResetPassword,
    Edit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Transaction {
    pub id: String,
    pub policy_id: String,
    pub kind: FlowKind,
    pub request: AuthRequest,
    pub step: Step,
    /// The user, once authenticated (or created).
    pub oid: Option<String>,
    pub auth_time: Option<i64>,
    pub new_user: bool,
    pub email: Option<String>,
    pub email_code_sent: bool,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub country: Option<String>,
    /// A phone being enrolled (E.164), until its code is verified.
    pub phone_pending: Option<String>,
    pub phone_code_sent: Option<Delivery>,
}

impl Transaction {
    pub fn new(id: String, policy: &Policy, request: AuthRequest) -> Transaction {
        Transaction {
            id,
            policy_id: policy.id.clone(),
            kind: policy.kind,
            step: match policy.kind {
                FlowKind::PasswordReset => Step::ResetEmail,
                _ => Step::SignIn,
            },
            email: request.login_hint.clone(),
            request,
            oid: None,
            auth_time: None,
            new_user: false,
            email_code_sent: false,
            email_verified: false,
            given_name: None,
            surname: None,
            country: None,
            phone_pending: None,
            phone_code_sent: None,
        }
    }
}

pub(crate) fn flow_url(tenant: &Tenant, policy: &Policy, tx_id: &str) -> String {
    tenant.flow_path_url(policy, &format!("api/flow?tx={tx_id}"))
}

pub(crate) const COUNTRIES: &[(&str, &str)] = &[
    ("AU", "Australia"),
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("DK", "Denmark"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("IN", "India"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("MX", "Mexico"),
    ("NL", "Netherlands"),
    ("NZ", "New Zealand"),
    ("NO", "Norway"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("SG", "Singapore"),
    ("ZA", "South Africa"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("CH", "Switzerland"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
];

/// Country calling codes offered on the MFA page.
pub(crate) const CALLING_CODES: &[(&str, &str)] = &[
    ("1", "United States / Canada (+1)"),
    ("44", "United Kingdom (+44)"),
    ("353", "Ireland (+353)"),
    ("49", "Germany (+49)"),
    ("33", "France (+33)"),
    ("31", "Netherlands (+31)"),
    ("32", "Belgium (+32)"),
    ("34", "Spain (+34)"),
    ("39", "Italy (+39)"),
    ("351", "Portugal (+351)"),
    ("41", "Switzerland (+41)"),
    ("43", "Austria (+43)"),
    ("45", "Denmark (+45)"),
    ("46", "Sweden (+46)"),
    ("47", "Norway (+47)"),
    ("358", "Finland (+358)"),
    ("48", "Poland (+48)"),
    ("61", "Australia (+61)"),
    ("64", "New Zealand (+64)"),
    ("91", "India (+91)"),
    ("81", "Japan (+81)"),
    ("65", "Singapore (+65)"),
    ("27", "South Africa (+27)"),
    ("55", "Brazil (+55)"),
    ("52", "Mexico (+52)"),
];

const INVALID_PHONE: &str = "The phone number you provided is not valid. Please enter a valid phone number, without the country code.";

/// A phone number in E.164 from a calling code and what the user typed (spaces, dashes, dots
/// and brackets allowed; a leading `+` means the user typed the full international number).
pub(crate) fn parse_phone(calling_code: &str, number: &str) -> Result<String, &'static str> {
    let number = number.trim();
    let international = number.starts_with('+');
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(INVALID_PHONE);
    }
    let full = if international {
        digits
    } else {
        if !CALLING_CODES.iter().any(|(code, _)| *code == calling_code) {
            return Err("Please choose your country code.");
        }
        let national = digits.trim_start_matches('0');
        format!("{calling_code}{national}")
    };
    if !(8..=15).contains(&full.len()) {
        return Err(INVALID_PHONE);
    }
    Ok(format!("+{full}"))
}

/// `XXX-XXX-0101`, as B2C shows an enrolled number.
pub(crate) fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("XXX-XXX-{last}")
}

/// `p***@example.com`: enough for a person to recognise their address.
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 256
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A given name or surname: 1 to 64 characters, no control characters.
fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && !name.chars().any(char::is_control)
}

#[derive(Debug, Deserialize)]
struct FlowQuery {
    tx: String,
    view: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FlowForm {
    action: Option<String>,
    email: Option<String>,
    password: Option<String>,
    code: Option<String>,
    new_password: Option<String>,
    confirm_password: Option<String>,
    given_name: Option<String>,
    surname: Option<String>,
    country: Option<String>,
    phone_country: Option<String>,
    phone_number: Option<String>,
}

fn field(value: &Option<String>) -> &str {
    value.as_deref().map(str::trim).unwrap_or_default()
}

type Errors = BTreeMap<&'static str, String>;

fn error(field: &'static str, message: impl Into<String>) -> Errors {
    let mut errors = Errors::new();
    errors.insert(field, message.into());
    errors
}

async fn load(
    tenant: &Tenant,
    path: web::Path<(String, String)>,
    req: &HttpRequest,
) -> Result<(Policy, Transaction, Option<String>), EmulatorError> {
    let (t, p) = path.into_inner();
    let policy = tenant.policy(&t, &p)?;
    let query: FlowQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| EmulatorError::bad_request("AADB2C90046: We are having trouble loading your current state. You might want to try starting your session over from the beginning."))?;
    let tx: Transaction = store::load_transaction(&tenant.db, &query.tx).await?;
    if !tx.policy_id.eq_ignore_ascii_case(&policy.id) {
        return Err(EmulatorError::bad_request(
            "AADB2C90046: We are having trouble loading your current state. You might want to try starting your session over from the beginning.",
        ));
    }
    Ok((policy, tx, query.view))
}

/// `GET .../api/flow?tx=...`: the current page of the flow.
pub(crate) async fn get(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, EmulatorError> {
    let (policy, mut tx, view) = load(&tenant, path, &req).await?;
    let signs_up = matches!(tx.kind, FlowKind::SignUpSignIn | FlowKind::SignUpSignInMfa);
    match (view.as_deref(), tx.step) {
        (Some("signup"), Step::SignIn) if signs_up => {
            tx.step = Step::SignUp;
            store::save_transaction(&tenant.db, &tx.id, &tx).await?;
        }
        (Some("signin"), Step::SignUp) => {
            tx.step = Step::SignIn;
            store::save_transaction(&tenant.db, &tx.id, &tx).await?;
        }
        _ => {}
    }
    render_step(&tenant, &policy, &tx, &Errors::new(), StatusCode::OK).await
}

/// `POST .../api/flow?tx=...`: one submit button of the current page.
pub(crate) async fn post(
    tenant: web::Data<Tenant>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, EmulatorError> {
    let (policy, tx, _) = load(&tenant, path, &req).await?;
    let form: FlowForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| EmulatorError::bad_request("The form could not be read."))?;
    let action = form.action.clone().unwrap_or_default();
    if action == "cancel" {
        store::delete_transaction(&tenant.db, &tx.id).await?;
        return tx.request.reply.error(
            "access_denied",
            "AADB2C90091: The user has cancelled entering self-asserted information.",
        );
    }
    let flow = Flow {
        tenant: &tenant,
        policy: &policy,
        req: &req,
    };
    match tx.step {
        Step::SignIn => flow.sign_in(tx, &form, &action).await,
        Step::SignUp => flow.sign_up(tx, &form, &action).await,
        Step::Mfa => flow.mfa(tx, &form, &action).await,
        Step::ResetEmail => flow.reset_email(tx, &form, &action).await,
        Step::ResetPassword => flow.reset_password(tx, &form, &action).await,
        Step::Edit => flow.edit(tx, &form, &action).await,
    }
}

fn unexpected_action() -> EmulatorError {
    EmulatorError::bad_request("This page does not offer that action. Go back and try again.")
}

struct Flow<'a> {
    tenant: &'a Tenant,
    policy: &'a Policy,
    req: &'a HttpRequest,
}

impl Flow<'_> {
    /// Saves the transaction and shows its (new) current page.
    async fn again(&self, tx: &Transaction) -> Result<HttpResponse, EmulatorError> {
        store::save_transaction(&self.tenant.db, &tx.id, tx).await?;
        Ok(HttpResponse::SeeOther()
            .insert_header(("Location", flow_url(self.tenant, self.policy, &tx.id)))
            .finish())
    }

    /// Saves what was typed and shows the page again with the messages.
    async fn invalid(
        &self,
        tx: &Transaction,
        errors: Errors,
    ) -> Result<HttpResponse, EmulatorError> {
        store::save_transaction(&self.tenant.db, &tx.id, tx).await?;
        render_step(
            self.tenant,
            self.policy,
            tx,
            &errors,
            StatusCode::BAD_REQUEST,
        )
        .await
    }

    async fn sign_in(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        match action {
            // External ID resets the password inside the sign-in page, then goes on signing in.
            "forgot" if self.tenant.external_id() => {
                tx.step = Step::ResetEmail;
                tx.email_code_sent = false;
                tx.email_verified = false;
                self.again(&tx).await
            }
            "forgot" => {
                store::delete_transaction(&self.tenant.db, &tx.id).await?;
                tx.request.reply.error(
                    "access_denied",
                    "AADB2C90118: The user has forgotten their password.",
                )
            }
            "signin" => {
                let email = field(&form.email).to_string();
                let password = form.password.clone().unwrap_or_default();
                tx.email = Some(email.clone()).filter(|e| !e.is_empty());
                let mut errors = Errors::new();
                if email.is_empty() {
                    errors.insert("email", "Please enter your Email Address".into());
                }
                if password.is_empty() {
                    errors.insert("password", "Please enter your password".into());
                }
                if !errors.is_empty() {
                    return self.invalid(&tx, errors).await;
                }
                let user = match users::sign_in(&self.tenant.db, &email, &password).await? {
                    SignIn::Success(user) => user,
                    SignIn::UnknownUser => {
                        return self
                            .invalid(&tx, error("form", "We can't seem to find your account."))
                            .await
                    }
                    SignIn::WrongPassword => {
                        return self
                            .invalid(&tx, error("form", "Your password is incorrect."))
                            .await
                    }
                    SignIn::Locked => {
                        return self
                            .invalid(&tx, error("form", users::LOCKED_MESSAGE))
                            .await
                    }
                };
                let auth_time = now();
                tx.oid = Some(user.oid.clone());
                tx.auth_time = Some(auth_time);
                match tx.kind {
                    FlowKind::SignUpSignInMfa => {
                        tx.step = Step::Mfa;
                        self.again(&tx).await
                    }
                    FlowKind::ProfileEdit => {
                        tx.step = Step::Edit;
                        self.again(&tx).await
                    }
                    FlowKind::SignUpSignIn | FlowKind::PasswordReset => {
                        finish(self.tenant, self.req, &tx, &user.oid, auth_time, false).await
                    }
                }
            }
            _ => Err(unexpected_action()),
        }
    }

    /// Sends a code to the e-mail address typed (sign-up and reset share this).
    async fn send_email_code(
        &self,
        tx: &mut Transaction,
        email: &str,
    ) -> Result<Option<Errors>, EmulatorError> {
        if !valid_email(email) {
            return Ok(Some(error("email", "Please enter a valid email address.")));
        }
        let email = users::normalise_email(email);
        let exists = users::by_email(&self.tenant.db, &email).await?.is_some();
        match (tx.step, exists) {
            (Step::SignUp, true) => {
                return Ok(Some(error(
                    "email",
                    "A user with the specified ID already exists. Please choose a different one.",
                )))
            }
            (Step::ResetEmail, false) => {
                return Ok(Some(error(
                    "email",
                    "An account could not be found for the provided user ID.",
                )))
            }
            _ => {}
        }
        codes::send(
            &self.tenant.db,
            &self.tenant.settings.domain,
            &tx.id,
            Purpose::Email,
            Delivery::Email,
            &email,
        )
        .await?;
        tx.email = Some(email);
        tx.email_code_sent = true;
        tx.email_verified = false;
        Ok(None)
    }

    async fn verify_email_code(
        &self,
        tx: &mut Transaction,
        code: &str,
    ) -> Result<Option<Errors>, EmulatorError> {
        let Some(email) = tx.email.clone().filter(|_| tx.email_code_sent) else {
            return Ok(Some(error("code", CodeCheck::NoCode.message())));
        };
        if code.is_empty() {
            return Ok(Some(error("code", "Please enter the verification code.")));
        }
        match codes::verify(&self.tenant.db, &tx.id, Purpose::Email, &email, code).await? {
            CodeCheck::Valid => {
                tx.email_verified = true;
                Ok(None)
            }
            other => Ok(Some(error("code", other.message()))),
        }
    }

    fn keep_profile_fields(tx: &mut Transaction, form: &FlowForm) {
        if form.given_name.is_some() {
            tx.given_name = Some(field(&form.given_name).to_string());
        }
        if form.surname.is_some() {
            tx.surname = Some(field(&form.surname).to_string());
        }
        if form.country.is_some() {
            tx.country = Some(field(&form.country).to_string());
        }
    }

    fn profile_errors(tx: &Transaction) -> Errors {
        let mut errors = Errors::new();
        if !valid_name(tx.given_name.as_deref().unwrap_or_default()) {
            errors.insert(
                "given_name",
                "Please enter your given name (up to 64 characters).".into(),
            );
        }
        if !valid_name(tx.surname.as_deref().unwrap_or_default()) {
            errors.insert(
                "surname",
                "Please enter your surname (up to 64 characters).".into(),
            );
        }
        let country = tx.country.as_deref().unwrap_or_default();
        if !COUNTRIES.iter().any(|(code, _)| *code == country) {
            errors.insert("country", "Please choose your country or region.".into());
        }
        errors
    }

    async fn sign_up(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        Self::keep_profile_fields(&mut tx, form);
        if !tx.email_verified && form.email.is_some() {
            tx.email = Some(field(&form.email).to_string());
        }
        match action {
            "send_code" => {
                let email = field(&form.email).to_string();
                match self.send_email_code(&mut tx, &email).await? {
                    None => self.again(&tx).await,
                    Some(errors) => self.invalid(&tx, errors).await,
                }
            }
            "verify_code" => match self.verify_email_code(&mut tx, field(&form.code)).await? {
                None => self.again(&tx).await,
                Some(errors) => self.invalid(&tx, errors).await,
            },
            "change_email" => {
                tx.email_code_sent = false;
                tx.email_verified = false;
                self.again(&tx).await
            }
            "create" => {
                let mut errors = Self::profile_errors(&tx);
                if !tx.email_verified {
                    errors.insert(
                        "email",
                        "Please verify your email address with a code before creating your account."
                            .into(),
                    );
                }
                let password = NewPassword::parse(
                    form.new_password.as_deref().unwrap_or_default(),
                    form.confirm_password.as_deref().unwrap_or_default(),
                );
                if let Err(message) = &password {
                    errors.insert("new_password", (*message).to_string());
                }
                let (Ok(password), true) = (password, errors.is_empty()) else {
                    return self.invalid(&tx, errors).await;
                };
                let email = tx.email.clone().unwrap_or_default();
                let hash = passwords::hash(password).await?;
                let oid = uuid::Uuid::new_v4().to_string();
                let created = users::create(
                    &self.tenant.db,
                    users::NewUser {
                        oid: &oid,
                        email: &email,
                        password_hash: &hash,
                        given_name: tx.given_name.as_deref().unwrap_or_default(),
                        surname: tx.surname.as_deref().unwrap_or_default(),
                        country: tx.country.as_deref(),
                        role: None,
                        phone: None,
                    },
                )
                .await?;
                if !created {
                    return self
                        .invalid(
                            &tx,
                            error(
                                "email",
                                "A user with the specified ID already exists. Please choose a different one.",
                            ),
                        )
                        .await;
                }
                let auth_time = now();
                tx.oid = Some(oid.clone());
                tx.auth_time = Some(auth_time);
                tx.new_user = true;
                if tx.kind == FlowKind::SignUpSignInMfa {
                    tx.step = Step::Mfa;
                    self.again(&tx).await
                } else {
                    finish(self.tenant, self.req, &tx, &oid, auth_time, false).await
                }
            }
            _ => Err(unexpected_action()),
        }
    }

    async fn current_user(&self, tx: &Transaction) -> Result<users::User, EmulatorError> {
        let oid = tx
            .oid
            .as_deref()
            .ok_or_else(|| EmulatorError::bad_request("Please sign in first."))?;
        users::by_oid(&self.tenant.db, oid)
            .await?
            .ok_or_else(|| EmulatorError::bad_request("This account no longer exists."))
    }

    async fn mfa(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        let user = self.current_user(&tx).await?;
        match action {
            "send_sms" | "call" => {
                let delivery = if action == "call" {
                    Delivery::Call
                } else {
                    Delivery::Sms
                };
                let typed = field(&form.phone_number);
                let recipient = match (&user.phone, &tx.phone_pending) {
                    (Some(phone), _) => phone.clone(),
                    // "Send a new code" to the number being enrolled.
                    (None, Some(pending)) if typed.is_empty() => pending.clone(),
                    (None, _) => match parse_phone(field(&form.phone_country), typed) {
                        Ok(phone) => {
                            tx.phone_pending = Some(phone.clone());
                            phone
                        }
                        Err(message) => {
                            return self.invalid(&tx, error("phone_number", message)).await
                        }
                    },
                };
                codes::send(
                    &self.tenant.db,
                    &self.tenant.settings.domain,
                    &tx.id,
                    Purpose::Phone,
                    delivery,
                    &recipient,
                )
                .await?;
                tx.phone_code_sent = Some(delivery);
                self.again(&tx).await
            }
            // External ID's customers may take the second factor by e-mail (the first was
            // the password).
            "send_email" if self.tenant.external_id() => {
                codes::send(
                    &self.tenant.db,
                    &self.tenant.settings.domain,
                    &tx.id,
                    Purpose::Phone,
                    Delivery::Email,
                    &user.email,
                )
                .await?;
                tx.phone_code_sent = Some(Delivery::Email);
                self.again(&tx).await
            }
            "verify" if tx.phone_code_sent == Some(Delivery::Email) => {
                let code = field(&form.code);
                if code.is_empty() {
                    return self
                        .invalid(&tx, error("code", "Please enter the verification code."))
                        .await;
                }
                match codes::verify(&self.tenant.db, &tx.id, Purpose::Phone, &user.email, code)
                    .await?
                {
                    CodeCheck::Valid => {
                        let auth_time = tx.auth_time.unwrap_or_else(now);
                        finish(self.tenant, self.req, &tx, &user.oid, auth_time, true).await
                    }
                    other => self.invalid(&tx, error("code", other.message())).await,
                }
            }
            "verify" => {
                let Some(recipient) = user.phone.clone().or_else(|| tx.phone_pending.clone())
                else {
                    return self
                        .invalid(&tx, error("code", CodeCheck::NoCode.message()))
                        .await;
                };
                let code = field(&form.code);
                if code.is_empty() {
                    return self
                        .invalid(&tx, error("code", "Please enter the verification code."))
                        .await;
                }
                match codes::verify(&self.tenant.db, &tx.id, Purpose::Phone, &recipient, code)
                    .await?
                {
                    CodeCheck::Valid => {
                        if user.phone.is_none() {
                            users::enrol_phone(&self.tenant.db, &user.oid, &recipient).await?;
                        }
                        let auth_time = tx.auth_time.unwrap_or_else(now);
                        finish(self.tenant, self.req, &tx, &user.oid, auth_time, true).await
                    }
                    other => self.invalid(&tx, error("code", other.message())).await,
                }
            }
            "change_number" if user.phone.is_none() => {
                tx.phone_pending = None;
                tx.phone_code_sent = None;
                self.again(&tx).await
            }
            _ => Err(unexpected_action()),
        }
    }

    async fn reset_email(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        if !tx.email_verified && form.email.is_some() {
            tx.email = Some(field(&form.email).to_string());
        }
        match action {
            "send_code" => {
                let email = field(&form.email).to_string();
                match self.send_email_code(&mut tx, &email).await? {
                    None => self.again(&tx).await,
                    Some(errors) => self.invalid(&tx, errors).await,
                }
            }
            "verify_code" => match self.verify_email_code(&mut tx, field(&form.code)).await? {
                None => self.again(&tx).await,
                Some(errors) => self.invalid(&tx, errors).await,
            },
            "change_email" => {
                tx.email_code_sent = false;
                tx.email_verified = false;
                self.again(&tx).await
            }
            "continue" => {
                if !tx.email_verified {
                    return self
                        .invalid(
                            &tx,
                            error(
                                "email",
                                "Please verify your email address with a code first.",
                            ),
                        )
                        .await;
                }
                let email = tx.email.clone().unwrap_or_default();
                let Some(user) = users::by_email(&self.tenant.db, &email).await? else {
                    return self
                        .invalid(
                            &tx,
                            error(
                                "email",
                                "An account could not be found for the provided user ID.",
                            ),
                        )
                        .await;
                };
                tx.oid = Some(user.oid);
                tx.step = Step::ResetPassword;
                self.again(&tx).await
            }
            _ => Err(unexpected_action()),
        }
    }

    async fn reset_password(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        if action != "continue" {
            return Err(unexpected_action());
        }
        let user = self.current_user(&tx).await?;
        let password = match NewPassword::parse(
            form.new_password.as_deref().unwrap_or_default(),
            form.confirm_password.as_deref().unwrap_or_default(),
        ) {
            Ok(password) => password,
            Err(message) => return self.invalid(&tx, error("new_password", message)).await,
        };
        let hash = passwords::hash(password).await?;
        users::set_password(&self.tenant.db, &user.oid, &hash).await?;
        let auth_time = now();
        tx.auth_time = Some(auth_time);
        // A reset inside an MFA sign-in (External ID) still needs the second factor.
        if tx.kind == FlowKind::SignUpSignInMfa {
            tx.step = Step::Mfa;
            return self.again(&tx).await;
        }
        finish(self.tenant, self.req, &tx, &user.oid, auth_time, false).await
    }

    async fn edit(
        &self,
        mut tx: Transaction,
        form: &FlowForm,
        action: &str,
    ) -> Result<HttpResponse, EmulatorError> {
        if action != "continue" {
            return Err(unexpected_action());
        }
        let user = self.current_user(&tx).await?;
        Self::keep_profile_fields(&mut tx, form);
        let errors = Self::profile_errors(&tx);
        if !errors.is_empty() {
            return self.invalid(&tx, errors).await;
        }
        users::update_profile(
            &self.tenant.db,
            &user.oid,
            tx.given_name.as_deref().unwrap_or_default(),
            tx.surname.as_deref().unwrap_or_default(),
            tx.country.as_deref(),
        )
        .await?;
        let auth_time = tx.auth_time.unwrap_or_else(now);
        finish(self.tenant, self.req, &tx, &user.oid, auth_time, false).await
    }
}

/// Ends a flow: an authorization code for the app, a fresh SSO session, the answer to the
/// redirect URI; the transaction is gone.
pub(crate) async fn finish(
    tenant: &Tenant,
    req: &HttpRequest,
    tx: &Transaction,
    oid: &str,
    auth_time: i64,
    mfa_done: bool,
) -> Result<HttpResponse, EmulatorError> {
    let previous = sso::current(req, &tenant.db).await?;
    let code = token::issue_code(
        &tenant.db,
        &tx.request,
        &tx.policy_id,
        oid,
        auth_time,
        tx.new_user,
    )
    .await?;
    let cookie = sso::establish(&tenant.db, previous.as_ref(), oid, auth_time, mfa_done).await?;
    store::delete_transaction(&tenant.db, &tx.id).await?;
    let mut response = tx.request.reply.code(&code)?;
    response
        .add_cookie(&cookie)
        .map_err(|e| EmulatorError::Internal(anyhow::anyhow!("setting the SSO cookie: {e}")))?;
    Ok(response)
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

fn choices(list: &'static [(&'static str, &'static str)]) -> Vec<Choice> {
    list.iter()
        .map(|(value, label)| Choice { value, label })
        .collect()
}

async fn render_step(
    tenant: &Tenant,
    policy: &Policy,
    tx: &Transaction,
    errors: &Errors,
    status: StatusCode,
) -> Result<HttpResponse, EmulatorError> {
    let mut ctx = tera::Context::new();
    let url = flow_url(tenant, policy, &tx.id);
    ctx.insert("action", &url);
    ctx.insert("errors", errors);
    ctx.insert("email", tx.email.as_deref().unwrap_or_default());
    ctx.insert("email_code_sent", &tx.email_code_sent);
    ctx.insert("email_verified", &tx.email_verified);
    ctx.insert("countries", &choices(COUNTRIES));
    ctx.insert(
        "can_sign_up",
        &matches!(tx.kind, FlowKind::SignUpSignIn | FlowKind::SignUpSignInMfa),
    );
    ctx.insert("signup_url", &format!("{url}&view=signup"));
    ctx.insert("signin_url", &format!("{url}&view=signin"));
    let template = match tx.step {
        Step::SignIn => "signin.html",
        Step::SignUp => {
            ctx.insert("given_name", tx.given_name.as_deref().unwrap_or_default());
            ctx.insert("surname", tx.surname.as_deref().unwrap_or_default());
            ctx.insert("country", tx.country.as_deref().unwrap_or_default());
            "signup.html"
        }
        Step::Mfa => {
            let oid = tx.oid.as_deref().unwrap_or_default();
            let user = users::by_oid(&tenant.db, oid)
                .await?
                .ok_or_else(|| EmulatorError::bad_request("This account no longer exists."))?;
            ctx.insert("enrolled", &user.phone.is_some());
            let phone = user.phone.as_deref().or(tx.phone_pending.as_deref());
            ctx.insert("masked_phone", &phone.map(mask_phone).unwrap_or_default());
            ctx.insert(
                "phone_number",
                tx.phone_pending.as_deref().unwrap_or_default(),
            );
            ctx.insert("calling_codes", &choices(CALLING_CODES));
            ctx.insert(
                "code_sent",
                &match tx.phone_code_sent {
                    Some(Delivery::Call) => "call",
                    Some(Delivery::Email) => "email",
                    Some(_) => "sms",
                    None => "",
                },
            );
            ctx.insert("external_id", &tenant.external_id());
            ctx.insert("masked_email", &mask_email(&user.email));
            "mfa.html"
        }
        Step::ResetEmail => "reset.html",
        Step::ResetPassword => "reset_password.html",
        Step::Edit => {
            let oid = tx.oid.as_deref().unwrap_or_default();
            let user = users::by_oid(&tenant.db, oid)
                .await?
                .ok_or_else(|| EmulatorError::bad_request("This account no longer exists."))?;
            ctx.insert("email", &user.email);
            ctx.insert(
                "given_name",
                tx.given_name.as_deref().unwrap_or(&user.given_name),
            );
            ctx.insert("surname", tx.surname.as_deref().unwrap_or(&user.surname));
            ctx.insert(
                "country",
                tx.country
                    .as_deref()
                    .or(user.country.as_deref())
                    .unwrap_or_default(),
            );
            "edit.html"
        }
    };
    pages::render(status, template, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise_to_e164() {
        assert_eq!(parse_phone("1", "(202) 555-0101").unwrap(), "+12025550101");
        assert_eq!(parse_phone("44", "07700 900123").unwrap(), "+447700900123");
        assert_eq!(parse_phone("", "+1 202 555 0101").unwrap(), "+12025550101");
        assert!(parse_phone("1", "555").is_err());
        assert!(parse_phone("1", "call me maybe").is_err());
        assert!(parse_phone("999", "2025550101").is_err());
        assert!(parse_phone("1", "1234567890123456").is_err());
    }

    #[test]
    fn masked_phone_shows_last_four_digits() {
        assert_eq!(mask_phone("+12025550101"), "XXX-XXX-0101");
        assert_eq!(mask_phone("12"), "XXX-XXX-12");
    }

    #[test]
    fn email_addresses_are_checked_loosely_like_b2c() {
        assert!(valid_email("a.b@example.com"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("a@@example.com"));
    }
}
