# La página de inicio del paciente (templates/home.html, src/home.rs).
home-title = Inicio
home-hello-since = Hola, { $name }. Esto es lo nuevo desde su última visita el { $date }, y lo que está pendiente.
home-hello-days = Hola, { $name }. Esto es lo nuevo de los últimos { $days } días, y lo que está pendiente.
home-todo = Pendiente
home-results = Resultados de pruebas nuevos
home-abnormal = { $count ->
    [one] { $count } fuera del rango habitual aparece primero.
   *[other] { $count } fuera del rango habitual aparecen primero.
} Su equipo de atención también ve sus resultados; envíeles un mensaje si tiene preguntas.
home-all-results = Todos sus resultados de pruebas
home-more-new = ({ $count } nuevos más)
home-no-results = No hay resultados de pruebas nuevos.
home-messages = Mensajes nuevos
home-no-messages = No hay mensajes sin leer.
home-your-messages = Sus mensajes
home-upcoming = Próximas citas
home-no-upcoming = No tiene citas próximas.
home-ask-appointment = Pedir una cita
home-requests = Sus solicitudes
home-no-requests = No hay solicitudes abiertas de citas ni de renovación de medicamentos.
home-renewals-answered = Renovaciones respondidas
home-renewals-answered-since = Renovaciones respondidas desde su última visita
home-whole-record = Todo su historial
home-who-looked = Quién consultó su historial
home-set-pharmacy = Elija su farmacia preferida
home-set-pharmacy-why = Las recetas renovadas se envían allí.
home-new-reply = Respuesta nueva, { $when }
home-appointment-request = Solicitud de cita
home-renewal-of = Renovación de { $medication }
home-asked = { $state } (solicitada el { $when })
# La página de sesión cerrada y la ayuda para restablecer la contraseña.
signed-out-title = Sesión cerrada
signed-out-heading = Ha cerrado la sesión
signed-out-shared = Cierre esta ventana del navegador si está en un ordenador compartido.
signed-out-again = Iniciar sesión de nuevo
reset-help-title = Restablecer su contraseña
reset-help-steps = La contraseña se restablece en la página de inicio de sesión: elija «Iniciar sesión», luego «¿Olvidó su contraseña?», y siga los pasos. Se le pedirá que verifique su dirección de correo electrónico con un código.
reset-help-go = Ir al inicio de sesión
