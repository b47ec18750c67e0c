# Refusals, conflict pages and flashes built in Rust (#31): proxies (src/proxy/), messages
# (src/messages/), appointments (src/appointments/), renewals (src/renewals/) and the step-up
# sign-in (src/auth/step_up.rs), in the request's language.

## Inviting a proxy and accepting an invitation (src/proxy/pages.rs).
refusal-proxy-end-date-format = Give the end date as a date (year-month-day), or leave it empty.
refusal-proxy-end-date-passed = The end date has passed: choose a later one, or leave it empty.
refusal-proxy-email = Enter the e-mail address of the person you are inviting.
refusal-proxy-scopes = Choose at least one thing the person may do for you.
refusal-proxy-invite-self = That is your own e-mail address: you cannot be your own proxy.
refusal-proxy-already-proxy = This person can already act for you. To change what they may do, end their access and invite them again.
refusal-proxy-already-invited = This person already has an invitation that has not been used yet.
refusal-invitation-used = This invitation has already been used. Ask the person who invited you to send a new one.
refusal-invitation-expired = This invitation has expired. Ask the person who invited you to send a new one.
refusal-invitation-own-record = This invitation is for your own record: you cannot be your own proxy.
refusal-invitation-already-acting = You can already act for this person.
refusal-invitation-unknown = This invitation link is not valid. Check that you opened the whole link from the e-mail, or ask for a new one.
# A conversation on a proxy's messages page (src/proxy/acting.rs): its subject as written and
# whether it is still open ($status is the stored code).
acting-thread-line = { $subject } ({ $status ->
    [done] closed
   *[open] open
})

## Messages (src/messages/draft.rs, common.rs).
refusal-message-not-sent-title = Your message was not sent
refusal-message-empty = Write your message before sending it.
refusal-message-too-long = Your message is too long: please keep it under { $max } characters.
refusal-message-no-subject = Give your message a subject.
refusal-message-subject-too-long = The subject is too long: please keep it under { $max } characters.
refusal-message-category = Choose what your message is about.
refusal-message-unreadable = The form could not be read. Please go back and try again.
refusal-message-not-received = Your message could not be received right now. Nothing was sent: please try again in a few minutes.
refusal-message-too-many-files = { $max ->
    [one] Attach at most one file to one message.
   *[other] Attach at most { $max } files to one message.
}
refusal-message-file-type = Attachments must be PDF documents or PNG or JPEG pictures. We check the file itself, not its name: please attach a real PDF, PNG or JPEG file.
refusal-message-file-too-large = An attachment is too large: each file may be at most { $mb } MB. Nothing was sent.
refusal-message-all-too-large = { $files ->
    [one] Your message and its attachment are too large: at most one file of { $mb } MB. Nothing was sent.
   *[other] Your message and its attachments are too large: at most { $files } files of { $mb } MB each. Nothing was sent.
}
refusal-message-uploads-busy = Many files are being sent to the portal right now. Nothing was sent: please try again in a minute.
# Who wrote a message in a conversation ($role: clinician, proxy or patient; $patient: whom
# a proxy wrote for).
message-author = { $role ->
    [clinician] { $name } (care team)
    [proxy] { $name } (proxy), for { $patient }
   *[patient] { $name } (patient)
}
# A clinician's request and conversation pages opened by break-the-glass.
break-glass-recorded-banner = Emergency access (break the glass): this is recorded and shown to the patient.

## Appointments (src/appointments/common.rs).
# A proxy's appointment or renewal request as the care team reads who asked
# (src/appointments/common.rs; staff-asked-by-proxy puts it in its sentence).
proxy-signature = { $name } (proxy)
refusal-appt-decided-title = Already decided
refusal-appt-decided = This request was already decided (or changed) by someone else. Nothing was changed: go back and reload the page to see where it stands.
refusal-appt-taken-title = That time is taken
refusal-appt-taken = The clinician already has an appointment at that time. Nothing was booked: choose another time.
refusal-appt-too-late-title = Too late to cancel online
refusal-appt-too-late = This appointment starts too soon to cancel online. Please call the clinic.

## Renewals (src/renewals/patient.rs, staff.rs).
refusal-renewal-deceased = Renewals cannot be requested: this record says the patient has died.
refusal-renewal-already-title = Already requested
refusal-renewal-already = You have already asked for a renewal of this medication; the care team will answer soon.
refusal-renewal-none-title = No renewal
refusal-renewal-decided-title = Already decided
refusal-renewal-decided = This request was already decided by someone else. Nothing was changed: go back and reload the page to see the decision.
refusal-renewal-cannot-title = Cannot be renewed
refusal-renewal-cannot = The patient's record says they have died, so this medication cannot be renewed. Nothing was changed: you can decline the request to close it.

## The step-up sign-in (src/auth/step_up.rs).
refusal-step-up-title = Please sign in again
refusal-step-up-no-auth-time = The sign-in service did not say when you signed in (the auth_time claim), so the portal cannot confirm a fresh sign-in with multi-factor authentication. Please tell the clinic.
refusal-step-up-stale = This needs a fresh sign-in with your password and multi-factor authentication, and this sign-in was not recent enough. Please try again.
refusal-step-up-other-account = The fresh sign-in did not match the account signed in here. Please try again while signed in as yourself.

## A request's preferred days and time of day (src/appointments/common.rs): $days are weekday
## names (format.ftl) joined by commas, or appt-pref-any-weekday; $time is the stored code.
appt-pref-any-weekday = Any weekday
appt-preferences = { $days }; { $time ->
    [morning] Mornings
    [afternoon] Afternoons
   *[any] Any time of day
}
