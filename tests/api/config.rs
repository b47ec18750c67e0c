//! Bad configuration ends start-up with exit code 2 and one line naming the variable.

use crate::support::portal_command;

fn start_with(vars: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = portal_command(dir.path());
    cmd.env("PORTAL_DATA_DIR", dir.path());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn bad_settings_fail_start_up_with_one_line_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("PORTAL_SESSION_IDLE_MINUTES", "soon")],
            "PORTAL_SESSION_IDLE_MINUTES",
        ),
        (
            &[
                ("PORTAL_SESSION_MAX_HOURS", "1e300"),
                ("PORTAL_SESSION_IDLE_MINUTES", "1e300"),
            ],
            "PORTAL_SESSION_MAX_HOURS",
        ),
        (
            &[("PORTAL_SESSION_IDLE_MINUTES", "1e300")],
            "PORTAL_SESSION_IDLE_MINUTES",
        ),
        (
            &[("PORTAL_PUBLIC_URL", "http://localhost:8443")],
            "PORTAL_PUBLIC_URL",
        ),
        (
            &[("AZURE_AD_B2C_RESPONSE_MODE", "fragment")],
            "AZURE_AD_B2C_RESPONSE_MODE",
        ),
        (&[("PORTAL_LISTEN", "nowhere")], "PORTAL_LISTEN"),
        (
            &[("PORTAL_SIGNIN_PER_MINUTE", "0")],
            "PORTAL_SIGNIN_PER_MINUTE",
        ),
        (
            &[("PORTAL_PENDING_SIGNINS_MAX", "many")],
            "PORTAL_PENDING_SIGNINS_MAX",
        ),
        (&[("PORTAL_STEP_UP_MINUTES", "0")], "PORTAL_STEP_UP_MINUTES"),
        (
            &[("PORTAL_STEP_UP_MINUTES", "61")],
            "PORTAL_STEP_UP_MINUTES",
        ),
        (
            &[("AZURE_AD_B2C_INSTANCE", "https://contoso.b2clogin.com")],
            "AZURE_AD_B2C_DOMAIN",
        ),
        (
            &[
                ("AZURE_AD_B2C_INSTANCE", "https://contoso.b2clogin.com"),
                ("AZURE_AD_B2C_DOMAIN", "contoso.onmicrosoft.com"),
                ("AZURE_AD_B2C_CLIENT_ID", "abc"),
                ("AZURE_AD_B2C_CLIENT_SECRET", "def"),
            ],
            "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID",
        ),
        (&[("PORTAL_ENV", "production")], "AZURE_AD_B2C_INSTANCE"),
        (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
        (
            &[
                ("PORTAL_TLS_CERT", "/no/such/cert.pem"),
                ("PORTAL_TLS_KEY", "/no/such/key.pem"),
            ],
            "PORTAL_TLS_CERT",
        ),
        (
            &[("PORTAL_IDENTITY_PROVIDER", "azure")],
            "PORTAL_IDENTITY_PROVIDER",
        ),
        // Settings of the other provider are a bad combination, both ways.
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                ("AZURE_AD_B2C_INSTANCE", "https://contoso.b2clogin.com"),
            ],
            "AZURE_AD_B2C_INSTANCE",
        ),
        (
            &[(
                "ENTRA_EXTERNAL_ID_AUTHORITY",
                "https://contoso.ciamlogin.com/",
            )],
            "ENTRA_EXTERNAL_ID_AUTHORITY",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                (
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    "https://contoso.ciamlogin.com/",
                ),
            ],
            "ENTRA_EXTERNAL_ID_TENANT_ID",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                (
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    "https://contoso.ciamlogin.com/",
                ),
                ("ENTRA_EXTERNAL_ID_TENANT_ID", "contoso.onmicrosoft.com"),
            ],
            "ENTRA_EXTERNAL_ID_TENANT_ID",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                (
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    "http://contoso.ciamlogin.com/",
                ),
            ],
            "ENTRA_EXTERNAL_ID_AUTHORITY",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                (
                    "ENTRA_EXTERNAL_ID_AUTHORITY",
                    "https://contoso.ciamlogin.com/",
                ),
                (
                    "ENTRA_EXTERNAL_ID_TENANT_ID",
                    "775527ff-9a37-4307-8b3d-cc311f58d925",
                ),
            ],
            "ENTRA_EXTERNAL_ID_CLIENT_ID",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                ("ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT", ""),
            ],
            "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                ("ENTRA_EXTERNAL_ID_CALLBACK_PATH", "signin"),
            ],
            "ENTRA_EXTERNAL_ID_CALLBACK_PATH",
        ),
        (
            &[
                ("PORTAL_IDENTITY_PROVIDER", "external-id"),
                ("PORTAL_ENV", "production"),
            ],
            "ENTRA_EXTERNAL_ID_AUTHORITY",
        ),
    ];
    for (vars, variable) in cases {
        let out = start_with(vars);
        assert_eq!(out.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].contains(variable), "{variable} named in: {stderr}");
    }
}

/// Exit code 2 and a single line on stderr that names `variable`.
fn assert_refused_naming(out: &std::process::Output, variable: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{variable}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains(variable), "{variable} named in: {stderr}");
}

