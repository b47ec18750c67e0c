-- Proxies' rules (#29).
--
-- Who gave each grant: for a patient's own invitation, the account the record was linked to
-- then. Such a grant opens the record only while the record is still linked to that account: a
-- record unlinked, or linked to another account since, opens nothing to the proxies the earlier
-- account chose. A guardian's grant (recorded by a clinician) names the clinician. Grants made
-- before this migration were given by the record's account of the time, which is its account now.
ALTER TABLE proxy_grants ADD COLUMN granted_by TEXT;
UPDATE proxy_grants SET granted_by = (SELECT p.b2c_subject FROM patients p WHERE p.id = proxy_grants.patient_id)
    WHERE kind = 'proxy';

-- Confidentiality labels that an imported resource carried (`meta.security`, system
-- http://terminology.hl7.org/CodeSystem/v3-Confidentiality, codes R and V): a guardian of an
-- adolescent sees no labelled item, whatever its code. Kept by the resource's type and FHIR id,
-- as the record's items are; a label once imported stays (a later bundle without it does not
-- lift it: deny by default).
CREATE TABLE security_labels (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    resource_type TEXT NOT NULL,
    fhir_id TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (patient_id, resource_type, fhir_id, code)
);
