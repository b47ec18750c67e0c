-- The patient record. Each clinical item keeps the columns that pages and searches look up by,
-- plus the whole item as JSON (`item`) for display. Ids in URLs are random UUIDs; FHIR ids make
-- imports idempotent (unique per patient).

CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    fhir_id TEXT NOT NULL UNIQUE,
    mrn TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    -- lower-cased names for indexed prefix search
    given_lower TEXT NOT NULL,
    family_lower TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    deceased TEXT,
    address TEXT,
    phone TEXT,
    b2c_subject TEXT UNIQUE,
    item TEXT NOT NULL
);
CREATE INDEX patients_family_lower ON patients (family_lower, given_lower);
CREATE INDEX patients_given_lower ON patients (given_lower);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TABLE encounters (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX encounters_patient ON encounters (patient_id, started_at);

CREATE TABLE conditions (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT NOT NULL,
    clinical_status TEXT,
    onset TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX conditions_patient ON conditions (patient_id);

CREATE TABLE medications (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT NOT NULL,
    status TEXT NOT NULL,
    authored_on TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX medications_patient ON medications (patient_id);

CREATE TABLE allergies (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT NOT NULL,
    clinical_status TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX allergies_patient ON allergies (patient_id);

CREATE TABLE immunizations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    code TEXT NOT NULL,
    display TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX immunizations_patient ON immunizations (patient_id, occurred_at);

CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    loinc TEXT NOT NULL,
    display TEXT NOT NULL,
    category TEXT NOT NULL,
    effective_at TEXT NOT NULL,
    value_num DOUBLE PRECISION,
    unit TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX observations_patient_loinc ON observations (patient_id, loinc, effective_at);
CREATE INDEX observations_patient_category ON observations (patient_id, category, effective_at);

-- Clinicians as first seen at sign-in, for care teams and for naming them in access logs.
CREATE TABLE clinicians (
    subject TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    email TEXT,
    email_lower TEXT,
    first_seen BIGINT NOT NULL
);
CREATE INDEX clinicians_email ON clinicians (email_lower);

CREATE TABLE care_team (
    clinician_subject TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (clinician_subject, patient_id)
);
CREATE INDEX care_team_patient ON care_team (patient_id);

CREATE TABLE activation_codes (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    code_hash TEXT NOT NULL UNIQUE,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT,
    used_by TEXT,
    revoked_at BIGINT
);
CREATE INDEX activation_codes_patient ON activation_codes (patient_id);

-- Wrong activation attempts per account, for the rate limit on guessing.
CREATE TABLE activation_attempts (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX activation_attempts_subject ON activation_attempts (subject, at);

-- Break-the-glass: a request waiting for the fresh MFA sign-in, then a time-boxed grant.
CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    clinician_subject TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    granted_at BIGINT,
    expires_at BIGINT
);
CREATE INDEX break_glass_grant ON break_glass (clinician_subject, patient_id, expires_at);
