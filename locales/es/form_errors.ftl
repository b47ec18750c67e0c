# Errores de formulario que se muestran en la página 400 (AppError::bad_request), en el idioma
# de la solicitud.
form-error-appointment-no-reason = Indique para qué es la cita. No se envió nada.
form-error-appointment-reason-too-long = El motivo puede tener como máximo { $max } caracteres de texto sin formato. No se envió nada.
form-error-appointment-time = Elija mañanas, tardes o cualquier hora.
form-error-appointment-mode = Elija en persona o por video.
form-error-renewal-no-medication = Elija un medicamento para renovar.
form-error-renewal-note-too-long = La nota puede tener como máximo { $max } caracteres de texto sin formato. No se envió nada.
form-error-pharmacy-too-long = La farmacia puede tener como máximo { $max } caracteres en una sola línea.
form-error-notifications-on-off = Elija activar o desactivar.
form-error-not-this-form = Este formulario no puede hacer eso.
form-error-decline-reason = Indique un motivo al paciente (como máximo 500 caracteres).
form-error-date-format = Escriba la fecha como AAAA-MM-DD.
form-error-date-out-of-range = Esa fecha está fuera del rango posible.
form-error-time-format = Escriba la hora como HH:MM (formato de 24 horas).
form-error-length-minutes = La duración debe ser de 5 a 480 minutos.
form-error-time-ambiguous = Esa hora no existe o se repite en la zona horaria de la clínica (es cuando cambia la hora). Elija otra hora.
form-error-time-passed = Esa hora ya pasó. Elija una hora futura.
form-error-place = Indique dónde (una dirección o una sala, como máximo 200 caracteres) o dé el enlace de video.
form-error-video-link = Un enlace de video debe ser una dirección https:// válida.
form-error-whole-number = { $what ->
    [quantity] La cantidad debe ser un número entero de 0 a { $max }.
   *[refills] El número de renovaciones debe ser un número entero de 0 a { $max }.
}
# Conectar una aplicación (src/smart/routes.rs).
form-error-smart-post-not-form = Una solicitud de autorización enviada por POST debe ser un formulario (application/x-www-form-urlencoded).
form-error-smart-parameter-twice = { $name } aparece más de una vez
form-error-smart-app-unknown = La aplicación que le envió aquí no está registrada en este portal.
form-error-smart-redirect-unknown = La aplicación pidió devolverle a una dirección que no ha registrado. No se compartió nada.
form-error-smart-request-expired-restart = Esta solicitud para conectar una aplicación caducó o ya se respondió. Vuelva a la aplicación y empiece de nuevo.
form-error-smart-request-expired = Esta solicitud para conectar una aplicación caducó o ya se respondió.
form-error-smart-app-gone = Esta aplicación ya no está registrada.
form-error-smart-not-requested = El formulario pidió algo que la aplicación no solicitó.
# Registrar a un tutor (src/proxy/guardian.rs).
form-error-guardian-adult = Este paciente es mayor de edad: no se puede registrar un tutor. Un paciente adulto puede invitar a alguien a actuar en su nombre desde su propia cuenta.
form-error-guardian-documents = Confirme que revisó los documentos que acreditan la tutela.
form-error-guardian-email = Escriba la dirección de correo electrónico del tutor.
