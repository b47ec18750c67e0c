# Los representantes del paciente (templates/account_proxies.html) y las páginas de un
# representante para las personas por las que actúa (templates/acting.html). Lo que puede hacer
# un representante (permisos), los títulos de las secciones y los nombres llegan de proxy:: como
# valores; las fechas pasan por los filtros de fecha.
proxies-title = Personas que pueden actuar por usted
proxies-intro = Un representante inicia sesión con su propia cuenta y solo puede hacer lo que usted permita. Puede retirarle el acceso en cualquier momento; termina de inmediato.
proxies-yours = Sus representantes
proxies-none = Nadie puede actuar por usted.
proxies-name = Nombre
proxies-may = Puede
proxies-since = Desde
proxies-until = Hasta
proxies-action = Acción
proxies-until-you-end = Hasta que usted lo retire
proxies-end = Retirar el acceso a { $name }
proxies-invitations = Invitaciones aún no aceptadas
proxies-invitation = { $email }: { $scopes } (el enlace funciona hasta el { $expires })
proxies-withdraw = Retirar la invitación a { $email }
proxies-invite = Invitar a alguien
proxies-invite-intro = Le enviamos un correo electrónico con un enlace. No dice quién es usted ni nada sobre su salud. Si no ha iniciado sesión recientemente, se le pedirá que vuelva a iniciarla para invitar a alguien.
proxies-email = Su dirección de correo electrónico
proxies-what = Qué puede hacer por usted
proxies-ends = Hasta (opcional)
proxies-send = Enviar la invitación
acting-page-people = Personas por las que actúa
acting-page-for = Actuando por { $name }
acting-page-none = No actúa por nadie. Cuando alguien le invite, abra el enlace de su correo de invitación.
acting-page-open = Abrir el historial de { $name }
acting-page-you-may = (puede: { $scopes })
acting-page-notice-label = Actuando por otra persona
acting-page-notice = Está actuando por { $name }. Este es su historial, no el de usted; lo que abra queda registrado y esa persona puede verlo.
acting-page-switch = Cambiar de persona
acting-page-own = Volver a su propio historial
acting-page-labs = Resultados de pruebas de { $name }
acting-page-messages = Mensajes de { $name }
acting-page-write = Un mensaje para { $name }
acting-page-appointments = Citas de { $name }
acting-page-renewals = Renovaciones de { $name }
acting-page-record = Historial de { $name }
acting-page-nav = Su historial
acting-page-nav-summary = Resumen
acting-page-nav-labs = Resultados de pruebas
acting-page-nav-messages = Mensajes
acting-page-nav-appointments = Citas
acting-page-nav-renewals = Renovaciones
acting-page-sent = Su mensaje para { $name } se envió al equipo de atención.
acting-page-write-link = Escribir al equipo de atención en nombre de { $name }
acting-page-write-intro = El mensaje se envía desde el historial de { $name } y se firma con su nombre, en nombre de { $name }; la respuesta llegará a los mensajes de esa persona.
acting-page-subject = Asunto
acting-page-body = Su mensaje
acting-page-send = Enviar el mensaje
acting-page-cancel = Cancelar
# Las secciones de las páginas de un representante, por su título en inglés en
# src/proxy/acting.rs (en minúsculas, con "-" en lugar de espacios); un título sin mensaje aquí
# se muestra tal cual.
acting-section-conditions = Afecciones
acting-section-medications = Medicamentos
acting-section-allergies = Alergias
acting-section-test-results = Resultados de pruebas
acting-section-conversations-with-the-care-team = Conversaciones con el equipo de atención
acting-section-medication-renewal-requests = Solicitudes de renovación de medicamentos
