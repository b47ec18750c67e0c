# Una conversación (templates/messages_thread.html).
thread-all-messages = Todos los mensajes
thread-assigned-to = Asignado a
thread-nobody-yet = Nadie todavía
thread-assign-to-me = Asignármelo
thread-reopen = Reabrir
thread-mark-done = Marcar como resuelto
# El autor de los mensajes propios, antes de su fecha: "Usted, 3 de marzo de 2024".
thread-you = Usted
thread-sent = Mensaje enviado.
thread-your-reply = Su respuesta
thread-send-reply = Enviar respuesta
# La bandeja de entrada de los equipos de atención (templates/messages_inbox.html).
inbox-heading = Mensajes de sus pacientes
inbox-intro = La bandeja de entrada de sus equipos de atención: primero las conversaciones sin leer. Abrir una conversación queda registrado en el registro de accesos del paciente.
inbox-all-patients = Todos los pacientes
inbox-done = Resuelta
inbox-all = Todas
inbox-mine = Solo las asignadas a mí
inbox-show = Mostrar
inbox-none = Ninguna conversación coincide.
inbox-unread = (sin leer)
inbox-nobody = Nadie
inbox-conversations = Conversaciones
# La bandeja de salida de desarrollo (templates/messages_outbox.html).
outbox-title = Bandeja de salida de desarrollo
# Seguido del nombre del ajuste entre paréntesis.
outbox-no-server = No hay ningún servidor de correo configurado
outbox-intro = así que aquí se muestran en su lugar los correos de aviso que enviaría el portal. Esta página no existe en producción.
outbox-none = Aún no hay correos.
outbox-to = Para
outbox-sent = Enviado
