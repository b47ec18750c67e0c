# La plantilla base (templates/base.html): todas las páginas.
site-name = Portal del paciente
skip-to-main = Ir al contenido principal
nav-main = Principal
nav-home = Inicio
nav-record = Mi historial
nav-messages = Mensajes
nav-unread = { $count } sin leer
nav-appointments = Citas
nav-account = Cuenta
# Solo para quien tiene un permiso de representante vigente (#29).
nav-acting = Historias que puede abrir por otras personas
nav-signed-in-as = Sesión iniciada como
nav-sign-out = Cerrar sesión
nav-sign-in = Iniciar sesión
footer-privacy = Su información de salud es privada. Cada acceso a su historial queda registrado, y usted puede ver quién lo consultó.
language-switch = Idioma
language-change = Cambiar el idioma a { $name }
nav-share = Compartir
