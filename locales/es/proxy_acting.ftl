# Un representante que actúa por un paciente (#29): citas y renovaciones en /acting/{grant}/...
# (templates/acting.html, src/proxy/acting.rs), y conectar una aplicación por otra persona
# (templates/smart_consent.html).
acting-nothing = No hay nada registrado.
acting-appt-list = Sus citas y solicitudes
acting-appt-cancel = Cancelar o retirar
acting-appt-request = Pedir una cita para { $name }
acting-appt-signed = La solicitud se hace en el historial de { $name } y lleva su nombre de usted; el equipo de atención ve que usted la pidió en su nombre.
acting-appt-which-days = ¿Qué días le vienen bien? (ninguno marcado: cualquier día laborable)
acting-appt-requested = Su solicitud para { $name } se envió al equipo de atención.
acting-appt-cancelled = Se canceló la cita o solicitud de { $name }.
acting-renewal-ask-heading = Pedir una renovación para { $name }
acting-renewal-none = No tiene ningún medicamento activo que renovar.
acting-renewal-note = Nota para el equipo de atención (opcional)
acting-renewal-waiting-short = se pidió una renovación y espera respuesta del equipo de atención
acting-renewal-requested = Su solicitud de renovación para { $name } se envió al equipo de atención.
acting-renewal-waiting-title = Ya solicitada
acting-renewal-waiting = Ya se pidió una renovación de este medicamento; el equipo de atención responderá pronto.
acting-renewal-closed-title = Sin renovación
consent-proxy-connecting = Usted, { $proxy }, está conectando { $app } al historial de { $patient }. La aplicación leerá su historial, no el de usted; esa persona la ve entre sus aplicaciones conectadas y puede desconectarla, y deja de funcionar cuando termine su acceso a ese historial.
consent-whose = Conectar la aplicación a otro historial:
consent-own-record = Su propio historial
consent-their-record = El historial de { $patient }, en cuyo nombre usted actúa
consent-proxy-limited-title = Una aplicación no puede tener este historial
consent-proxy-limited = Como tutor de un adolescente, usted ve su historial sin las partes confidenciales; una aplicación lo leería entero. No se conectó nada.
# Las páginas de solicitudes del personal (templates/staff_appointment.html, staff_renewal.html):
# un representante pidió en nombre del paciente; $name tal como se guardó, "Sam Rivera (proxy)".
staff-asked-by = Pedido por
staff-asked-by-proxy = { $name }, en nombre del paciente
