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
