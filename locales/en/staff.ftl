# The clinicians' pages (templates/staff_*.html, macros/worklist.html). Statuses, kinds, reasons
# and times come from the Rust code as values.

## Shared by several staff pages.
staff-patient = Patient
staff-name = Name
staff-date-of-birth = Date of birth
staff-mrn = MRN
staff-status = Status
staff-asked = Asked
staff-reason = Reason
staff-decline = Decline
staff-decline-reason = Reason (the patient sees it)
staff-medication = Medication

## The worklist (staff_home.html).
staff-home-title = Worklist
staff-home-heading = Your worklist
staff-work-messages = Unread team messages
staff-work-messages-count = Unread team messages ({ $count })
staff-work-messages-all = All team messages
staff-work-messages-none = Nothing unread from your care team's patients.
staff-work-appointments = Appointment requests waiting
staff-work-appointments-count = Appointment requests waiting ({ $count })
staff-work-appointments-all = All appointment requests
staff-work-appointments-none = No appointment requests waiting.
staff-work-renewals = Renewal requests waiting
staff-work-renewals-count = Renewal requests waiting ({ $count })
staff-work-renewals-all = All renewal requests
staff-work-renewals-none = No medication renewal requests waiting.
staff-work-in-all = ({ $count } in all)
staff-work-today = Your appointments today
staff-work-today-none = No appointments booked with you today.
staff-work-your-day = Your day
staff-work-times-in = (times in { $zone })
staff-work-recent = Charts you opened recently
staff-work-recent-none = None yet.
staff-find = Find a patient
staff-find-hint = Family name, "family, given" or "given family" (the start of each is enough), date of birth as YYYY-MM-DD, or MRN.
staff-search = Search
staff-results = Search results
staff-results-none = No patient matches that search.
staff-results-count = { $total ->
    [one] { $total } patient matches.
   *[other] { $total } patients match.
}
staff-results-count-paged = { $total ->
    [one] { $total } patient matches; showing { $first }–{ $last }.
   *[other] { $total } patients match; showing { $first }–{ $last }.
}
staff-results-break-glass = Opening a chart outside your care team needs break-the-glass.
staff-result-pages = Result pages
staff-previous-page = Previous page
staff-next-page = Next page
staff-page-of = Page { $page } of { $pages }
staff-team = Your care team's patients
staff-team-none = You are not on any patient's care team yet. An administrator adds clinicians to care teams.

## Break the glass (staff_break_glass.html).
staff-bg-title = Break the glass
staff-bg-about = You are about to open the chart of { $name } (born { $born }, MRN { $mrn }), who is not on your care team.
staff-bg-emergency = Do this only in an emergency. Then:
staff-bg-sign-in-again = you sign in again at once, with multi-factor authentication;
staff-bg-minutes = { $minutes ->
    [one] you can read this chart for { $minutes } minute;
   *[other] you can read this chart for { $minutes } minutes;
}
staff-bg-recorded = your name, the time and the reason you give here are recorded in the audit log,
staff-bg-patient-sees = and the patient sees them.
staff-bg-details = What is happening? (required; the patient will read this)
staff-bg-submit = Sign in again and open the chart
staff-cancel = Cancel

## The staff part of a chart (staff_chart_panel.html).
staff-panel-account = Portal account
staff-panel-linked = This patient's record is linked to a portal account.
staff-panel-not-linked = This record is not linked to a portal account yet. Give the patient an activation code to link it.
staff-panel-codes = Outstanding activation codes
staff-panel-issued = Issued
staff-panel-expires = Expires
staff-panel-action = Action
staff-panel-revoke = Revoke
staff-panel-issue = Issue activation code
staff-panel-access-log = Who has opened this chart
staff-panel-guardian = Parent or guardian
staff-panel-guardian-intro = For a patient under 18: after checking the documents that show the guardianship, send the parent or guardian an invitation to act for the patient with their own account.
staff-panel-guardian-email = Their e-mail address
staff-panel-guardian-documents = I have checked the documents that show the guardianship
staff-panel-guardian-invite = Invite the guardian

## A new activation code, printed for the patient (staff_activation_code.html).
staff-code-title = Activation code
staff-code-heading = Your patient portal activation code
staff-code-for = For
staff-code-valid = This code works once, and only until { $expires }. Keep it private.
staff-code-how = How to open your account
staff-code-step-go = Go to
staff-code-step-sign-up = Choose “Sign in”, then “Sign up now”.
staff-code-step-email = Enter your e-mail address and the verification code we e-mail you.
staff-code-step-password = Choose a password, then set up your phone for sign-in codes.
staff-code-step-activate = When the portal asks for it, enter this activation code and your date of birth.
staff-code-expired = If the code has expired or does not work, ask your clinic for a new one.
staff-code-once = This code is shown only once. Print this page (your browser's Print command) or copy the code for the patient now; it cannot be displayed again.
staff-code-back = Back to the chart

## Appointment requests (staff_appointments.html, staff_appointments_day.html, staff_appointment.html).
staff-appts-title = Appointment requests
staff-appts-today = Your appointments today
staff-renewals-link = Renewal requests
staff-appts-waiting = Waiting for an answer
staff-appts-none = No open requests from your care team's patients.
staff-appts-kind = Kind
staff-day-title = Appointments on { $date }
staff-day-heading = Your appointments on { $date }
staff-day-days = Days
staff-day-previous = Previous day
staff-day-next = Next day
staff-day-requests = Requests
staff-day-other = Show another day
staff-day-show = Show
staff-times-in = Times in { $zone }.
staff-day-none = No appointments booked with you that day.
staff-time = Time
staff-where = Where
staff-appt-title = Appointment for { $name }
staff-appt-all = All requests
staff-appt-reason = Reason
staff-appt-asked-for = Asked for
staff-appt-time = Time
staff-appt-with = with { $clinician }
staff-appt-reason-given = Reason given
staff-appt-book-heading = Book or propose a time
staff-appt-book-hint = Date and time in { $zone }. You are the clinician: a time that overlaps one of your appointments is refused.
staff-appt-date = Date
staff-appt-length = Length in minutes
staff-appt-place = Place, or the video link (https://…)
staff-appt-book = Book this time
staff-appt-propose = Propose this time to the patient
staff-appt-decline = Decline the request
staff-appt-complete = Mark completed
staff-appt-no-show = Mark missed (no-show)
staff-appt-cancel = Cancel the appointment

## Medication renewals (staff_renewals.html, staff_renewal.html).
staff-renewals-title = Renewal requests
staff-renewals-heading = Medication renewal requests
staff-appts-link = Appointment requests
staff-renewals-none = No renewal requests from your care team's patients.
staff-renewal-of = : renewal of { $medication }
staff-renewal-title = Renewal for { $name }
staff-renewal-all = All renewal requests
staff-renewal-medications = (medications)
staff-renewal-note = Note
staff-renewal-no-note = None
staff-renewal-pharmacy = Preferred pharmacy
staff-renewal-no-pharmacy = Not given
staff-renewal-by = by { $name }
staff-renewal-quantity = quantity { $quantity }
staff-renewal-refills = { $count ->
    [one] { $count } refill
   *[other] { $count } refills
}
staff-renewal-deceased = The patient's record says they have died, so this medication cannot be renewed. Decline the request to close it.
staff-renewal-approve = Approve
staff-renewal-new-quantity = New quantity (optional)
staff-renewal-refills-label = Refills (optional)
staff-renewal-approve-button = Approve the renewal
staff-renewal-decline-button = Decline the renewal
