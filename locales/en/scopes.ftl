# What an app asks for, on the consent and connected-apps pages (src/smart/scopes.rs).
# $how is "read" (read and search), "single" (read single entries) or "search".
scope-resource = { $how ->
    [read] Read { $what }
    [single] Read single entries of { $what }
   *[search] Search { $what }
}
scope-resource-category = { $how ->
    [read] Read { $what } (only those of the category “{ $category }”)
    [single] Read single entries of { $what } (only those of the category “{ $category }”)
   *[search] Search { $what } (only those of the category “{ $category }”)
}
scope-data-all = your whole health record
scope-data-patient = your name, date of birth and contact details
scope-data-allergies = your allergies
scope-data-care-plans = your care plans
scope-data-conditions = your conditions and diagnoses
scope-data-reports = your test and imaging reports
scope-data-visits = your visits
scope-data-goals = your health goals
scope-data-immunizations = your immunizations
scope-data-medications = your medications
scope-data-observations = your lab results and vital signs
scope-data-procedures = your procedures
scope-data-notes = your clinical notes
scope-data-clinicians = the clinicians in your record
scope-data-places = the clinics and places in your record
scope-data-care-team = your care team
scope-data-costs = what your visits cost and what insurance paid
scope-data-provenance = where your records came from
scope-data-part = part of your record
scope-data-lab-results = your lab results
scope-data-vital-signs = your vital signs
scope-data-social-history = your social history
scope-data-problem-list = your problem list
scope-data-visit-diagnoses = the diagnoses made at your visits
scope-data-health-concerns = your health concerns
scope-launch-patient = Know which patient record you chose
scope-openid = Confirm that it was you who connected it (without your name or e-mail)
scope-fhir-user = Know which patient record is yours (its id)
scope-offline = Keep access when you are not using it, until you disconnect it
