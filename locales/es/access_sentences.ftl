# Las filas del registro de accesos (src/audit/pages.rs). $viewer es "patient" (el paciente lee
# su propio registro: «su») o "staff" (lo lee el equipo de atención: «del paciente»). Los
# nombres ($name, $app, $recipient) se muestran tal como se dieron.
access-who-you = Usted
access-who-clinician = Un profesional clínico
access-who-patient = El paciente
access-who-app = Una aplicación
access-who-share-recipient = Quien recibió un enlace compartido
access-who-portal = El portal
access-who-proxy = { $viewer ->
    [staff] { $name } (representante del paciente)
   *[patient] { $name } (su representante)
}
access-role-clinician = Profesional clínico
access-role-patient = Paciente
access-role-app = Aplicación
access-role-share-recipient = Destinatario del enlace
access-role-proxy = Representante
access-role-anonymous = Sin sesión iniciada
# Lo que se consultó, como complemento de access-viewed y de las frases de las aplicaciones.
access-data-record = { $viewer ->
    [staff] el historial del paciente
   *[patient] su historial
}
access-data-summary = { $viewer ->
    [staff] el resumen del historial del paciente
   *[patient] el resumen de su historial
}
access-data-conditions = { $viewer ->
    [staff] las afecciones del paciente
   *[patient] sus afecciones
}
access-data-medications = { $viewer ->
    [staff] los medicamentos del paciente
   *[patient] sus medicamentos
}
access-data-allergies = { $viewer ->
    [staff] las alergias del paciente
   *[patient] sus alergias
}
access-data-immunizations = { $viewer ->
    [staff] las vacunas del paciente
   *[patient] sus vacunas
}
access-data-test-results = { $viewer ->
    [staff] los resultados de pruebas del paciente
   *[patient] sus resultados de pruebas
}
access-data-lab-history = el historial de un resultado de prueba
access-data-vitals = { $viewer ->
    [staff] los signos vitales del paciente
   *[patient] sus signos vitales
}
access-data-visits = { $viewer ->
    [staff] las visitas del paciente
   *[patient] sus visitas
}
access-data-visit = { $viewer ->
    [staff] una de las visitas del paciente
   *[patient] una de sus visitas
}
access-data-procedures = { $viewer ->
    [staff] los procedimientos del paciente
   *[patient] sus procedimientos
}
access-data-care-plans = { $viewer ->
    [staff] los planes de cuidado del paciente
   *[patient] sus planes de cuidado
}
access-data-reports-imaging = { $viewer ->
    [staff] los informes de pruebas e imágenes del paciente
   *[patient] sus informes de pruebas e imágenes
}
access-data-social-history = { $viewer ->
    [staff] los antecedentes sociales del paciente
   *[patient] sus antecedentes sociales
}
access-data-notes = { $viewer ->
    [staff] las notas clínicas del paciente
   *[patient] sus notas clínicas
}
access-data-note = { $viewer ->
    [staff] una de las notas clínicas del paciente
   *[patient] una de sus notas clínicas
}
access-data-billing = { $viewer ->
    [staff] lo que costaron las visitas del paciente
   *[patient] lo que costaron sus visitas
}
access-data-care-team = { $viewer ->
    [staff] el equipo de atención del paciente
   *[patient] su equipo de atención
}
access-data-access-log = este registro de accesos
access-data-printable = { $viewer ->
    [staff] un resumen para imprimir del historial del paciente
   *[patient] un resumen para imprimir de su historial
}
access-data-home = { $viewer ->
    [staff] la página de inicio del paciente (resultados nuevos, mensajes, citas y solicitudes)
   *[patient] su página de inicio (resultados nuevos, mensajes, citas y solicitudes)
}
access-data-lab-results = { $viewer ->
    [staff] los resultados de laboratorio del paciente
   *[patient] sus resultados de laboratorio
}
access-data-labs-and-vitals = { $viewer ->
    [staff] los resultados de laboratorio y signos vitales del paciente
   *[patient] sus resultados de laboratorio y signos vitales
}
access-data-demographics = { $viewer ->
    [staff] el nombre, la fecha de nacimiento y los datos de contacto del paciente
   *[patient] su nombre, fecha de nacimiento y datos de contacto
}
access-data-test-reports = { $viewer ->
    [staff] los informes de pruebas del paciente
   *[patient] sus informes de pruebas
}
access-data-goals = { $viewer ->
    [staff] los objetivos de salud del paciente
   *[patient] sus objetivos de salud
}
access-data-provenance = { $viewer ->
    [staff] de dónde provienen los datos del paciente
   *[patient] de dónde provienen sus datos
}
access-viewed = Consultó { $what }
access-did-export = { $viewer ->
    [staff] Descargó el historial completo del paciente
   *[patient] Descargó su historial completo
}
access-did-view-access-log = Consultó este registro de accesos
access-did-break-glass = { $viewer ->
    [staff] Acceso de emergencia al historial del paciente (romper el cristal)
   *[patient] Acceso de emergencia a su historial (romper el cristal)
}
access-did-activation-issued = { $viewer ->
    [staff] Emitió un código de activación para el historial del paciente
   *[patient] Emitió un código de activación para su historial
}
access-did-activation-revoked = Revocó un código de activación
access-did-activation-used = { $viewer ->
    [staff] Vinculó la cuenta del paciente a su historial
   *[patient] Vinculó su cuenta a su historial
}
access-did-read-messages = { $viewer ->
    [staff] Leyó los mensajes del paciente
   *[patient] Leyó sus mensajes
}
access-did-send-message = Envió un mensaje
access-did-update-message = Asignó o cerró una conversación
access-did-download-attachment = Abrió un archivo adjunto de un mensaje
access-did-read-appointments = { $viewer ->
    [staff] Consultó las citas del paciente
   *[patient] Consultó sus citas
}
access-did-change-appointment = Solicitó o cambió una cita
access-did-read-renewals = Consultó una solicitud de renovación de un medicamento
access-did-change-renewal = Pidió o resolvió la renovación de un medicamento
access-did-share-created = { $viewer ->
    [staff] Creó un enlace para compartir el historial del paciente
   *[patient] Creó un enlace para compartir su historial
}
access-did-share-revoked = { $viewer ->
    [staff] Revocó un enlace que compartió el paciente
   *[patient] Revocó un enlace que usted compartió
}
access-did-health-card = { $viewer ->
    [staff] Creó la tarjeta de vacunación del paciente
   *[patient] Creó su tarjeta de vacunación
}
access-did-proxy-invite = { $viewer ->
    [staff] Invitó a alguien a actuar en nombre del paciente
   *[patient] Invitó a alguien a actuar en su nombre
}
access-did-proxy-accept = { $viewer ->
    [staff] Aceptó una invitación para actuar en nombre del paciente
   *[patient] Aceptó su invitación para actuar en su nombre
}
access-did-proxy-revoke = Terminó el acceso de un representante
access-did-other = { $viewer ->
    [staff] Accedió al historial del paciente
   *[patient] Accedió a su historial
}
access-app-read = { $app } leyó { $what }
access-app-refused = { $app } pidió { $what } y se le denegó
access-app-accessed = { $viewer ->
    [staff] { $app } accedió al historial del paciente
   *[patient] { $app } accedió a su historial
}
access-app-connected = { $viewer ->
    [staff] El paciente conectó { $app } a su historial
   *[patient] Usted conectó { $app } a su historial
}
access-app-connected-by-proxy = { $viewer ->
    [staff] { $who } conectó { $app } al historial del paciente
   *[patient] { $who } conectó { $app } a su historial
}
access-app-connect-refused-proxy = { $viewer ->
    [staff] { $who } pidió conectar una aplicación al historial del paciente y se le denegó
   *[patient] { $who } pidió conectar una aplicación a su historial y se le denegó
}
access-app-disconnected = { $viewer ->
    [staff] El paciente desconectó { $app }
   *[patient] Usted desconectó { $app }
}
access-app-disconnected-unnamed = { $viewer ->
    [staff] El paciente desconectó una aplicación
   *[patient] Usted desconectó una aplicación
}
access-shared-download = { $viewer ->
    [staff] Se descargó un archivo de un enlace que compartió el paciente
   *[patient] Se descargó un archivo de un enlace que usted compartió
}
access-shared-unreadable = { $viewer ->
    [staff] No se pudo leer una solicitud de un enlace que compartió el paciente (de «{ $recipient }»)
   *[patient] No se pudo leer una solicitud de un enlace que usted compartió (de «{ $recipient }»)
}
access-shared-opened = { $viewer ->
    [staff] «{ $recipient }» abrió un enlace que compartió el paciente
   *[patient] «{ $recipient }» abrió un enlace que usted compartió
}
access-shared-wrong-passcode = { $viewer ->
    [staff] Se dio un código de acceso incorrecto para un enlace que compartió el paciente (por «{ $recipient }»)
   *[patient] Se dio un código de acceso incorrecto para un enlace que usted compartió (por «{ $recipient }»)
}
access-shared-gone = { $viewer ->
    [staff] Se intentó usar un enlace que compartió el paciente y que ya no funciona (por «{ $recipient }»)
   *[patient] Se intentó usar un enlace que usted compartió y que ya no funciona (por «{ $recipient }»)
}
