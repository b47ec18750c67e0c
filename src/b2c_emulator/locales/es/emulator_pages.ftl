# Las páginas del emulador fuera de un flujo de usuario: la página de error (con las palabras
# de B2C), la bandeja de salida de desarrollo, la página de form_post y la de sesión cerrada. Lo
# que B2C dice que salió mal (un código AADB2C y su frase) llega del código en Rust como valor.
error-title = Error
error-heading = Lo sentimos, pero tenemos problemas para iniciar su sesión.
error-try-again = Hacemos un seguimiento automático de estos errores, pero si el problema continúa, no dude en ponerse en contacto con nosotros. Mientras tanto, vuelva a intentarlo.
error-correlation = Id. de correlación: { $id }
error-timestamp = Marca de tiempo: { $time }
outbox-title = Bandeja de salida de desarrollo
outbox-intro = Mensajes de texto, llamadas y correos electrónicos que el emulador habría enviado, del más reciente al más antiguo. Nada sale de este equipo.
outbox-caption = Mensajes entregados
outbox-time = Hora
outbox-to = Para
outbox-kind = Tipo
outbox-message = Mensaje
outbox-none = Todavía no hay mensajes.
form-post-title = Volviendo a la aplicación
form-post-intro = Su navegador le está llevando de vuelta a la aplicación. Si no pasa nada, elija { $button }.
signed-out-title = Sesión cerrada
signed-out-heading = Ha cerrado la sesión
signed-out-intro = Se ha cerrado su sesión del emulador de B2C. Ya puede cerrar esta ventana.
