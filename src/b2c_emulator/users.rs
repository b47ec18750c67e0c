//! Local accounts of the emulated tenant: look-up, sign-in with smart lockout, profile changes,
//! MFA phone enrolment, and the demo users.
//!
//! Owns: the `users` table. Lockout as B2C's smart lockout: after 10 wrong passwords the account
//! is locked for 60 seconds, whatever is typed meanwhile, and every further wrong password (until
//! a right one) locks it again for twice as long as the last time, up to an hour. A password reset revokes the user's refresh tokens.
//! Never: tells a locked account's password right or wrong.

use serde::Serialize;
use sqlx::SqlitePool;

use super::passwords;
use super::store::now;

pub(crate) const LOCKOUT_THRESHOLD: i64 = 10;
pub(crate) const LOCKOUT_SECS: i64 = 60;
/// The longest lock: 60 s doubled six times (64 minutes).
const LOCKOUT_MAX_DOUBLINGS: i64 = 6;

pub(crate) const LOCKED_MESSAGE: &str =
    "Your account is temporarily locked to prevent unauthorized use. Try again later.";

/// A demo account, created on first start. These are public demo credentials for local use.
pub struct DemoUser {
    pub email: &'static str,
    pub password: &'static str,
    /// The password's argon2 hash (PHC string, the parameters `passwords` uses), made once
    /// offline: hashing at start-up cost a quarter of a second of the first start, and the
    /// password is public anyway. A test checks each hash against its password.
    pub password_hash: &'static str,
    pub given_name: &'static str,
    pub surname: &'static str,
    pub role: Option<&'static str>,
    pub oid: &'static str,
    pub phone: &'static str,
}

/// A patient (no role) and a clinician (`extension_Role = Clinician`), both with an enrolled phone
/// in the fictional 555-01xx range.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        email: "patient@example.com",
        password: "Patient-Demo-2024",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$aonuSd58wCOVd4m5P7ih1A$dX3d56ZRlAzUvFiR1SeGQSjGpFJHybDMYVYMsHrXjIs",
        given_name: "Alex",
        surname: "Rivera",
        role: None,
        oid: "5d9f0f4e-3c1a-4b7e-9f2d-8a6c1e0b7d31",
        phone: "+12025550101",
    },
    DemoUser {
        email: "clinician@example.com",
        password: "Clinician-Demo-2024",
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$1ltIirCaqWHezbCAgNe4GA$IOyppTTJxOrlWLd/4/77K9H43jUuHFw+Adfj/5HS1y4",
        given_name: "Sam",
        surname: "Okafor",
        role: Some("Clinician"),
        oid: "a3e1c7b2-6f4d-4e8a-b1c9-2d7f5e0a9c84",
        phone: "+12025550102",
    },
];

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub(crate) struct User {
    pub oid: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub given_name: String,
    pub surname: String,
    pub country: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
}

impl User {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.surname)
            .trim()
            .to_string()
    }
}

const USER_COLUMNS: &str = "oid, email, password_hash, given_name, surname, country, role, phone, failed_logins, locked_until";

pub(crate) fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) async fn by_email(db: &SqlitePool, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?"))
        .bind(normalise_email(email))
        .fetch_optional(db)
        .await
}

pub(crate) async fn by_oid(db: &SqlitePool, oid: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE oid = ?"))
        .bind(oid)
        .fetch_optional(db)
        .await
}

pub(crate) struct NewUser<'a> {
    pub oid: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub given_name: &'a str,
    pub surname: &'a str,
    pub country: Option<&'a str>,
    pub role: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Inserts a user; `false` when the e-mail address is taken.
