# A proxy acting for a patient (#29): appointments and renewals under /acting/{grant}/...
# (templates/acting.html, src/proxy/acting.rs), and connecting an app for someone
# (templates/smart_consent.html).
acting-nothing = Nothing recorded.
acting-appt-list = Their appointments and requests
acting-appt-cancel = Cancel or withdraw
acting-appt-request = Ask for an appointment for { $name }
acting-appt-signed = The request is made in { $name }'s record and signed with your name; the care team sees that you asked for them.
acting-appt-which-days = Which days suit them? (none ticked: any weekday)
acting-appt-requested = Your request for { $name } was sent to the care team.
acting-appt-cancelled = The appointment or request of { $name } was cancelled.
acting-renewal-ask-heading = Ask for a renewal for { $name }
acting-renewal-none = They have no active medication to renew.
acting-renewal-note = Note for the care team (optional)
acting-renewal-waiting-short = a renewal was asked for and waits for the care team
acting-renewal-requested = Your renewal request for { $name } was sent to the care team.
acting-renewal-waiting-title = Already requested
acting-renewal-waiting = A renewal of this medication was already asked for; the care team will answer soon.
acting-renewal-closed-title = No renewal
consent-proxy-connecting = You, { $proxy }, are connecting { $app } to { $patient }'s record. The app will read their record, not yours; they see it among their connected apps and can disconnect it, and it stops when your access to their record ends.
consent-whose = Connect the app to another record instead:
consent-own-record = Your own record
consent-their-record = The record of { $patient }, whom you act for
consent-proxy-limited-title = An app cannot have this record
consent-proxy-limited = As the guardian of a teenager you see their record without its confidential parts; an app would read all of it. Nothing was connected.
# The staff's request pages (templates/staff_appointment.html, staff_renewal.html): a proxy
# asked for the patient; $name is as stored, "Sam Rivera (proxy)".
staff-asked-by = Asked by
staff-asked-by-proxy = { $name }, for the patient
