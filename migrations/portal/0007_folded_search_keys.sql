-- Accent- and case-folded search keys for staff search ("guzman" finds "Guzmán", a pasted MRN
-- in another case finds its patient). SQL has no portable accent folding, so the application
-- computes them (records::search_keys::fold): the importer and the demo seed write them, and
-- rows stored before this migration are filled at start-up (records::search_keys::fill_missing),
-- which finds them by the NULLs left here.
ALTER TABLE patients ADD COLUMN given_folded TEXT;
ALTER TABLE patients ADD COLUMN family_folded TEXT;
ALTER TABLE patients ADD COLUMN mrn_folded TEXT;
CREATE INDEX patients_family_folded ON patients (family_folded, given_folded);
CREATE INDEX patients_given_folded ON patients (given_folded);
CREATE INDEX patients_mrn_folded ON patients (mrn_folded);
