# Las páginas del personal clínico (templates/staff_*.html, macros/worklist.html). Los estados,
# tipos, motivos y horas llegan del código en Rust como valores.

## Compartidos por varias páginas del personal.
staff-patient = Paciente
staff-name = Nombre
staff-date-of-birth = Fecha de nacimiento
staff-mrn = N.º de historia clínica
staff-status = Estado
staff-asked = Solicitada
staff-reason = Motivo
staff-decline = Rechazar
staff-decline-reason = Motivo (el paciente lo verá)
staff-medication = Medicamento

## La lista de trabajo (staff_home.html).
staff-home-title = Lista de trabajo
staff-home-heading = Su lista de trabajo
staff-work-messages = Mensajes del equipo sin leer
staff-work-messages-count = Mensajes del equipo sin leer ({ $count })
staff-work-messages-all = Todos los mensajes del equipo
staff-work-messages-none = No hay nada sin leer de los pacientes de su equipo de atención.
staff-work-appointments = Solicitudes de cita pendientes
staff-work-appointments-count = Solicitudes de cita pendientes ({ $count })
staff-work-appointments-all = Todas las solicitudes de cita
staff-work-appointments-none = No hay solicitudes de cita pendientes.
staff-work-renewals = Solicitudes de renovación pendientes
staff-work-renewals-count = Solicitudes de renovación pendientes ({ $count })
staff-work-renewals-all = Todas las solicitudes de renovación
staff-work-renewals-none = No hay solicitudes de renovación de medicamentos pendientes.
staff-work-in-all = ({ $count } en total)
staff-work-today = Sus citas de hoy
staff-work-today-none = Hoy no tiene citas programadas.
staff-work-your-day = Su día
staff-work-times-in = (horas en { $zone })
staff-work-recent = Historias clínicas que abrió hace poco
staff-work-recent-none = Ninguna todavía.
staff-find = Buscar un paciente
staff-find-hint = Apellido, "apellido, nombre" o "nombre apellido" (basta con el comienzo de cada uno), fecha de nacimiento como AAAA-MM-DD, o número de historia clínica (MRN).
staff-search = Buscar
staff-results = Resultados de la búsqueda
staff-results-none = Ningún paciente coincide con esa búsqueda.
staff-results-count = { $total ->
    [one] { $total } paciente coincide.
   *[other] { $total } pacientes coinciden.
}
staff-results-count-paged = { $total ->
    [one] { $total } paciente coincide; se muestran del { $first } al { $last }.
   *[other] { $total } pacientes coinciden; se muestran del { $first } al { $last }.
}
staff-results-break-glass = Para abrir la historia clínica de alguien que no está en su equipo de atención, debe usar el acceso de emergencia.
staff-result-pages = Páginas de resultados
staff-previous-page = Página anterior
staff-next-page = Página siguiente
staff-page-of = Página { $page } de { $pages }
staff-team = Los pacientes de su equipo de atención
staff-team-none = Todavía no forma parte del equipo de atención de ningún paciente. Un administrador asigna a los profesionales clínicos a los equipos de atención.

## Acceso de emergencia (staff_break_glass.html).
staff-bg-title = Acceso de emergencia
staff-bg-about = Está a punto de abrir la historia clínica de { $name } (nacido/a el { $born }, n.º de historia clínica { $mrn }), que no está en su equipo de atención.
staff-bg-emergency = Hágalo solo en una emergencia. Después:
staff-bg-sign-in-again = volverá a iniciar sesión de inmediato, con autenticación multifactor;
staff-bg-minutes = { $minutes ->
    [one] podrá leer esta historia clínica durante { $minutes } minuto;
   *[other] podrá leer esta historia clínica durante { $minutes } minutos;
}
staff-bg-recorded = su nombre, la hora y el motivo que indique aquí quedan anotados en el registro de auditoría,
staff-bg-patient-sees = y el paciente los ve.
staff-bg-details = ¿Qué está pasando? (obligatorio; el paciente lo leerá)
staff-bg-submit = Volver a iniciar sesión y abrir la historia clínica
staff-cancel = Cancelar

## La parte del personal en una historia clínica (staff_chart_panel.html).
staff-panel-account = Cuenta del portal
staff-panel-linked = La historia clínica de este paciente está vinculada a una cuenta del portal.
staff-panel-not-linked = Esta historia clínica todavía no está vinculada a una cuenta del portal. Dele al paciente un código de activación para vincularla.
staff-panel-codes = Códigos de activación pendientes
staff-panel-issued = Emitido
staff-panel-expires = Vence
staff-panel-action = Acción
staff-panel-revoke = Revocar
staff-panel-issue = Emitir un código de activación
staff-panel-access-log = Quién ha abierto esta historia clínica
staff-panel-guardian = Padre, madre o tutor legal
staff-panel-guardian-intro = Para un paciente menor de 18 años: después de revisar los documentos que acreditan la tutela, envíe al padre, la madre o el tutor legal una invitación para actuar en nombre del paciente con su propia cuenta.
staff-panel-guardian-email = Su dirección de correo electrónico
staff-panel-guardian-documents = He revisado los documentos que acreditan la tutela
staff-panel-guardian-invite = Invitar al tutor

