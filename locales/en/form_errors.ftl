# Form errors shown on the 400 page (AppError::bad_request), in the request's language.
form-error-appointment-no-reason = Please say what the appointment is for. Nothing was sent.
form-error-appointment-reason-too-long = The reason can be at most { $max } characters of plain text. Nothing was sent.
form-error-appointment-time = Choose mornings, afternoons or any time.
form-error-appointment-mode = Choose in person or video.
form-error-renewal-no-medication = Choose a medication to renew.
form-error-renewal-note-too-long = The note can be at most { $max } characters of plain text. Nothing was sent.
form-error-pharmacy-too-long = The pharmacy can be at most { $max } characters on one line.
form-error-notifications-on-off = Choose on or off.
form-error-not-this-form = That is not something this form can do.
form-error-decline-reason = Give the patient a reason (at most 500 characters).
form-error-date-format = Give the date as YYYY-MM-DD.
form-error-date-out-of-range = That date is out of range.
form-error-time-format = Give the time as HH:MM (24-hour clock).
form-error-length-minutes = The length must be 5 to 480 minutes.
form-error-time-ambiguous = That time does not exist or happens twice in the clinic's time zone (the clocks change then). Choose another time.
form-error-time-passed = That time has passed. Choose a time in the future.
form-error-place = Say where (an address or room, at most 200 characters) or give the video link.
form-error-video-link = A video link must be a valid https:// address.
form-error-whole-number = { $what ->
    [quantity] The quantity must be a whole number from 0 to { $max }.
   *[refills] The number of refills must be a whole number from 0 to { $max }.
}
# Connecting an app (src/smart/routes.rs).
form-error-smart-post-not-form = An authorization request sent by POST must be a form (application/x-www-form-urlencoded).
form-error-smart-parameter-twice = { $name } is given more than once
form-error-smart-app-unknown = The app that sent you here is not registered with this portal.
form-error-smart-redirect-unknown = The app asked to send you back to an address it has not registered. Nothing was shared.
form-error-smart-request-expired-restart = This request to connect an app has expired or was already answered. Go back to the app and start again.
form-error-smart-request-expired = This request to connect an app has expired or was already answered.
form-error-smart-app-gone = This app is no longer registered.
form-error-smart-not-requested = The form asked for something the app did not request.
# Recording a guardian (src/proxy/guardian.rs).
form-error-guardian-adult = This patient is an adult: a guardian cannot be recorded. An adult patient can invite someone to act for them from their own account.
form-error-guardian-documents = Confirm that you have checked the documents that show the guardianship.
form-error-guardian-email = Enter the guardian's e-mail address.
