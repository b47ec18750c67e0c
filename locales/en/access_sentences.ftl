# The access log's rows (src/audit/pages.rs). $viewer is "patient" (the patient reads their own
# log: "your") or "staff" (the care team reads it: "the patient's"). Names ($name, $app,
# $recipient) are shown as given.
access-who-you = You
access-who-clinician = A clinician
access-who-patient = The patient
access-who-app = An app
access-who-share-recipient = Recipient of a shared link
access-who-portal = The portal
access-who-proxy = { $viewer ->
    [staff] { $name } (the patient's proxy)
   *[patient] { $name } (your proxy)
}
access-role-clinician = Clinician
access-role-patient = Patient
access-role-app = App
access-role-share-recipient = Link recipient
access-role-proxy = Proxy
access-role-anonymous = Not signed in
# What was looked at, as the object of access-viewed and the app sentences.
access-data-record = { $viewer ->
    [staff] the patient's record
   *[patient] your record
}
access-data-summary = { $viewer ->
    [staff] the summary of the patient's record
   *[patient] the summary of your record
}
access-data-conditions = { $viewer ->
    [staff] the patient's conditions
   *[patient] your conditions
}
access-data-medications = { $viewer ->
    [staff] the patient's medications
   *[patient] your medications
}
access-data-allergies = { $viewer ->
    [staff] the patient's allergies
   *[patient] your allergies
}
access-data-immunizations = { $viewer ->
    [staff] the patient's immunizations
   *[patient] your immunizations
}
access-data-test-results = { $viewer ->
    [staff] the patient's test results
   *[patient] your test results
}
access-data-lab-history = the history of a test result
access-data-vitals = { $viewer ->
    [staff] the patient's vital signs
   *[patient] your vital signs
}
access-data-visits = { $viewer ->
    [staff] the patient's visits
   *[patient] your visits
}
access-data-visit = { $viewer ->
    [staff] one of the patient's visits
   *[patient] one of your visits
}
access-data-procedures = { $viewer ->
    [staff] the patient's procedures
   *[patient] your procedures
}
access-data-care-plans = { $viewer ->
    [staff] the patient's care plans
   *[patient] your care plans
}
access-data-reports-imaging = { $viewer ->
    [staff] the patient's test reports and imaging
   *[patient] your test reports and imaging
}
access-data-social-history = { $viewer ->
    [staff] the patient's social history
   *[patient] your social history
}
access-data-notes = { $viewer ->
    [staff] the patient's clinical notes
   *[patient] your clinical notes
}
access-data-note = { $viewer ->
    [staff] one of the patient's clinical notes
   *[patient] one of your clinical notes
}
access-data-billing = { $viewer ->
    [staff] what the patient's visits cost
   *[patient] what your visits cost
}
access-data-care-team = { $viewer ->
    [staff] the patient's care team
   *[patient] your care team
}
access-data-access-log = this access log
access-data-printable = { $viewer ->
    [staff] a printable summary of the patient's record
   *[patient] a printable summary of your record
}
access-data-home = { $viewer ->
    [staff] the patient's home page (new results, messages, appointments and requests)
   *[patient] your home page (new results, messages, appointments and requests)
}
access-data-lab-results = { $viewer ->
    [staff] the patient's lab results
   *[patient] your lab results
}
access-data-labs-and-vitals = { $viewer ->
    [staff] the patient's lab results and vital signs
   *[patient] your lab results and vital signs
}
access-data-demographics = { $viewer ->
    [staff] the patient's name, date of birth and contact details
   *[patient] your name, date of birth and contact details
}
access-data-test-reports = { $viewer ->
    [staff] the patient's test reports
   *[patient] your test reports
}
access-data-goals = { $viewer ->
    [staff] the patient's health goals
   *[patient] your health goals
}
access-data-provenance = { $viewer ->
    [staff] where the patient's records came from
   *[patient] where your records came from
}
access-viewed = Viewed { $what }
access-did-export = { $viewer ->
    [staff] Downloaded the patient's whole record
   *[patient] Downloaded your whole record
}
access-did-view-access-log = Viewed this access log
access-did-break-glass = { $viewer ->
    [staff] Emergency access to the patient's record (break the glass)
   *[patient] Emergency access to your record (break the glass)
}
access-did-activation-issued = { $viewer ->
    [staff] Issued an activation code for the patient's record
   *[patient] Issued an activation code for your record
}
access-did-activation-revoked = Revoked an activation code
access-did-activation-used = { $viewer ->
    [staff] Linked the patient's account to their record
   *[patient] Linked your account to your record
}
access-did-read-messages = { $viewer ->
    [staff] Read the patient's messages
   *[patient] Read your messages
}
access-did-send-message = Sent a message
access-did-update-message = Assigned or closed a message conversation
access-did-download-attachment = Opened an attachment of a message
access-did-read-appointments = { $viewer ->
    [staff] Viewed the patient's appointments
   *[patient] Viewed your appointments
}
access-did-change-appointment = Requested or changed an appointment
access-did-read-renewals = Viewed a medication renewal request
access-did-change-renewal = Asked for or decided a medication renewal
access-did-share-created = { $viewer ->
    [staff] Made a link to share the patient's record
   *[patient] Made a link to share your record
}
access-did-share-revoked = { $viewer ->
    [staff] Revoked a link the patient shared
   *[patient] Revoked a link you shared
}
access-did-health-card = { $viewer ->
    [staff] Made the patient's immunization card
   *[patient] Made your immunization card
}
access-did-proxy-invite = { $viewer ->
    [staff] Invited someone to act for the patient
   *[patient] Invited someone to act for you
}
access-did-proxy-accept = { $viewer ->
    [staff] Accepted an invitation to act for the patient
   *[patient] Accepted your invitation to act for you
}
access-did-proxy-revoke = Ended a proxy's access
access-did-other = { $viewer ->
    [staff] Accessed the patient's record
   *[patient] Accessed your record
}
access-app-read = { $app } read { $what }
access-app-refused = { $app } asked for { $what } and was refused
access-app-accessed = { $viewer ->
    [staff] { $app } accessed the patient's record
   *[patient] { $app } accessed your record
}
access-app-connected = { $viewer ->
    [staff] The patient connected { $app } to their record
   *[patient] You connected { $app } to your record
}
access-app-connected-by-proxy = { $viewer ->
    [staff] { $who } connected { $app } to the patient's record
   *[patient] { $who } connected { $app } to your record
}
access-app-connect-refused-proxy = { $viewer ->
    [staff] { $who } asked to connect an app to the patient's record and was refused
   *[patient] { $who } asked to connect an app to your record and was refused
}
access-app-disconnected = { $viewer ->
    [staff] The patient disconnected { $app }
   *[patient] You disconnected { $app }
}
access-app-disconnected-unnamed = { $viewer ->
    [staff] The patient disconnected an app
   *[patient] You disconnected an app
}
access-shared-download = { $viewer ->
    [staff] A file of a link the patient shared was downloaded
   *[patient] A file of a link you shared was downloaded
}
access-shared-unreadable = { $viewer ->
    [staff] A request for a link the patient shared could not be read (from '{ $recipient }')
   *[patient] A request for a link you shared could not be read (from '{ $recipient }')
}
access-shared-opened = { $viewer ->
    [staff] A link the patient shared was opened by '{ $recipient }'
   *[patient] A link you shared was opened by '{ $recipient }'
}
access-shared-wrong-passcode = { $viewer ->
    [staff] A wrong passcode was given for a link the patient shared (by '{ $recipient }')
   *[patient] A wrong passcode was given for a link you shared (by '{ $recipient }')
}
access-shared-gone = { $viewer ->
    [staff] A link the patient shared that no longer works was tried (by '{ $recipient }')
   *[patient] A link you shared that no longer works was tried (by '{ $recipient }')
}