/// Settings that parse but fail when used (a port someone else holds, a data dir that cannot
/// be written, TLS files that are not what they say) end start-up the same way: exit 2, one
/// line naming the variable, nothing served.
#[test]
fn settings_that_fail_when_used_end_start_up_naming_the_variable() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let free = "127.0.0.1:0";
    let out = start_with(&[("PORTAL_LISTEN", &taken)]);
    assert_refused_naming(&out, "PORTAL_LISTEN");
    let out = start_with(&[("PORTAL_LISTEN", free), ("PORTAL_DEV_B2C_LISTEN", &taken)]);
    assert_refused_naming(&out, "PORTAL_DEV_B2C_LISTEN");
    let out = portal_command(std::env::temp_dir().as_path())
        .args(["b2c-emulator"])
        .env("PORTAL_DEV_B2C_LISTEN", &taken)
        .env("PORTAL_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_refused_naming(&out, "PORTAL_DEV_B2C_LISTEN");

    // A data dir under a regular file can be neither created nor written (even by root, for
    // whom permission bits would not do).
    let file = tempfile::NamedTempFile::new().unwrap();
    let under_a_file = file.path().join("data");
    let out = start_with(&[
        ("PORTAL_LISTEN", free),
        ("PORTAL_DEV_B2C_LISTEN", free),
        ("PORTAL_DATA_DIR", under_a_file.to_str().unwrap()),
    ]);
    assert_refused_naming(&out, "PORTAL_DATA_DIR");

    let (one, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    patient_portal::tls::install_crypto_provider();
    let pair = patient_portal::tls::dev_certificate(one.path()).unwrap();
    let stranger = patient_portal::tls::dev_certificate(other.path()).unwrap();
    let (cert, key) = (pair.cert.to_str().unwrap(), pair.key.to_str().unwrap());
    for (cert, key, variable) in [
        // A key where the certificate should be, and the other way round.
        (key, key, "PORTAL_TLS_CERT"),
        (cert, cert, "PORTAL_TLS_KEY"),
        // Each file sound, but the key belongs to another certificate.
        (cert, stranger.key.to_str().unwrap(), "PORTAL_TLS_KEY"),
    ] {
        let out = start_with(&[
            ("PORTAL_LISTEN", free),
            ("PORTAL_DEV_B2C_LISTEN", free),
            ("PORTAL_TLS_CERT", cert),
            ("PORTAL_TLS_KEY", key),
        ]);
        assert_refused_naming(&out, variable);
    }
}

#[test]
fn help_lists_every_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = portal_command(dir.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "PORTAL_PUBLIC_URL",
        "PORTAL_LISTEN",
        "PORTAL_TLS_CERT",
        "PORTAL_TLS_KEY",
        "PORTAL_DATA_DIR",
        "DATABASE_URL",
        "PORTAL_EXTRA_CA_FILE",
        "AZURE_AD_B2C_INSTANCE",
        "AZURE_AD_B2C_DOMAIN",
        "AZURE_AD_B2C_CLIENT_ID",
        "AZURE_AD_B2C_CLIENT_SECRET",
        "AZURE_AD_B2C_SIGN_UP_SIGN_IN_POLICY_ID",
        "AZURE_AD_B2C_RESET_PASSWORD_POLICY_ID",
        "AZURE_AD_B2C_EDIT_PROFILE_POLICY_ID",
        "AZURE_AD_B2C_CALLBACK_PATH",
        "AZURE_AD_B2C_SIGNED_OUT_CALLBACK_PATH",
        "AZURE_AD_B2C_RESPONSE_MODE",
        "PORTAL_ROLE_CLAIM",
        "PORTAL_CLINICIAN_ROLE",
        "PORTAL_SESSION_IDLE_MINUTES",
        "PORTAL_SESSION_MAX_HOURS",
        "PORTAL_SIGNIN_PER_MINUTE",
        "PORTAL_PENDING_SIGNINS_MAX",
        "PORTAL_STEP_UP_MINUTES",
        "PORTAL_DEV_B2C_LISTEN",
        "PORTAL_ENV",
        "PORTAL_IDENTITY_PROVIDER",
        "ENTRA_EXTERNAL_ID_AUTHORITY",
        "ENTRA_EXTERNAL_ID_TENANT_ID",
        "ENTRA_EXTERNAL_ID_CLIENT_ID",
        "ENTRA_EXTERNAL_ID_CLIENT_SECRET",
        "ENTRA_EXTERNAL_ID_MFA_AUTH_CONTEXT",
        "ENTRA_EXTERNAL_ID_CALLBACK_PATH",
        "ENTRA_EXTERNAL_ID_SIGNED_OUT_CALLBACK_PATH",
    ] {
        assert!(help.contains(var), "{var} in --help");
    }
}

#[test]
fn the_emulator_refuses_to_start_in_production_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = portal_command(dir.path())
        .arg("b2c-emulator")
        .env("PORTAL_ENV", "production")
        .env("PORTAL_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("production") && stderr.contains("emulator"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("b2c-emulator").exists(),
        "nothing was started or created"
    );
}

