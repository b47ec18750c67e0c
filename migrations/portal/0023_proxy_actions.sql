-- Proxies acting (#29): who asked, when it was not the patient. A proxy's appointment or
-- renewal request keeps the proxy's name ("Sam Rivera (proxy)") so the care team sees that a
-- proxy asked, and who; NULL: the patient asked themselves (or the row predates this).
ALTER TABLE appointments ADD COLUMN requested_by TEXT;
ALTER TABLE renewal_requests ADD COLUMN requested_by TEXT;

-- A SMART app connected by a proxy for the patient they act for: the proxy grant it rests on.
-- Every token use checks that this grant is still live (not revoked, not ended, a guardian's
-- age rule), so ending the proxy's access ends the app's at once. NULL: the patient's own.
ALTER TABLE smart_grants ADD COLUMN proxy_grant_id TEXT;
