# Lo que pide una aplicación, en las páginas de consentimiento y de aplicaciones conectadas
# (src/smart/scopes.rs). $how es "read" (leer y buscar), "single" (leer entradas sueltas) o "search".
scope-resource = { $how ->
    [read] Leer { $what }
    [single] Leer entradas sueltas de { $what }
   *[search] Buscar en { $what }
}
scope-resource-category = { $how ->
    [read] Leer { $what } (solo de la categoría «{ $category }»)
    [single] Leer entradas sueltas de { $what } (solo de la categoría «{ $category }»)
   *[search] Buscar en { $what } (solo de la categoría «{ $category }»)
}
scope-data-all = todo su historial de salud
scope-data-patient = su nombre, fecha de nacimiento y datos de contacto
scope-data-allergies = sus alergias
scope-data-care-plans = sus planes de cuidado
scope-data-conditions = sus afecciones y diagnósticos
scope-data-reports = sus informes de pruebas e imágenes
scope-data-visits = sus visitas
scope-data-goals = sus objetivos de salud
scope-data-immunizations = sus vacunas
scope-data-medications = sus medicamentos
scope-data-observations = sus resultados de laboratorio y signos vitales
scope-data-procedures = sus procedimientos
scope-data-notes = sus notas clínicas
scope-data-clinicians = los profesionales clínicos de su historial
scope-data-places = las clínicas y los lugares de su historial
scope-data-care-team = su equipo de atención
scope-data-costs = lo que costaron sus visitas y lo que pagó el seguro
scope-data-provenance = de dónde provienen sus datos
scope-data-part = una parte de su historial
scope-data-lab-results = sus resultados de laboratorio
scope-data-vital-signs = sus signos vitales
scope-data-social-history = sus antecedentes sociales
scope-data-problem-list = su lista de problemas de salud
scope-data-visit-diagnoses = los diagnósticos hechos en sus visitas
scope-data-health-concerns = sus preocupaciones de salud
scope-launch-patient = Saber qué historial de paciente eligió
scope-openid = Confirmar que fue usted quien la conectó (sin su nombre ni su correo electrónico)
scope-fhir-user = Saber cuál es su historial de paciente (su identificador)
scope-offline = Mantener el acceso cuando usted no la use, hasta que la desconecte
