# El registro de accesos (templates/access_log.html, src/audit/pages.rs).
access-log-count = { $count ->
    [one] { $count } acceso
   *[other] { $count } accesos
}
access-title-own = Quién consultó su historial
access-title-other = Quién consultó este historial
access-intro-own = Cada vez que alguien abre su historial, el portal lo anota. Lo más reciente primero.
access-intro-other = Cada vez que alguien abre este historial, el portal lo anota. Lo más reciente primero.
access-download = Descargar este registro (FHIR AuditEvent, JSON)
access-none = Nadie ha abierto este historial todavía.
access-caption = Accesos al historial
access-caption-page = Accesos al historial, página { $page }
access-when = Cuándo
access-who = Quién
access-role = Rol
access-what = Qué
access-reason = Motivo indicado
access-pages = Páginas
access-newer = Entradas más recientes
access-older = Entradas más antiguas
access-back = Volver al historial
# La página de consentimiento SMART (templates/smart_consent.html).
consent-title = Conectar { $app }
consent-heading = ¿Permitir que { $app } lea su historial?
consent-intro = es una aplicación que usted eligió. Pide hacer lo siguiente. Desmarque lo que no quiera compartir. Puede desconectarla en cualquier momento en su
consent-account-page = página de la cuenta
consent-intro-end = , y cada vez que lea su historial, aparecerá en su registro de accesos.
consent-may = { $app } puede
consent-back-to = Después de responder, volverá a la aplicación en
consent-allow = Permitir
consent-deny = No permitir