pub(crate) async fn create(db: &SqlitePool, user: NewUser<'_>) -> sqlx::Result<bool> {
    let result = sqlx::query(
        "INSERT INTO users (oid, email, password_hash, given_name, surname, country, role, phone, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(user.oid)
    .bind(normalise_email(user.email))
    .bind(user.password_hash)
    .bind(user.given_name)
    .bind(user.surname)
    .bind(user.country)
    .bind(user.role)
    .bind(user.phone)
    .bind(now())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) async fn update_profile(
    db: &SqlitePool,
    oid: &str,
    given_name: &str,
    surname: &str,
    country: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET given_name = ?, surname = ?, country = ? WHERE oid = ?")
        .bind(given_name)
        .bind(surname)
        .bind(country)
        .bind(oid)
        .execute(db)
        .await?;
    Ok(())
}

pub(crate) async fn enrol_phone(db: &SqlitePool, oid: &str, phone: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET phone = ? WHERE oid = ?")
        .bind(phone)
        .bind(oid)
        .execute(db)
        .await?;
    Ok(())
}

/// A new password also clears the lockout and revokes every refresh token of the user (B2C answers
/// AADB2C90129 to them afterwards).
pub(crate) async fn set_password(db: &SqlitePool, oid: &str, hash: &str) -> sqlx::Result<()> {
    let now = now();
    sqlx::query(
        "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE oid = ?",
    )
    .bind(hash)
    .bind(oid)
    .execute(db)
    .await?;
    sqlx::query("UPDATE refresh_tokens SET revoked_at = ? WHERE oid = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(oid)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug)]
pub(crate) enum SignIn {
    Success(Box<User>),
    UnknownUser,
    WrongPassword,
    Locked,
}

pub(crate) fn is_locked(locked_until: Option<i64>, now: i64) -> bool {
    locked_until.is_some_and(|until| until > now)
}

/// After one more failure: the new failure count and, from the threshold on, the end of the
/// lock. The count runs on until a right password, so each lock is longer than the last: a
/// guesser gets ten tries, then one try a minute, two, four… instead of ten a minute forever.
pub(crate) fn after_failure(failed_logins: i64, now: i64) -> (i64, Option<i64>) {
    let failed = failed_logins.saturating_add(1);
    if failed < LOCKOUT_THRESHOLD {
        return (failed, None);
    }
    let doublings = (failed - LOCKOUT_THRESHOLD).min(LOCKOUT_MAX_DOUBLINGS);
    (failed, Some(now + (LOCKOUT_SECS << doublings)))
}

pub(crate) async fn sign_in(
    db: &SqlitePool,
    email: &str,
    password: &str,
) -> anyhow::Result<SignIn> {
    let Some(user) = by_email(db, email).await? else {
        return Ok(SignIn::UnknownUser);
    };
    let now = now();
    if is_locked(user.locked_until, now) {
        return Ok(SignIn::Locked);
    }
    if passwords::verify(password.to_string(), user.password_hash.clone()).await? {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE oid = ?")
            .bind(&user.oid)
            .execute(db)
            .await?;
        return Ok(SignIn::Success(Box::new(user)));
    }
    let (failed, locked_until) = after_failure(user.failed_logins, now);
    sqlx::query("UPDATE users SET failed_logins = ?, locked_until = ? WHERE oid = ?")
        .bind(failed)
        .bind(locked_until)
        .bind(&user.oid)
        .execute(db)
        .await?;
    Ok(if locked_until.is_some() {
        SignIn::Locked
    } else {
        SignIn::WrongPassword
    })
}

/// Creates the demo users once (idempotent: existing addresses are left alone).
pub(crate) async fn seed_demo_users(db: &SqlitePool) -> anyhow::Result<()> {
    for demo in DEMO_USERS {
        if by_email(db, demo.email).await?.is_some() {
            continue;
        }
        create(
            db,
            NewUser {
                oid: demo.oid,
                email: demo.email,
                password_hash: demo.password_hash,
                given_name: demo.given_name,
                surname: demo.surname,
                country: Some("US"),
                role: demo.role,
                phone: Some(demo.phone),
            },
        )
        .await?;
    }
    Ok(())
}

/// Prints the demo accounts at start-up. Their passwords are public demo credentials (they are in
/// the source), so logging them is the one exception to "never log a password".
pub(crate) fn announce_demo_users() {
    for demo in DEMO_USERS {
        tracing::info!(
            email = demo.email,
            password = demo.password,
            role = demo.role.unwrap_or("Patient"),
            phone = demo.phone,
            "B2C emulator demo user"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenth_failure_locks_for_a_minute_and_each_further_one_twice_as_long() {
        let mut failed = 0;
        for _ in 0..9 {
            let (f, lock) = after_failure(failed, 100);
            assert!(lock.is_none());
            failed = f;
        }
        assert_eq!(failed, 9);
        let (failed, lock) = after_failure(failed, 100);
        assert_eq!((failed, lock), (10, Some(160)));
        assert!(is_locked(lock, 159));
        assert!(!is_locked(lock, 160));
        assert!(!is_locked(None, 0));
        let (failed, lock) = after_failure(failed, 1000);
        assert_eq!((failed, lock), (11, Some(1120)));
        let (failed, lock) = after_failure(failed, 1000);
        assert_eq!((failed, lock), (12, Some(1240)));
        // Capped at an hour and four minutes, however long the guessing goes on.
        assert_eq!(after_failure(1000, 0), (1001, Some(3840)));
        assert_eq!(after_failure(i64::MAX, 0).1, Some(3840));
    }

    #[test]
    fn demo_passwords_satisfy_b2c_rules() {
        for demo in DEMO_USERS {
            assert!(passwords::NewPassword::parse(demo.password, demo.password).is_ok());
            assert!(uuid::Uuid::parse_str(demo.oid).is_ok());
        }
        assert!(DEMO_USERS.iter().any(|d| d.role.is_none()));
        assert!(DEMO_USERS.iter().any(|d| d.role == Some("Clinician")));
    }

    /// The stored hashes are the passwords' (else the demo sign-in printed at start-up fails),
    /// with the parameters new passwords get.
    #[tokio::test]
    async fn demo_password_hashes_verify() {
        let fresh = passwords::hash_blocking("x").unwrap();
        let params = |phc: &str| phc.split('$').take(4).collect::<Vec<_>>().join("$");
        for demo in DEMO_USERS {
            assert!(
                passwords::verify(demo.password.into(), demo.password_hash.into())
                    .await
                    .unwrap(),
                "{}",
                demo.email
            );
            assert!(
                !passwords::verify("wrong".into(), demo.password_hash.into())
                    .await
                    .unwrap()
            );
            assert_eq!(params(demo.password_hash), params(&fresh));
        }
    }
}
