-- The rest of the record (issue 12): procedures, care plans, goals, diagnostic reports, imaging
-- studies, and the Patient's demographics beyond name and birth. Same shape as 0003: the columns
-- pages sort and filter by, the item as JSON, FHIR ids unique per patient for idempotent imports.

CREATE TABLE patient_demographics (
    patient_id TEXT PRIMARY KEY REFERENCES patients (id),
    item TEXT NOT NULL
);

CREATE TABLE procedures (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX procedures_patient ON procedures (patient_id, occurred_at);
CREATE INDEX procedures_encounter ON procedures (patient_id, encounter_fhir_id);

CREATE TABLE care_plans (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX care_plans_patient ON care_plans (patient_id, occurred_at);

CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX goals_patient ON goals (patient_id, occurred_at);

CREATE TABLE diagnostic_reports (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX diagnostic_reports_patient ON diagnostic_reports (patient_id, occurred_at);
CREATE INDEX diagnostic_reports_encounter ON diagnostic_reports (patient_id, encounter_fhir_id);

CREATE TABLE imaging_studies (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX imaging_studies_patient ON imaging_studies (patient_id, occurred_at);
