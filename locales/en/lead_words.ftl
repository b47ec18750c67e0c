# What a share link shares, as the patient's list of links and a new link's page name it
# (src/sharing/content.rs; the stored value is the code).
lead-share-content-summary = Patient summary (IPS)
lead-share-content-immunizations = Immunizations
lead-share-content-labs = Lab results of a period
lead-share-content-record = Whole record
lead-share-content-other = Record
# An upcoming appointment on the home page: its kind and with whom (src/home.rs).
lead-home-appointment-with = { $mode } with { $clinician }
