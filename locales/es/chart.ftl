# Las páginas de las secciones del historial (templates/records_section.html).
chart-conditions-at-death = Afecciones en el momento del fallecimiento
chart-conditions-current = Afecciones actuales
chart-conditions-past = Afecciones pasadas
chart-condition = Afección
chart-status = Estado
chart-since = Desde
chart-started = Inicio
chart-ended = Fin
chart-not-recorded = Sin registrar
chart-none-recorded = No hay nada registrado.
chart-medications-at-death = Medicamentos en el momento del fallecimiento
chart-medications-current = Medicamentos actuales
chart-medications-past = Medicamentos anteriores
chart-medication = Medicamento
chart-how-to-take = Cómo tomarlo
chart-prescribed-for = Recetado para
chart-prescribed = Recetado
chart-renewal = Renovación
chart-date-not-recorded = Fecha sin registrar
# Antes del nombre de quien lo recetó: ", por Dra. Ana Ruiz".
chart-by = por
# Lo leen los lectores de pantalla tras un botón o enlace: "Pedir una renovación de Metformina".
chart-of = de { $name }
chart-ask-renewal = Pedir una renovación
chart-renewal-note = Nota para su equipo de atención (opcional)
chart-to-pharmacy = A su farmacia preferida: { $pharmacy }.
chart-no-pharmacy = Aún no tiene una farmacia preferida.
chart-change-pharmacy = Cambiarla
chart-no-known-allergies = No se conocen alergias.
# Seguido de una fecha.
chart-recorded-on = Registrado el
chart-allergies-caption = Alergias e intolerancias
chart-allergies-unknown = El historial no tiene información sobre alergias. Esto no significa que no tenga ninguna.
chart-substance = Sustancia
chart-type = Tipo
chart-risk = Riesgo
chart-recorded = Registrado
chart-immunizations-caption = Vacunas ({ $count }), de la más reciente a la más antigua
chart-vaccine = Vacuna
chart-date = Fecha
chart-latest-measurements = Últimas mediciones
chart-measurement = Medición
chart-result = Resultado
chart-compared = Comparado con el rango habitual
chart-usual-range = Rango habitual
chart-history = Historial
chart-not-compared = No comparado.
chart-no-range = Sin rango
chart-not-available = No disponible
chart-trend = Tendencia
chart-scroll-hint = Si la tabla se corta por la derecha, desplácela hacia un lado para ver todas las mediciones; las fechas siguen a la vista.
chart-all-measurements = Todas las mediciones, de la más reciente a la más antigua ({ $count } { $count ->
        [one] visita
       *[other] visitas
    })
chart-not-measured = Sin medir
chart-visits-caption = Visitas ({ $count }), de la más reciente a la más antigua
chart-visit = Visita
chart-reason = Motivo
chart-seen-by = Atendido por
chart-where = Dónde
# El encabezado de cada página impresa del historial (templates/records_print_header.html).
chart-print-mrn = N.º de historia
# Seguido de una fecha.
chart-printed-on = Impreso desde el portal del paciente el
# Cómo se compara un resultado con el rango habitual (src/records/ranges.rs, Flag).
flag-high = Alto
flag-low = Bajo
flag-normal = Normal
flag-could-not-be-compared = No se pudo comparar
# Los últimos resultados de laboratorio (templates/records_chart_labs.html).
chart-test = Prueba
chart-labs-latest = { $tests ->
        [one] El último resultado de 1 prueba
       *[other] El último resultado de cada una de { $tests } pruebas
    } ({ $results } { $results ->
        [one] resultado
       *[other] resultados
    } en total).
chart-labs-compared = Cada uno se compara con el rango habitual en adultos:
# Entre los dos últimos de una lista: "Alto, Bajo o Normal".
chart-labs-or = o
# Seguido de "No se pudo comparar".
chart-labs-impossible = un valor imposible para su prueba (casi siempre registrado en otra unidad):
chart-labs-open = Abra una prueba para ver todos sus resultados a lo largo del tiempo.
chart-labs-caption = Últimos resultados, del más reciente al más antiguo
chart-labs-all = Los { $count } resultados
chart-labs-details = Detalles
# El historial de una prueba (templates/records_chart_lab.html).
chart-lab-latest = Último resultado:
# Entre el valor y su fecha.
chart-lab-on = el
chart-lab-range = El rango habitual es { $range }.
chart-lab-no-range = No tenemos un rango habitual para esta prueba.
chart-lab-not-compared = { $count ->
        [one] Un resultado está muy lejos de lo posible para esta prueba, probablemente porque se registró en otra unidad. Se muestra tal como se registró, marcado como “No se pudo comparar”, y no aparece en el gráfico.
       *[other] { $count } resultados están muy lejos de lo posible para esta prueba, probablemente porque se registraron en otra unidad. Se muestran tal como se registraron, marcados como “No se pudo comparar”, y no aparecen en el gráfico.
    }
