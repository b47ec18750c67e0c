# Rechazos, páginas de conflicto y avisos construidos en Rust (#31): representantes
# (src/proxy/), mensajes (src/messages/), citas (src/appointments/), renovaciones
# (src/renewals/) y el nuevo inicio de sesión (src/auth/step_up.rs), en el idioma de la solicitud.

## Invitar a un representante y aceptar una invitación (src/proxy/pages.rs).
refusal-proxy-end-date-format = Escriba la fecha de fin como una fecha (año-mes-día) o déjela en blanco.
refusal-proxy-end-date-passed = La fecha de fin ya pasó: elija una posterior o déjela en blanco.
refusal-proxy-email = Escriba la dirección de correo electrónico de la persona que invita.
refusal-proxy-scopes = Elija al menos una cosa que la persona pueda hacer por usted.
refusal-proxy-invite-self = Esa es su propia dirección de correo electrónico: usted no puede ser su propio representante.
refusal-proxy-already-proxy = Esta persona ya puede actuar por usted. Para cambiar lo que puede hacer, retírele el acceso e invítela de nuevo.
refusal-proxy-already-invited = Esta persona ya tiene una invitación que todavía no se ha usado.
refusal-invitation-used = Esta invitación ya se usó. Pídale a la persona que lo invitó que le envíe una nueva.
refusal-invitation-expired = Esta invitación venció. Pídale a la persona que lo invitó que le envíe una nueva.
refusal-invitation-own-record = Esta invitación es para su propio historial: usted no puede ser su propio representante.
refusal-invitation-already-acting = Usted ya puede actuar por esta persona.
refusal-invitation-unknown = Este enlace de invitación no es válido. Compruebe que abrió el enlace completo del correo electrónico o pida uno nuevo.
# Una conversación en la página de mensajes de un representante (src/proxy/acting.rs): su
# asunto tal como se escribió y si sigue abierta ($status es el código guardado).
acting-thread-line = { $subject } ({ $status ->
    [done] cerrada
   *[open] abierta
})

## Mensajes (src/messages/draft.rs, common.rs).
refusal-message-not-sent-title = Su mensaje no se envió
refusal-message-empty = Escriba su mensaje antes de enviarlo.
refusal-message-too-long = Su mensaje es demasiado largo: no supere los { $max } caracteres.
refusal-message-no-subject = Escriba un asunto para su mensaje.
refusal-message-subject-too-long = El asunto es demasiado largo: no supere los { $max } caracteres.
refusal-message-category = Elija de qué trata su mensaje.
refusal-message-unreadable = No se pudo leer el formulario. Vuelva atrás e inténtelo de nuevo.
refusal-message-not-received = En este momento no se pudo recibir su mensaje. No se envió nada: inténtelo de nuevo en unos minutos.
refusal-message-too-many-files = { $max ->
    [one] Adjunte como máximo un archivo a cada mensaje.
   *[other] Adjunte como máximo { $max } archivos a cada mensaje.
}
refusal-message-file-type = Los archivos adjuntos deben ser documentos PDF o imágenes PNG o JPEG. Revisamos el archivo en sí, no su nombre: adjunte un archivo PDF, PNG o JPEG real.
refusal-message-file-too-large = Un archivo adjunto es demasiado grande: cada archivo puede tener como máximo { $mb } MB. No se envió nada.
refusal-message-all-too-large = { $files ->
    [one] Su mensaje y su archivo adjunto son demasiado grandes: como máximo un archivo de { $mb } MB. No se envió nada.
   *[other] Su mensaje y sus archivos adjuntos son demasiado grandes: como máximo { $files } archivos de { $mb } MB cada uno. No se envió nada.
}
refusal-message-uploads-busy = En este momento se están enviando muchos archivos al portal. No se envió nada: inténtelo de nuevo en un minuto.
# Quién escribió un mensaje de una conversación ($role: clinician, proxy o patient; $patient:
# por quién escribió un representante).
message-author = { $role ->
    [clinician] { $name } (equipo de atención)
    [proxy] { $name } (representante), en nombre de { $patient }
   *[patient] { $name } (paciente)
}
# Las páginas de solicitudes y conversaciones de un clínico abiertas con acceso de emergencia.
break-glass-recorded-banner = Acceso de emergencia (romper el cristal): queda registrado y el paciente lo puede ver.

## Citas (src/appointments/common.rs).
# Quién pidió una cita o una renovación, si fue un representante, como lo lee el equipo de
# atención (src/appointments/common.rs; staff-asked-by-proxy lo pone en su frase).
proxy-signature = { $name } (representante)
refusal-appt-decided-title = Ya decidida
refusal-appt-decided = Otra persona ya decidió (o cambió) esta solicitud. No se cambió nada: vuelva atrás y recargue la página para ver en qué estado está.
refusal-appt-taken-title = Ese horario está ocupado
refusal-appt-taken = El profesional clínico ya tiene una cita a esa hora. No se reservó nada: elija otro horario.
refusal-appt-too-late-title = Demasiado tarde para cancelar en línea
refusal-appt-too-late = Esta cita empieza demasiado pronto para cancelarla en línea. Llame a la clínica.

## Renovaciones (src/renewals/patient.rs, staff.rs).
refusal-renewal-deceased = No se pueden pedir renovaciones: este historial indica que el paciente falleció.
refusal-renewal-already-title = Ya solicitada
refusal-renewal-already = Usted ya pidió una renovación de este medicamento; el equipo de atención responderá pronto.
refusal-renewal-none-title = Sin renovación
refusal-renewal-decided-title = Ya decidida
refusal-renewal-decided = Otra persona ya decidió esta solicitud. No se cambió nada: vuelva atrás y recargue la página para ver la decisión.
refusal-renewal-cannot-title = No se puede renovar
refusal-renewal-cannot = El historial del paciente indica que falleció, así que este medicamento no se puede renovar. No se cambió nada: puede rechazar la solicitud para cerrarla.

## El nuevo inicio de sesión (src/auth/step_up.rs).
refusal-step-up-title = Inicie sesión de nuevo
refusal-step-up-no-auth-time = El servicio de inicio de sesión no indicó cuándo inició sesión (el dato auth_time), así que el portal no puede confirmar un inicio de sesión reciente con autenticación multifactor. Avise a la clínica.
refusal-step-up-stale = Esto requiere un inicio de sesión reciente con su contraseña y autenticación multifactor, y este inicio de sesión no fue lo bastante reciente. Inténtelo de nuevo.
refusal-step-up-other-account = El nuevo inicio de sesión no corresponde a la cuenta con la que se inició sesión aquí. Inténtelo de nuevo con su propia cuenta.

## Los días y la hora del día que prefiere una solicitud (src/appointments/common.rs): $days son
## nombres de días (format.ftl) separados por comas, o appt-pref-any-weekday; $time es el código
## guardado.
appt-pref-any-weekday = cualquier día entre semana
appt-preferences = { $days }; { $time ->
    [morning] por la mañana
    [afternoon] por la tarde
   *[any] a cualquier hora
}
