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
