# Words of portal pages that Rust puts together (#31): notes and visits, the clinicians' pages,
# sharing and a query the portal cannot read. Titles, names and dates are arguments: data.

## A note's or a visit's page title: its title as the record gives it, and its day.
page-words-title-on = { $title } on { $date }

## What a note holds (src/records/note_views.rs), and a file's size.
page-words-note-text = Text
page-words-note-formatted = Formatted text
page-words-note-pdf = PDF
page-words-entered-in-error = Entered in error
page-words-size-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
page-words-size-kb = { $size } KB
page-words-size-mb = { $size } MB

## Break-the-glass (src/staff/break_glass.rs): the reasons, by their stored code.
page-words-reason-emergency-treatment = Emergency treatment
page-words-reason-unable-to-consent = Patient unable to consent
page-words-reason-urgent-request = Urgent clinical request from another clinician
page-words-reason-other = Other
# On the access log: the reason chosen, then the clinician's own words.
page-words-reason-with-words = { $reason }: { $words }
page-words-bg-choose-reason = Choose the reason for opening this chart.
page-words-bg-describe = Describe the situation in a few words: the patient will see it.
page-words-bg-too-long = Please keep the description under { $max } characters.
page-words-bg-banner = Emergency access (break the glass) until { $time }
# Why emergency access was refused after the fresh sign-in: a title and a sentence each.
page-words-bg-stale-title = Please sign in again
page-words-bg-stale = Opening a chart outside your care team needs a fresh sign-in with multi-factor authentication, and this sign-in was not recent enough. Please start again.
page-words-bg-no-auth-time-title = Emergency access is not available
page-words-bg-no-auth-time = The sign-in service did not say when you signed in (the auth_time claim), so the portal cannot confirm a fresh sign-in with multi-factor authentication. Ask the portal's administrator to add auth_time to the tokens; until then, emergency access cannot be granted.
page-words-bg-expired-title = This request has expired
page-words-bg-expired = Too much time passed between stating the reason and signing in again. Please start again.
page-words-bg-used-title = This request was already used
page-words-bg-used = This emergency access request has already been completed. Open the chart, or start again.
page-words-bg-mismatch-title = Emergency access was not granted
page-words-bg-mismatch = The fresh sign-in did not match the request. Please start again while signed in as yourself.

## The clinician's worklist and search (src/staff/home.rs, src/staff/search.rs).
# An appointment request: its state and when the patient asked.
page-words-asked-state = { $state } (asked { $when })
# A renewal request: the medication and when the patient asked.
page-words-asked-medication = { $medication }, asked { $when }
page-words-search-empty = Type a name, a date of birth (YYYY-MM-DD) or an MRN.
page-words-search-too-long = That search is too long.
page-words-search-family-first = Type the family name before the comma, e.g. "Smith, Mary".
page-words-search-two-letters = Type at least two letters of the family name.

## An activation code for a record already linked (src/staff/codes.rs).
page-words-code-linked-title = This patient already has a portal account
page-words-code-linked = The record is already linked to a portal account, so an activation code would not work.

## Sharing (src/sharing/pages.rs).
page-words-qr-health-card = QR code of your immunization card
page-words-qr-share-link = QR code of the share link
# A share link's state (src/sharing/pages.rs).
page-words-share-state-active = Active
page-words-share-state-expired = Expired
page-words-share-state-revoked = Revoked
page-words-share-state-disabled = Disabled after wrong passcodes
# What became of an attempt to open a link.
page-words-share-opened = Opened
page-words-share-wrong-passcode = Wrong passcode
page-words-share-disabled-now = Wrong passcode; link disabled
page-words-share-gone = Refused: the link no longer works
page-words-share-bad-request = Refused: the request could not be read
page-words-share-other = Other
# The period of lab results a link shares: two days, written in the page's language.
page-words-share-period = { $from } to { $to }
# The form's errors ($max: a label's characters; $min and $most: a passcode's).
page-words-share-choose-content = Choose what to share.
page-words-share-choose-expiry = Choose how long the link works.
page-words-share-label = The label is one line of at most { $max } characters.
page-words-share-passcode = A passcode has { $min } to { $most } characters (or leave it empty for none).
page-words-share-period-days = For lab results, give the first and last day of the period (YYYY-MM-DD).
page-words-share-period-order = The period's first day comes after its last.

## A query string the portal cannot read (src/startup.rs).
page-words-query-unreadable = The address has a parameter we cannot read.
