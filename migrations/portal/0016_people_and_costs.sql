-- The people, places and costs around a record (issue 27 item 2): practitioners, their roles,
-- organizations, locations, care teams, claims and explanations of benefit. Same shape as 0006:
-- the columns pages sort by, the item as JSON, FHIR ids unique per patient for idempotent
-- imports. Kept per patient (a clinician who saw two patients has a row in each record), so a
-- read of one patient's record never reaches what another patient's bundle brought.

CREATE TABLE practitioners (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);

CREATE TABLE practitioner_roles (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);

CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);

CREATE TABLE care_teams (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);

CREATE TABLE claims (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX claims_encounter ON claims (patient_id, encounter_fhir_id);

CREATE TABLE explanations_of_benefit (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX explanations_of_benefit_encounter ON explanations_of_benefit (patient_id, encounter_fhir_id);
