# The access log (templates/access_log.html, src/audit/pages.rs).
access-log-count = { $count ->
    [one] { $count } access
   *[other] { $count } accesses
}