chart-lab-scroll = Desplace el gráfico hacia un lado para verlo entero.
chart-lab-date-of-test = Fecha de la prueba
chart-lab-shapes = Una figura rellena es un resultado fuera del rango habitual; una figura hueca está dentro de él.
chart-lab-band = La franja sombreada entre las líneas discontinuas es el rango habitual.
chart-lab-same = Los mismos resultados aparecen en la tabla de abajo.
chart-lab-nothing = No hay nada que representar; todos los resultados aparecen abajo.
chart-lab-not-numbers = Estos resultados no son números, así que no hay gráfico; todos aparecen abajo.
chart-lab-caption = { $count ->
        [one] 1 resultado de { $name }
       *[other] Los { $count } resultados de { $name }, del más reciente al más antiguo
    }
chart-lab-source = Cómo nombra el laboratorio esta prueba
chart-lab-back-vitals = Volver a los signos vitales
chart-lab-back-labs = Volver a todos los resultados de laboratorio
# El resumen del historial (templates/records_chart_summary.html).
chart-sum-about = Datos personales
chart-sum-name = Nombre
chart-sum-address = Dirección
chart-sum-phone = Teléfono
# Seguido de una fecha.
chart-sum-since = desde el
chart-sum-for = para { $reason }
chart-sum-all-conditions = Todas las afecciones
chart-sum-all-medications = Todos los medicamentos
chart-sum-allergy-details = Detalles de las alergias
chart-sum-latest-vitals = Últimos signos vitales
chart-sum-all-vitals = Todos los signos vitales
chart-sum-recent-labs = Resultados de laboratorio recientes
chart-sum-all-labs = Todos los resultados de laboratorio
chart-sum-more = Más del historial
chart-sum-care-plans = Planes de cuidados y objetivos
chart-sum-reports = Informes de pruebas e imágenes
chart-sum-social = Antecedentes sociales (tabaco y otras preguntas)
chart-sum-visits = Visitas y lo que se hizo en ellas
# Procedimientos, planes de cuidados, informes e imágenes, antecedentes sociales, una visita (templates/records_care.html).
care-procedures-caption = Procedimientos ({ $count }), del más reciente al más antiguo
care-procedure = Procedimiento
care-the-visit = La visita
care-of-this-report = de este informe
care-of-this-imaging = de esta prueba de imagen
care-for = Para
care-activities = Actividades de este plan
care-activity = Actividad
care-no-activities = No hay actividades registradas.
care-goals = Objetivos de este plan
care-goal = Objetivo
care-progress = Progreso
care-no-plans = No hay planes de cuidados registrados.
care-other-goals = Otros objetivos
care-goals-not-in-plan = Objetivos que no forman parte de un plan de cuidados
care-test-reports = Informes de pruebas
care-report-results = Resultados de este informe
care-conclusion = Conclusión:
care-document-not-shown = Este documento no se puede mostrar aquí; se incluye cuando descarga su historial.
care-imaging = Imágenes
care-imaging-caption = Estudios de imagen ({ $count }), del más reciente al más antiguo
care-images-col = Imágenes
care-other-measurements = Otras mediciones
care-other-caption = Otras mediciones y resultados de exploraciones, el último de cada una
care-latest-result = Último resultado
care-all-n = Los { $count }
care-results-of = resultados de { $name }
care-latest-answers = Últimas respuestas
care-question = Pregunta
care-latest-answer = Última respuesta
care-answers = Respuestas
care-answer = Respuesta
care-answers-to = respuestas a { $name }
care-every-answer = { $name }: todas las respuestas, de la más reciente a la más antigua
care-all-visits = Todas las visitas
care-visit-conditions = Afecciones registradas en esta visita
care-visit-results = Resultados y mediciones
care-visit-results-caption = Resultados y mediciones de esta visita
care-visit-medications = Medicamentos recetados
care-all-plans = Todos los planes de cuidados y objetivos
care-results-listed = { $count } { $count ->
        [one] resultado
       *[other] resultados
    } (indicados arriba)
care-all-reports = Todos los informes de pruebas e imágenes
care-images = { $count } { $count ->
        [one] imagen
       *[other] imágenes
    }
