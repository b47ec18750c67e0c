# Palabras de las páginas del portal que arma el código en Rust (#31): notas y consultas, las
# páginas del personal clínico, compartir y una consulta que el portal no puede leer. Títulos,
# nombres y fechas son argumentos: datos.

## El título de la página de una nota o de una consulta: su título tal como lo da el historial, y su día.
page-words-title-on = { $title } del { $date }

## Lo que contiene una nota (src/records/note_views.rs) y el tamaño de un archivo.
page-words-note-text = Texto
page-words-note-formatted = Texto con formato
page-words-note-pdf = PDF
page-words-entered-in-error = Registrada por error
page-words-size-bytes = { $count ->
    [one] { $count } byte
   *[other] { $count } bytes
}
page-words-size-kb = { $size } KB
page-words-size-mb = { $size } MB

## Acceso de emergencia (src/staff/break_glass.rs): los motivos, por su código guardado.
page-words-reason-emergency-treatment = Tratamiento de emergencia
page-words-reason-unable-to-consent = El paciente no puede dar su consentimiento
page-words-reason-urgent-request = Solicitud clínica urgente de otro profesional
page-words-reason-other = Otro motivo
# En el registro de accesos: el motivo elegido y después las palabras del profesional.
page-words-reason-with-words = { $reason }: { $words }
page-words-bg-choose-reason = Elija el motivo para abrir esta historia clínica.
page-words-bg-describe = Describa la situación en pocas palabras: el paciente lo verá.
page-words-bg-too-long = La descripción debe tener menos de { $max } caracteres.
page-words-bg-banner = Acceso de emergencia (romper el cristal) hasta las { $time }
# Por qué se rechazó el acceso de emergencia después de volver a iniciar sesión: un título y una frase.
page-words-bg-stale-title = Vuelva a iniciar sesión
page-words-bg-stale = Para abrir una historia clínica fuera de su equipo de atención hace falta iniciar sesión de nuevo con autenticación multifactor, y este inicio de sesión no fue lo bastante reciente. Vuelva a empezar.
page-words-bg-no-auth-time-title = El acceso de emergencia no está disponible
page-words-bg-no-auth-time = El servicio de inicio de sesión no indicó cuándo inició sesión (la notificación auth_time), así que el portal no puede confirmar un inicio de sesión reciente con autenticación multifactor. Pida al administrador del portal que agregue auth_time a los tokens; mientras tanto, no se puede conceder el acceso de emergencia.
page-words-bg-expired-title = Esta solicitud ha vencido
page-words-bg-expired = Pasó demasiado tiempo entre indicar el motivo y volver a iniciar sesión. Vuelva a empezar.
page-words-bg-used-title = Esta solicitud ya se usó
page-words-bg-used = Esta solicitud de acceso de emergencia ya se completó. Abra la historia clínica o vuelva a empezar.
page-words-bg-mismatch-title = No se concedió el acceso de emergencia
page-words-bg-mismatch = El nuevo inicio de sesión no coincide con la solicitud. Vuelva a empezar con su propia sesión iniciada.

## La lista de trabajo y la búsqueda del personal clínico (src/staff/home.rs, src/staff/search.rs).
# Una solicitud de cita: su estado y cuándo la pidió el paciente.
page-words-asked-state = { $state } (solicitud del { $when })
# Una solicitud de renovación: el medicamento y cuándo la pidió el paciente.
page-words-asked-medication = { $medication }, solicitud del { $when }
page-words-search-empty = Escriba un nombre, una fecha de nacimiento (AAAA-MM-DD) o un número de historia clínica (MRN).
page-words-search-too-long = Esa búsqueda es demasiado larga.
page-words-search-family-first = Escriba el apellido antes de la coma, por ejemplo "Pérez, María".
page-words-search-two-letters = Escriba al menos dos letras del apellido.

## Un código de activación para un historial ya vinculado (src/staff/codes.rs).
page-words-code-linked-title = Este paciente ya tiene una cuenta del portal
page-words-code-linked = El historial ya está vinculado a una cuenta del portal, así que un código de activación no serviría.

## Compartir (src/sharing/pages.rs).
page-words-qr-health-card = Código QR de su tarjeta de vacunación
page-words-qr-share-link = Código QR del enlace para compartir
# El estado de un enlace para compartir (src/sharing/pages.rs).
page-words-share-state-active = Activo
page-words-share-state-expired = Vencido
page-words-share-state-revoked = Revocado
page-words-share-state-disabled = Desactivado tras códigos de acceso incorrectos
# Qué pasó con un intento de abrir un enlace.
page-words-share-opened = Abierto
page-words-share-wrong-passcode = Código de acceso incorrecto
page-words-share-disabled-now = Código de acceso incorrecto; enlace desactivado
page-words-share-gone = Rechazado: el enlace ya no funciona
page-words-share-bad-request = Rechazado: no se pudo leer la solicitud
page-words-share-other = Otro
# El período de resultados de laboratorio que comparte un enlace: dos días, escritos en el idioma de la página.
page-words-share-period = del { $from } al { $to }
# Los errores del formulario ($max: caracteres de una etiqueta; $min y $most: los de un código de acceso).
page-words-share-choose-content = Elija qué desea compartir.
page-words-share-choose-expiry = Elija por cuánto tiempo funciona el enlace.
page-words-share-label = La etiqueta es una sola línea de { $max } caracteres como máximo.
page-words-share-passcode = Un código de acceso tiene de { $min } a { $most } caracteres (o déjelo vacío si no quiere usar ninguno).
page-words-share-period-days = Para los resultados de laboratorio, indique el primer y el último día del período (AAAA-MM-DD).
page-words-share-period-order = El primer día del período es posterior al último.

## Una consulta que el portal no puede leer (src/startup.rs).
page-words-query-unreadable = La dirección tiene un parámetro que no podemos leer.
