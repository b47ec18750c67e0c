# The chart's heading and navigation (templates/records_frame.html).
records-patient = Patient
records-deceased = Deceased
records-death-not-recorded = (date not recorded)
records-born = Date of birth
records-age = Age
records-age-at-death = Age at death
records-sex = Sex
records-mrn = Medical record number (MRN)
records-died = Date of death
records-sections = Sections of the record
