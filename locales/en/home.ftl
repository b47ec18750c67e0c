# The patient's home page (templates/home.html, src/home.rs).
home-title = Home
home-hello-since = Hello, { $name }. Here is what is new since your last visit on { $date }, and what is waiting.
home-hello-days = Hello, { $name }. Here is what is new in the last { $days } days, and what is waiting.
home-todo = To do
home-results = New test results
home-abnormal = { $count ->
    [one] { $count } outside the usual range is listed first.
   *[other] { $count } outside the usual range are listed first.
} Your care team sees your results too; message them if you have questions.
home-all-results = All your test results
home-more-new = ({ $count } more new)
home-no-results = No new test results.
home-messages = New messages
home-no-messages = No unread messages.
home-your-messages = Your messages
home-upcoming = Upcoming appointments
home-no-upcoming = No upcoming appointments.
home-ask-appointment = Ask for an appointment
home-requests = Your requests
home-no-requests = No open requests for appointments or medication renewals.
home-renewals-answered = Renewals answered
home-renewals-answered-since = Renewals answered since your last visit
home-whole-record = Your whole record
home-who-looked = Who looked at your record
home-set-pharmacy = Set your preferred pharmacy
home-set-pharmacy-why = Renewed prescriptions are sent there.
home-new-reply = New reply, { $when }
home-appointment-request = Appointment request
home-renewal-of = Renewal of { $medication }
home-asked = { $state } (asked { $when })
# The signed-out page and the password-reset help (templates/signed_out.html, reset_help.html).
signed-out-title = Signed out
signed-out-heading = You have signed out
signed-out-shared = Close this browser window if you are on a shared computer.
signed-out-again = Sign in again
reset-help-title = Reset your password
reset-help-steps = Password reset is done on the sign-in page: choose “Sign in”, then “Forgot your password?”, and follow the steps. You will be asked to verify your e-mail address with a code.
reset-help-go = Go to sign-in
