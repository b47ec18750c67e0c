-- Appointments and medication renewals: requests a patient makes and the care team decides.
-- TEXT and BIGINT only (SQLite and PostgreSQL alike); times are unix seconds (UTC).

-- One row from the request to the end: `state` moves requested -> proposed/booked/declined/
-- cancelled, booked -> cancelled/completed/no_show (the transitions live in
-- appointments::status). Every change is a conditional UPDATE on the state it was read in,
-- so two decisions on one request cannot both win. Imported FHIR appointments have source
-- 'import' and their resource id in fhir_id.
CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    fhir_id TEXT,
    reason TEXT NOT NULL,
    preferred_days TEXT NOT NULL,
    preferred_time TEXT NOT NULL,
    mode TEXT NOT NULL,
    clinician_subject TEXT,
    clinician_name TEXT,
    start_at BIGINT,
    end_at BIGINT,
    place TEXT,
    decline_reason TEXT,
    -- the reminder mail queued for the day before (deleted if the appointment is cancelled)
    reminder_id TEXT,
    requested_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX appointments_patient ON appointments (patient_id, start_at);
CREATE INDEX appointments_clinician ON appointments (clinician_subject, state, start_at);
CREATE INDEX appointments_state ON appointments (state, requested_at);

-- One row per clinician, updated first in every booking transaction: on PostgreSQL the row
-- lock makes two bookings of one clinician take turns, so the overlap check of the second
-- sees the first (SQLite's single writer does the same by itself).
CREATE TABLE booking_locks (
    clinician_subject TEXT PRIMARY KEY,
    bookings BIGINT NOT NULL DEFAULT 0
);

-- A patient's preferred pharmacy, a profile setting of the signed-in user (from /account,
-- like the notification address), copied into each renewal request when it is made.
CREATE TABLE patient_pharmacies (
    subject TEXT PRIMARY KEY,
    pharmacy TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- "Ask for a renewal" of an active medication (medications.fhir_id of the same patient).
-- requested -> approved/declined, decided once (conditional UPDATE). An approval stores the
-- new prescription's FHIR id; the export writes it as a MedicationRequest whose
-- priorPrescription is the old one.
CREATE TABLE renewal_requests (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    medication_fhir_id TEXT NOT NULL,
    medication_name TEXT NOT NULL,
    note TEXT NOT NULL,
    pharmacy TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT,
    decided_by_name TEXT,
    decline_reason TEXT,
    quantity BIGINT,
    refills BIGINT,
    new_prescription_id TEXT
);
CREATE INDEX renewal_requests_patient ON renewal_requests (patient_id, requested_at);
CREATE INDEX renewal_requests_state ON renewal_requests (state, requested_at);
-- At most one waiting request per medication, whatever runs at the same time.
CREATE UNIQUE INDEX renewal_requests_waiting ON renewal_requests (patient_id, medication_fhir_id)
    WHERE state = 'requested';