/// `cargo run` (the emulator: demo mode) seeds the demo patients whenever they are missing, also
/// into a database that holds imported records already, and prints a working activation code for
/// each unlinked one at every start, not only the first: the README's "Trying it" on any start.
#[tokio::test]
async fn the_demo_patients_and_fresh_codes_come_on_every_start_also_after_an_import() {
    use patient_portal::demo::{demo_patients, seed::demo_data};
    let app = crate::support::spawn_app().await;
    // An `import` before the first start: a record that is not a demo patient.
    let mut imported = demo_patients(1, 7, chrono::Utc::now().date_naive())[0].clone();
    imported.patient.mrn.value = "SYNTHEA-0001".into();
    app.seed(&imported).await;
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let codes = |summary: &str| -> Vec<String> {
        summary
            .lines()
            .filter_map(|l| l.split("activation code ").nth(1))
            .map(|rest| rest.split(' ').next().unwrap().to_owned())
            .collect()
    };

    let first = demo_data(&app.pool).await.unwrap().expect("a summary");
    let second = demo_data(&app.pool)
        .await
        .unwrap()
        .expect("a summary every time");

    assert_eq!(
        count("SELECT COUNT(*) FROM patients").await,
        7,
        "seeded once, beside the import"
    );
    assert!(
        first.contains("linked to the demo patient account"),
        "{first}"
    );
    assert!(
        second.contains("linked to the demo patient account"),
        "{second}"
    );
    let (first, second) = (codes(&first), codes(&second));
    assert_eq!(first.len(), 5, "{first:?}");
    assert_eq!(second.len(), 5, "{second:?}");
    assert!(first.iter().all(|c| !second.contains(c)), "fresh codes");
    assert_eq!(
        count("SELECT COUNT(*) FROM activation_codes WHERE revoked_at IS NULL AND used_at IS NULL")
            .await,
        5,
        "the earlier codes are revoked: one outstanding code per demo patient"
    );
}

/// The settings of docs/DEPLOYMENT.md's "Production settings in short" as `(variable, value)`
/// pairs, one list per block, with the quotes an environment file allows taken off.
fn production_blocks() -> Vec<Vec<(String, String)>> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/DEPLOYMENT.md"))
        .unwrap();
    let section = doc
        .split("## Production settings in short")
        .nth(1)
        .expect("the section")
        .split("\n## ")
        .next()
        .unwrap();
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| {
            block
                .split("```")
                .next()
                .unwrap()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not K=V: {l}"));
                    (k.to_owned(), v.trim_matches('\'').to_owned())
                })
                .collect()
        })
        .collect()
}

/// The production block of docs/DEPLOYMENT.md starts as written, with B2C and with External ID:
/// only the files it names, the database and the listen address are the test's own (and must be
/// in the block), every other value is the block's.
#[test]
fn the_production_settings_in_deployment_md_start() {
    use std::io::BufRead;
    let blocks = production_blocks();
    assert_eq!(blocks.len(), 2, "the B2C block and the External ID lines");
    let b2c = blocks[0].clone();
    let external_id: Vec<(String, String)> = b2c
        .iter()
        .filter(|(k, _)| !k.starts_with("AZURE_AD_B2C_"))
        .cloned()
        .chain(blocks[1].clone())
        .collect();
    for settings in [b2c, external_id] {
        let dir = tempfile::tempdir().unwrap();
        patient_portal::tls::install_crypto_provider();
        let cert = patient_portal::tls::dev_certificate(&dir.path().join("tls")).unwrap();
        let audit_key = dir.path().join("audit-key");
        std::fs::write(&audit_key, "ab".repeat(32)).unwrap();
        let own = |k: &str| -> Option<String> {
            Some(match k {
                "PORTAL_TLS_CERT" => cert.cert.display().to_string(),
                "PORTAL_TLS_KEY" => cert.key.display().to_string(),
                "PORTAL_AUDIT_KEY_FILE" => audit_key.display().to_string(),
                "PORTAL_DATA_DIR" => dir.path().join("data").display().to_string(),
                "DATABASE_URL" => format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("portal.sqlite").display()
                ),
                "PORTAL_LISTEN" => "127.0.0.1:0".to_owned(),
                _ => return None,
            })
        };
        for k in [
            "PORTAL_TLS_CERT",
            "PORTAL_TLS_KEY",
            "PORTAL_AUDIT_KEY_FILE",
            "PORTAL_DATA_DIR",
            "DATABASE_URL",
            "PORTAL_LISTEN",
        ] {
            assert!(settings.iter().any(|(v, _)| v == k), "{k} in the block");
        }
        let mut cmd = portal_command(dir.path());
        for (k, v) in &settings {
            cmd.env(k, own(k).unwrap_or_else(|| v.clone()));
        }
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = Vec::new();
        let mut listening = false;
        for line in stderr.lines() {
            let line = line.unwrap();
            listening = line.contains("patient portal listening");
            seen.push(line);
            if listening {
                break;
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            listening,
            "the block did not start ({status}):\n{}",
            seen.join("\n")
        );
    }
}
