//! Appointments: the patient asks, the clinician books (in the clinic's time zone), the patient
//! downloads the calendar file and cancels within the notice; two decisions on one request
//! resolve once; one clinician is never booked twice; nobody else reaches any of it.

use chrono::TimeZone;
use patient_portal::demo::demo_patients;
use patient_portal::notifications::Kind;
use patient_portal::records::model::PatientRecord;
use sqlx::Row;

use crate::support::*;

pub(crate) struct World {
    pub app: TestApp,
    pub record: PatientRecord,
    pub patient_id: String,
    pub patient: Browser,
    pub clinician: Browser,
}

/// Patient A (linked) on clinician C's care team, both signed in, the clinic in London.
pub(crate) async fn world() -> World {
    let app = spawn_app_with(Options {
        extra_args: vec!["--time-zone=Europe/London".into()],
        ..Default::default()
    })
    .await;
    let record = demo_patients(1, 14, chrono::Utc::now().date_naive()).remove(0);
    let patient_id = app.seed(&record).await;
    app.link(&patient_id, &PATIENT_A).await;
    app.add_to_care_team(&patient_id, &CLINICIAN).await;
    let patient = app.browser();
    app.sign_in_as(&patient, &PATIENT_A).await;
    let clinician = app.browser();
    app.sign_in_as(&clinician, &CLINICIAN).await;
    assert_eq!(app.get(&clinician, "/staff").await.status(), 200);
    World {
        app,
        record,
        patient_id,
        patient,
        clinician,
    }
}

pub(crate) async fn text(app: &TestApp, b: &Browser, path: &str) -> (u16, String) {
    let resp = app.get(b, path).await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

const REASON: &str = "Recurring migraines since my new blood pressure tablets";

/// The patient asks for an appointment; returns its id.
async fn patient_requests(w: &World, reason: &str) -> String {
    let token = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        "/appointments",
        &[
            ("csrf_token", &token),
            ("reason", reason),
            ("day_tue", "1"),
            ("day_thu", "1"),
            ("time", "morning"),
            ("mode", "video"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303, "the request is sent");
    sqlx::query("SELECT id FROM appointments WHERE reason = $1")
        .bind(reason)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0)
}

/// A time `hours` from now, on the minute, as the clinic (Europe/London) writes it.
fn london(hours: i64) -> (i64, String, String) {
    let now = chrono::Utc::now().timestamp();
    let at = (now + hours * 3600) / 60 * 60;
    let local = chrono_tz::Europe::London.timestamp_opt(at, 0).unwrap();
    (
        at,
        local.format("%Y-%m-%d").to_string(),
        local.format("%H:%M").to_string(),
    )
}

async fn book(w: &World, who: &Browser, id: &str, hours: i64, minutes: &str) -> reqwest::Response {
    let (_, date, time) = london(hours);
    let token = csrf(&w.app, who).await;
    post(
        &w.app,
        who,
        &format!("/staff/appointments/{id}"),
        &[
            ("csrf_token", &token),
            ("action", "book"),
            ("date", &date),
            ("time", &time),
            ("minutes", minutes),
            ("place", "https://video.example.org/room/42"),
        ],
    )
    .await
}

/// RFC 5545 as a calendar parser reads it: every line CRLF-terminated and at most 75
/// octets, continuation lines unfolded, and the properties a VEVENT needs.
fn parse_ics(body: &str) -> Vec<(String, String)> {
    assert!(body.ends_with("\r\n"), "the file ends with CRLF");
    for line in body.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare LF or CR: {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let unfolded = body.replace("\r\n ", "").replace("\r\n\t", "");
    unfolded
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, value) = l.split_once(':').expect("NAME:value");
            (name.to_string(), value.to_string())
        })
        .collect()
}

fn ics_value<'a>(props: &'a [(String, String)], name: &str) -> &'a str {
    props
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} is missing"))
}

