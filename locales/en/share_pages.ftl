# Making a share link and the list of one's links (templates/share_new.html,
# templates/share_list.html). What a link shares, its state, period and dates, and an attempt's
# result come from sharing:: as values.
share-new-title = Share your record
share-new-heading = Share your record with a link
share-new-intro = You make a link (and a QR code) that opens what you choose, for as long as you choose. Give it to a doctor, a clinic or a school: their app reads it with the SMART Health Links standard. The link carries its own key, so only someone who has the link can read what it opens.
share-new-revoke = You can revoke it at any time on your shared links, and each time someone opens it, you see it there and in your access log.
share-new-your-links = Your shared links
share-new-access-log = Your access log
share-new-what = What to share
share-new-summary = Patient summary (problems, medicines, allergies, immunizations, latest results, procedures)
share-new-immunizations = Immunizations (with a verifiable vaccination card)
share-new-labs = Lab results of a period (give the days below)
share-new-record = Your whole record
share-new-period = Period, for lab results only
share-new-first-day = First day
share-new-last-day = Last day
share-new-works-for = The link works for
share-new-days = { $count ->
    [one] { $count } day
   *[other] { $count } days
}
share-new-week = 1 week
share-new-label = Label (optional)
share-new-label-hint = Shown to whoever opens the link, e.g. "For Dr Ortega". At most { $max } characters.
share-new-passcode = Passcode (optional)
share-new-passcode-hint = At least { $min } characters. Tell it to the recipient separately (not with the link). After 5 wrong tries the link stops working.
share-new-make = Make the link
share-new-back = Back to your shared links
share-list-title = Your shared links
share-list-intro = Links you made to share your record, and every attempt to open them. Revoking a link stops it at once for everyone.
share-list-new = Make a new link
share-list-card = Your immunization card
share-list-none = You have not shared your record yet.
share-list-shares = Shares
share-list-made = Made
share-list-until = Works until
share-list-no-end = No end date
share-list-passcode = Passcode
share-list-yes = Yes
share-list-no = No
share-list-status = Status
share-list-opened = Opened
share-list-times = { $count ->
    [one] { $count } time
   *[other] { $count } times
}
share-list-attempts-of = Attempts to open link { $n }
share-list-attempts = Attempts to open this link
share-list-when = When
share-list-recipient = Recipient (as they named themselves)
share-list-result = Result
share-list-revoke = Revoke this link
# Read by screen readers after the button: which link, and when it was made.
share-list-revoke-which = ({ $what }, made { $made })
