-- Clinical notes (issue #27 item 1): a DocumentReference (the note of a visit) with its content.
-- The note is stored like the record tables of 0006 (the columns its pages sort and filter by,
-- the note as JSON without its bytes, FHIR ids unique per patient for idempotent imports); its
-- content (plain text, HTML as the source wrote it, or a PDF) is kept as the decoded bytes in
-- clinical_note_contents, one row per DocumentReference.content in the source's order (seq
-- from 0). The importer bounds each content's size, so one row holds it.
-- BYTEA: PostgreSQL's byte string; SQLite accepts the name and keeps a bound blob as it is.
CREATE TABLE clinical_notes (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    fhir_id TEXT NOT NULL,
    occurred_at TEXT,
    encounter_fhir_id TEXT,
    item TEXT NOT NULL,
    UNIQUE (patient_id, fhir_id)
);
CREATE INDEX clinical_notes_patient ON clinical_notes (patient_id, occurred_at);
CREATE INDEX clinical_notes_encounter ON clinical_notes (patient_id, encounter_fhir_id);

CREATE TABLE clinical_note_contents (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    note_fhir_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (patient_id, note_fhir_id, seq)
);