async fn queued(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query(
        "SELECT kind, recipient, next_attempt_at FROM notification_queue ORDER BY created_at, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

fn assert_mail_says_nothing(kind: Kind, w: &World, phi: &[&str]) {
    let (subject, body) = kind.compose("https://localhost/appointments");
    let text = format!("{subject}\n{body}").to_lowercase();
    let mut words: Vec<String> = phi.iter().map(|s| s.to_lowercase()).collect();
    words.extend([
        "migraine".into(),
        "video.example.org".into(),
        PATIENT_A.name.to_lowercase(),
        CLINICIAN.name.to_lowercase(),
        w.record.patient.given.to_lowercase(),
        w.record.patient.family.to_lowercase(),
    ]);
    for word in words {
        assert!(!text.contains(&word), "the mail carries {word:?}: {text}");
    }
}

#[tokio::test]
async fn a_patient_requests_the_clinician_books_and_the_patient_adds_it_to_a_calendar() {
    let w = world().await;
    let (status, page) = text(&w.app, &w.patient, "/appointments").await;
    assert_eq!(status, 200);
    assert!(page.contains("Request an appointment"), "{page}");

    let id = patient_requests(&w, REASON).await;
    let (_, page) = text(&w.app, &w.patient, "/appointments").await;
    assert!(
        page.contains(REASON) && page.contains("Requested: waiting"),
        "{page}"
    );

    // The queue names the patient, not the reason; opening the request shows it.
    let (status, queue) = text(&w.app, &w.clinician, "/staff/appointments").await;
    assert_eq!(status, 200);
    assert!(queue.contains(&id), "{queue}");
    assert!(!queue.contains(REASON), "the queue lists no reason");
    let (status, detail) = text(&w.app, &w.clinician, &format!("/staff/appointments/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        detail.contains(REASON) && detail.contains("Tuesday, Thursday"),
        "{detail}"
    );

    // Booked three days ahead, 30 minutes, by video.
    let (start, date, time) = london(72);
    let resp = book(&w, &w.clinician, &id, 72, "30").await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let row = sqlx::query("SELECT state, start_at, end_at FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), "booked");
    assert_eq!(
        row.get::<i64, _>(1),
        start,
        "{date} {time} London is this instant"
    );
    assert_eq!(row.get::<i64, _>(2), start + 30 * 60);

    // The patient sees it with the clinic's time and a calendar file.
    let (_, page) = text(&w.app, &w.patient, "/appointments").await;
    assert!(page.contains("Casey Clinician"), "{page}");
    assert!(page.contains(&format!("/appointments/{id}/calendar.ics")));
    assert!(page.contains("Cancel this appointment"));
    let resp = w
        .app
        .get(&w.patient, &format!("/appointments/{id}/calendar.ics"))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body = resp.text().await.unwrap();
    let props = parse_ics(&body);
    assert_eq!(
        props.first().unwrap(),
        &("BEGIN".into(), "VCALENDAR".into())
    );
    assert_eq!(ics_value(&props, "VERSION"), "2.0");
    assert!(!ics_value(&props, "PRODID").is_empty());
    assert!(ics_value(&props, "UID").starts_with(&id));
    assert!(ics_value(&props, "DTSTAMP").ends_with('Z'));
    let utc = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    assert_eq!(ics_value(&props, "DTSTART"), utc(start));
    assert_eq!(ics_value(&props, "DTEND"), utc(start + 1800));
    assert_eq!(
        ics_value(&props, "LOCATION"),
        "https://video.example.org/room/42"
    );
    assert!(
        !body.contains("igraine"),
        "the calendar file does not say why"
    );

    // The clinician's day shows it.
    let (status, day) = text(
        &w.app,
        &w.clinician,
        &format!("/staff/appointments/day?date={date}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(day.contains(&id), "{day}");

    // The patient is told (without health information) and reminded the day before.
    let mails = queued(&w.app).await;
    assert!(mails
        .iter()
        .any(|(k, to, _)| k == "appointment_update" && to == "alex.patient@example.com"));
    let reminder = mails
        .iter()
        .find(|(k, _, _)| k == "appointment_reminder")
        .expect("a reminder is queued");
    assert_eq!(
        reminder.2,
        start - 24 * 3600,
        "not sent before the day before"
    );
    for kind in [Kind::AppointmentUpdate, Kind::AppointmentReminder] {
        assert_mail_says_nothing(kind, &w, &[REASON, &date, &time]);
    }

    // Every step is audited against the patient.
    let audit = w.app.audit_rows().await;
    let has = |action: &str, who: &str| {
        audit.iter().any(|(a, s, p, _)| {
            a == action && s.as_deref() == Some(who) && p.as_deref() == Some(&w.patient_id)
        })
    };
    assert!(has("read_appointments", PATIENT_A.subject));
    assert!(has("change_appointment", PATIENT_A.subject));
    assert!(has("read_appointments", CLINICIAN.subject));
    assert!(has("change_appointment", CLINICIAN.subject));
    let (_, log) = text(&w.app, &w.patient, "/records/access-log").await;
    assert!(log.contains("Requested or changed an appointment"), "{log}");
}

#[tokio::test]
async fn a_booking_can_be_cancelled_online_only_outside_the_notice() {
    let w = world().await;
    let far = patient_requests(&w, "Check-up in three days").await;
    assert_eq!(book(&w, &w.clinician, &far, 72, "20").await.status(), 303);
    let near = patient_requests(&w, "Check-up in two hours").await;
    assert_eq!(book(&w, &w.clinician, &near, 2, "20").await.status(), 303);

    let (_, page) = text(&w.app, &w.patient, "/appointments").await;
    assert!(page.contains("please call the clinic"), "{page}");

    // Inside the 24-hour notice: refused, the page says to call, nothing changes.
    let token = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        &format!("/appointments/{near}/cancel"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("call the clinic"));
    let state = |id: String| {
        let pool = w.app.pool.clone();
        async move {
            sqlx::query("SELECT state FROM appointments WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<String, _>(0)
        }
    };
    assert_eq!(state(near.clone()).await, "booked");

    // Outside it: cancelled, and its reminder withdrawn.
    let reminders = |pool: patient_portal::db::Pool| async move {
        sqlx::query("SELECT COUNT(*) FROM notification_queue WHERE kind = 'appointment_reminder'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    assert_eq!(
        reminders(w.app.pool.clone()).await,
        1,
        "only the far one has a reminder"
    );
    let resp = post(
        &w.app,
        &w.patient,
        &format!("/appointments/{far}/cancel"),
        &[("csrf_token", &token)],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(state(far.clone()).await, "cancelled");
    assert_eq!(
        reminders(w.app.pool.clone()).await,
        0,
        "no reminder for a cancelled visit"
    );
    let (_, page) = text(&w.app, &w.patient, "/appointments").await;
    assert!(page.contains("Cancelled"), "{page}");
}

#[tokio::test]
async fn two_decisions_on_one_request_resolve_once_and_a_clinician_is_never_double_booked() {
    let w = world().await;
    w.app
        .add_to_care_team(&w.patient_id, &OTHER_CLINICIAN)
        .await;
    let other = w.app.browser();
    w.app.sign_in_as(&other, &OTHER_CLINICIAN).await;
    let id = patient_requests(&w, "Knee pain").await;

    // Two clinicians at the same moment: one books, the other declines.
    let token = csrf(&w.app, &other).await;
    let decline_path = format!("/staff/appointments/{id}");
    let decline_form = [
        ("csrf_token", token.as_str()),
        ("action", "decline"),
        ("reason", "Please see the physiotherapist first"),
    ];
    let decline = post(&w.app, &other, &decline_path, &decline_form);
    let (booked, declined) = tokio::join!(book(&w, &w.clinician, &id, 50, "20"), decline);
    let mut statuses = [booked.status().as_u16(), declined.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "one wins, the other is told");
    let loser = if booked.status() == 409 {
        booked
    } else {
        declined
    };
    assert!(loser.text().await.unwrap().contains("Already decided"));
    let state: String = sqlx::query("SELECT state FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert!(state == "booked" || state == "declined", "{state}");

    // Deciding again is refused the same way.
    let resp = book(&w, &w.clinician, &id, 60, "20").await;
    assert_eq!(resp.status(), 409);

    // One clinician, two requests, overlapping times: the second is refused.
    let a = patient_requests(&w, "First visit").await;
    let b = patient_requests(&w, "Second visit").await;
    assert_eq!(book(&w, &other, &a, 100, "60").await.status(), 303);
    let resp = book(&w, &other, &b, 100, "20").await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("That time is taken"));
    // Another clinician is free then.
    assert_eq!(book(&w, &w.clinician, &b, 100, "20").await.status(), 303);
}

#[tokio::test]
async fn another_patient_and_a_clinician_outside_the_care_team_reach_no_appointment() {
    let w = world().await;
    // Patient B, linked to a record of their own (seeded before anything queues mail, so
    // the big seed transaction does not race the mail sender for SQLite's write lock).
    let other_record = demo_patients(2, 15, chrono::Utc::now().date_naive()).remove(1);
    let other_id = w.app.seed(&other_record).await;
    w.app.link(&other_id, &PATIENT_B).await;
    let id = patient_requests(&w, REASON).await;
    assert_eq!(book(&w, &w.clinician, &id, 72, "20").await.status(), 303);

    let b = w.app.browser();
    w.app.sign_in_as(&b, &PATIENT_B).await;
    let (status, page) = text(&w.app, &b, "/appointments").await;
    assert_eq!(status, 200);
    assert!(!page.contains(REASON) && !page.contains(&id));
    let (status, body) = text(&w.app, &b, &format!("/appointments/{id}/calendar.ics")).await;
    assert_eq!(status, 404);
    assert!(!body.contains("VCALENDAR"));
    let token = csrf(&w.app, &b).await;
    for action in ["cancel", "accept"] {
        let resp = post(
            &w.app,
            &b,
            &format!("/appointments/{id}/{action}"),
            &[("csrf_token", &token)],
        )
        .await;
        assert_eq!(resp.status(), 404, "{action}");
    }
    // A patient is no clinician.
    for path in [
        "/staff/appointments".to_string(),
        "/staff/appointments/day".to_string(),
        format!("/staff/appointments/{id}"),
    ] {
        assert_eq!(w.app.get(&b, &path).await.status(), 403, "{path}");
    }

    // A clinician outside the care team: nothing in the queue, the request is refused.
    let outsider = w.app.browser();
    w.app.sign_in_as(&outsider, &OTHER_CLINICIAN).await;
    let (_, queue) = text(&w.app, &outsider, "/staff/appointments").await;
    assert!(!queue.contains(&id));
    let (_, day) = text(&w.app, &outsider, "/staff/appointments/day").await;
    assert!(!day.contains(&id));
    let (status, page) = text(&w.app, &outsider, &format!("/staff/appointments/{id}")).await;
    assert_eq!(status, 403);
    assert!(!page.contains(REASON));
    let token = csrf(&w.app, &outsider).await;
    let resp = post(
        &w.app,
        &outsider,
        &format!("/staff/appointments/{id}"),
        &[("csrf_token", &token), ("action", "cancel")],
    )
    .await;
    assert_eq!(resp.status(), 403);
    // Unknown and malformed ids are simply not there.
    for path in [
        "/appointments/00000000-0000-4000-8000-000000000000/calendar.ics",
        "/appointments/../records/calendar.ics",
    ] {
        assert_eq!(w.app.get(&w.patient, path).await.status(), 404, "{path}");
    }
    let state: String = sqlx::query("SELECT state FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "booked", "nobody else changed it");
}

type Form<'a> = Vec<(&'a str, &'a str)>;

#[tokio::test]
async fn every_appointment_form_refuses_a_missing_csrf_token_and_bad_input_gets_a_4xx_page() {
    let w = world().await;
    let id = patient_requests(&w, REASON).await;
    let (_, date, time) = london(30);
    let cases: Vec<(&Browser, String, Form)> = vec![
        (
            &w.patient,
            "/appointments".into(),
            vec![("reason", "x"), ("mode", "video")],
        ),
        (&w.patient, format!("/appointments/{id}/cancel"), vec![]),
        (&w.patient, format!("/appointments/{id}/accept"), vec![]),
        (
            &w.clinician,
            format!("/staff/appointments/{id}"),
            vec![
                ("action", "book"),
                ("date", &date),
                ("time", &time),
                ("minutes", "20"),
                ("place", "Room 1"),
            ],
        ),
    ];
    for (who, path, form) in &cases {
        let resp = post(&w.app, who, path, form).await;
        assert_eq!(resp.status(), 400, "{path} without a token");
        let mut with_wrong = form.clone();
        with_wrong.push(("csrf_token", "not-the-token"));
        let resp = post(&w.app, who, path, &with_wrong).await;
        assert_eq!(resp.status(), 400, "{path} with a wrong token");
    }
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM appointments")
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1, "nothing was requested");
    let state: String = sqlx::query("SELECT state FROM appointments WHERE id = $1")
        .bind(&id)
        .fetch_one(&w.app.pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "requested", "nothing was decided");

    // Bad input: a page in the portal's style, never a 500.
    let token = csrf(&w.app, &w.clinician).await;
    for (field, value) in [
        ("date", "2026-02-30"),
        ("time", "25:00"),
        ("minutes", "0"),
        ("place", ""),
        ("place", "http://insecure.example/room"),
    ] {
        let mut form = vec![
            ("csrf_token", token.as_str()),
            ("action", "book"),
            ("date", date.as_str()),
            ("time", time.as_str()),
            ("minutes", "20"),
            ("place", "Room 1"),
        ];
        form.retain(|(n, _)| *n != field);
        form.push((field, value));
        let resp = post(
            &w.app,
            &w.clinician,
            &format!("/staff/appointments/{id}"),
            &form,
        )
        .await;
        assert_eq!(resp.status(), 400, "{field}={value}");
    }
    let (status, _) = text(
        &w.app,
        &w.clinician,
        "/staff/appointments/day?date=yesterday",
    )
    .await;
    assert_eq!(status, 400);
    let ptoken = csrf(&w.app, &w.patient).await;
    let resp = post(
        &w.app,
        &w.patient,
        "/appointments",
        &[("csrf_token", &ptoken), ("reason", "  "), ("mode", "video")],
    )
    .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_export_carries_appointments_as_fhir_appointments() {
    let w = world().await;
    let id = patient_requests(&w, REASON).await;
    assert_eq!(book(&w, &w.clinician, &id, 72, "20").await.status(), 303);
    patient_requests(&w, "Still waiting").await;
    let resp = w.app.get(&w.patient, "/records/export").await;
    assert_eq!(resp.status(), 200);
    let bundle: serde_json::Value = resp.json().await.unwrap();
    let appointments: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Appointment")
        .collect();
    assert_eq!(appointments.len(), 2);
    let booked = appointments
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(booked["status"], "booked");
    assert!(booked["start"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        booked["participant"][0]["actor"]["reference"],
        bundle["entry"][0]["fullUrl"]
    );
    assert!(appointments
        .iter()
        .any(|a| a["status"] == "proposed" && a.get("start").is_none()));
    if let Some(dir) = std::env::var_os("FHIR_EXPORT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("portal-export-with-appointments.json"),
            serde_json::to_string_pretty(&bundle).unwrap(),
        )
        .unwrap();
    }
}

#[tokio::test]
async fn imported_fhir_appointments_are_listed_and_importing_twice_changes_nothing() {
    let w = world().await;
    let start = chrono::Utc::now() + chrono::Duration::days(5);
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "resource": {
                "resourceType": "Appointment", "id": "appt-1", "status": "booked",
                "description": "Diabetes review",
                "start": start.to_rfc3339(), "end": (start + chrono::Duration::minutes(15)).to_rfc3339(),
                "participant": [
                    { "actor": { "reference": "Practitioner/p1", "display": "Dr Imported" }, "status": "accepted" },
                    { "actor": { "reference": "Location/l1", "display": "North Clinic" }, "status": "accepted" }
                ]
            }},
            { "resource": { "resourceType": "Appointment", "id": "appt-2", "status": "proposed" } },
            { "resource": { "resourceType": "Observation", "id": "o1" } }
        ]
    });
    for _ in 0..2 {
        let n = patient_portal::appointments::fhir::import(&w.app.pool, &w.patient_id, &bundle)
            .await
            .unwrap();
        assert_eq!(n, 1, "only the booked one with a time is kept");
    }
    let (_, page) = text(&w.app, &w.patient, "/appointments").await;
    assert!(
        page.contains("Diabetes review")
            && page.contains("Dr Imported")
            && page.contains("North Clinic"),
        "{page}"
    );
    assert!(
        !page.contains("Withdraw this request"),
        "an imported appointment is not a portal request"
    );
}

/// A form error reads in the request's language (#31): the patient's empty reason and the
/// clinician's impossible time are explained in Spanish to a Spanish browser, in English to an
/// English one.
#[tokio::test]
async fn form_errors_read_in_the_language_of_the_request() {
    let w = world().await;
    let ptoken = csrf(&w.app, &w.patient).await;
    let ask = |lang: &'static str| {
        w.patient
            .client
            .post(w.app.url("/appointments"))
            .header("Accept-Language", lang)
            .form(&[
                ("csrf_token", ptoken.as_str()),
                ("reason", "  "),
                ("mode", "video"),
            ])
            .send()
    };
    let resp = ask("es").await.unwrap();
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    crate::languages::assert_spanish(&page, "a form error");
    assert!(
        page.contains("Indique para qué es la cita. No se envió nada."),
        "{page}"
    );
    assert!(!page.contains("Please say what"), "{page}");
    let page = ask("en").await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Please say what the appointment is for."),
        "{page}"
    );

    let id = patient_requests(&w, REASON).await;
    let token = csrf(&w.app, &w.clinician).await;
    let resp = w
        .clinician
        .client
        .post(w.app.url(&format!("/staff/appointments/{id}")))
        .header("Accept-Language", "es")
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "book"),
            ("date", "2030-01-01"),
            ("time", "25:00"),
            ("minutes", "20"),
            ("place", "Room 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(page.contains("Escriba la hora como HH:MM"), "{page}");
}

/// An appointment's state reads in the page's language (#31).
#[tokio::test]
async fn an_appointment_s_state_reads_in_spanish() {
    let w = world().await;
    patient_requests(&w, REASON).await;
    let page = crate::languages::get_in(&w.app, &w.patient, "/appointments", "es")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Solicitada: esperando al equipo de atención"),
        "{page}"
    );
    assert!(!page.contains("waiting for the care team"), "{page}");
}
