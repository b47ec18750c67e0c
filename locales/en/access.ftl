# The access log (templates/access_log.html, src/audit/pages.rs).
access-log-count = { $count ->
    [one] { $count } access
   *[other] { $count } accesses
}
access-title-own = Who looked at your record
access-title-other = Who looked at this record
access-intro-own = Every time someone opens your record, the portal writes it down. Newest first.
access-intro-other = Every time someone opens this record, the portal writes it down. Newest first.
access-download = Download this log (FHIR AuditEvent, JSON)
access-none = No one has opened this record yet.
access-caption = Access to the record
access-caption-page = Access to the record, page { $page }
access-when = When
access-who = Who
access-role = Role
access-what = What
access-reason = Reason given
access-pages = Pages
access-newer = Newer entries
access-older = Older entries
access-back = Back to the record
# The SMART consent page (templates/smart_consent.html); the app's name is the app's own.
consent-title = Connect { $app }
consent-heading = Allow { $app } to read your record?
consent-intro = is an app you chose. It asks to do the following. Untick anything you do not want to share. You can disconnect it at any time on your
consent-account-page = account page
consent-intro-end = , and every time it reads your record, it appears in your access log.
consent-may = { $app } may
consent-back-to = After you answer, you go back to the app at
consent-allow = Allow
consent-deny = Do not allow
