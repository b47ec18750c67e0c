-- Guardians of minors (#29 item 2): an invitation and a grant are a patient's own invitation
-- ('proxy') or a guardian relationship recorded by a clinician ('guardian'); a guardian's access
-- is limited by the patient's age (PORTAL_PROXY_CHILD_AGE_LIMIT, PORTAL_PROXY_ADULT_AGE),
-- computed from the birth date at every request.
ALTER TABLE proxy_invitations ADD COLUMN kind TEXT NOT NULL DEFAULT 'proxy';
ALTER TABLE proxy_invitations ADD COLUMN clinician_subject TEXT;
ALTER TABLE proxy_grants ADD COLUMN kind TEXT NOT NULL DEFAULT 'proxy';
