# El registro de accesos (templates/access_log.html, src/audit/pages.rs).
access-log-count = { $count ->
    [one] { $count } acceso
   *[other] { $count } accesos
}