## Un código de activación nuevo, impreso para el paciente (staff_activation_code.html).
staff-code-title = Código de activación
staff-code-heading = Su código de activación del portal del paciente
staff-code-for = Para
staff-code-valid = Este código funciona una sola vez, y solo hasta el { $expires }. No lo comparta.
staff-code-how = Cómo abrir su cuenta
staff-code-step-go = Vaya a
staff-code-step-sign-up = Elija «Iniciar sesión» y luego «Registrarse ahora».
staff-code-step-email = Escriba su dirección de correo electrónico y el código de verificación que le enviaremos por correo.
staff-code-step-password = Elija una contraseña y luego configure su teléfono para recibir los códigos de inicio de sesión.
staff-code-step-activate = Cuando el portal se lo pida, escriba este código de activación y su fecha de nacimiento.
staff-code-expired = Si el código venció o no funciona, pida uno nuevo a su clínica.
staff-code-once = Este código se muestra una sola vez. Imprima esta página (con el comando Imprimir de su navegador) o copie ahora el código para el paciente; no se podrá volver a mostrar.
staff-code-back = Volver a la historia clínica

## Solicitudes de cita (staff_appointments.html, staff_appointments_day.html, staff_appointment.html).
staff-appts-title = Solicitudes de cita
staff-appts-today = Sus citas de hoy
staff-renewals-link = Solicitudes de renovación
staff-appts-waiting = En espera de respuesta
staff-appts-none = No hay solicitudes abiertas de los pacientes de su equipo de atención.
staff-appts-kind = Tipo
staff-day-title = Citas del { $date }
staff-day-heading = Sus citas del { $date }
staff-day-days = Días
staff-day-previous = Día anterior
staff-day-next = Día siguiente
staff-day-requests = Solicitudes
staff-day-other = Ver otro día
staff-day-show = Ver
staff-times-in = Horas en { $zone }.
staff-day-none = No tiene citas programadas ese día.
staff-time = Hora
staff-where = Lugar
staff-appt-title = Cita de { $name }
staff-appt-all = Todas las solicitudes
staff-appt-reason = Motivo
staff-appt-asked-for = Pidió
staff-appt-time = Hora
staff-appt-with = con { $clinician }
staff-appt-reason-given = Motivo indicado
staff-appt-book-heading = Reservar o proponer una hora
staff-appt-book-hint = Fecha y hora en { $zone }. Usted es el profesional clínico: no se acepta una hora que se superponga con una de sus citas.
staff-appt-date = Fecha
staff-appt-length = Duración en minutos
staff-appt-place = Lugar, o el enlace de vídeo (https://…)
staff-appt-book = Reservar esta hora
staff-appt-propose = Proponer esta hora al paciente
staff-appt-decline = Rechazar la solicitud
staff-appt-complete = Marcar como completada
staff-appt-no-show = Marcar como no presentada (el paciente no vino)
staff-appt-cancel = Cancelar la cita

## Renovaciones de medicamentos (staff_renewals.html, staff_renewal.html).
staff-renewals-title = Solicitudes de renovación
staff-renewals-heading = Solicitudes de renovación de medicamentos
staff-appts-link = Solicitudes de cita
staff-renewals-none = No hay solicitudes de renovación de los pacientes de su equipo de atención.
staff-renewal-of = : renovación de { $medication }
staff-renewal-title = Renovación para { $name }
staff-renewal-all = Todas las solicitudes de renovación
staff-renewal-medications = (medicamentos)
staff-renewal-note = Nota
staff-renewal-no-note = Ninguna
staff-renewal-pharmacy = Farmacia preferida
staff-renewal-no-pharmacy = No indicada
staff-renewal-by = por { $name }
staff-renewal-quantity = cantidad: { $quantity }
staff-renewal-refills = { $count ->
    [one] { $count } resurtido
   *[other] { $count } resurtidos
}
staff-renewal-deceased = La historia clínica del paciente indica que ha fallecido, así que este medicamento no se puede renovar. Rechace la solicitud para cerrarla.
staff-renewal-approve = Aprobar
staff-renewal-new-quantity = Cantidad nueva (opcional)
staff-renewal-refills-label = Resurtidos (opcional)
staff-renewal-approve-button = Aprobar la renovación
staff-renewal-decline-button = Rechazar la renovación
