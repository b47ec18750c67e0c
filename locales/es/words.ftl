# Palabras que las vistas del historial forman a partir de los códigos del registro
# (src/records/views.rs). Los selectores son los códigos FHIR que guarda el registro.
record-sex = { $code ->
    [female] Femenino
    [male] Masculino
    [other] Otro
   *[unknown] Desconocido
}
record-clinical-status = { $code ->
    [active] Activa
    [recurrence] Reapareció
    [relapse] Recaída
    [inactive] Inactiva
    [remission] En remisión
    [resolved] Resuelta
   *[other] Estado no registrado
}
record-status-not-recorded = Estado no registrado
# El estado de una afección con la certeza del diagnóstico ($status es record-clinical-status).
record-condition-refuted = { $status } (descartada)
record-condition-entered-in-error = { $status } (registrada por error)
record-condition-unconfirmed = { $status } (aún no confirmada)
record-medication-status = { $code ->
    [active] Activo
    [on-hold] En pausa
    [cancelled] Cancelado
    [completed] Completado
    [entered-in-error] Registrado por error
    [stopped] Suspendido
    [draft] Borrador
   *[unknown] Desconocido
}
record-allergy-kind = { $code ->
    [allergy] Alergia
   *[intolerance] Intolerancia
}
record-allergy-category = { $code ->
    [food] Alimento
    [medication] Medicamento
    [environment] Ambiente
   *[biologic] Biológico
}
record-criticality = { $code ->
    [low] Riesgo bajo
    [high] Riesgo alto
   *[unable-to-assess] Riesgo no evaluado
}
record-immunization-status = { $code ->
    [completed] Administrada
    [not-done] No administrada
   *[entered-in-error] Registrada por error
}
record-no-value = No se registró ningún valor
record-note-not-a-number = El valor registrado no es un número.
record-note-no-usual-range = Esta prueba no tiene un rango habitual.
record-note-impossible-value = No es un valor posible para esta prueba en { $unit }: lo más probable es que se registrara en otra unidad.
record-note-impossible-value-no-unit = No es un valor posible para esta prueba en esta unidad: lo más probable es que se registrara en otra unidad.
record-note-other-unit = Registrado en { $unit }; el rango habitual que tenemos está en { $ours }.
record-note-other-unit-no-unit = Registrado en esta unidad; el rango habitual que tenemos está en { $ours }.
# El gráfico de tendencia de los resultados de una prueba (src/records/chart_svg.rs); $name es el
# nombre de la prueba.
chart-svg-title = { $name } a lo largo del tiempo
chart-svg-value = Valor
chart-svg-normal-range = Rango normal
chart-svg-series-normal-range = { $name }: rango normal
# El gráfico en palabras (su <desc>), un grupo de frases por serie.
chart-svg-desc-one = { $name }: 1 resultado, el { $date }. Último: { $latest }
chart-svg-desc-many = { $name }: { $count ->
    [one] { $count } resultado
   *[other] { $count } resultados
} del { $first } al { $last }. Último: { $latest }
chart-svg-desc-flag = ({ $flag })
chart-svg-desc-extremes = Máximo: { $highest }; mínimo: { $lowest }
chart-svg-desc-range = Rango normal: { $range }; { $outside } de { $count } fuera de él
# El estado de una cita (src/appointments/status.rs), según su código guardado.
appointment-state = { $state ->
    [requested] Solicitada: esperando al equipo de atención
    [proposed] El equipo de atención propuso una hora
    [booked] Reservada
    [declined] Rechazada
    [cancelled] Cancelada
    [completed] Realizada
   *[no_show] No asistió
}
# El estado de una renovación de medicamento (src/renewals/state.rs), según su código guardado.
renewal-state = { $state ->
    [requested] Renovación solicitada: esperando al equipo de atención
    [approved] Renovación aprobada
   *[declined] Renovación rechazada
}
# De qué trata una conversación (src/messages/draft.rs), según su código guardado.
message-category = { $category ->
    [result] Pregunta sobre un resultado
    [medication] Pregunta sobre un medicamento
   *[general] Pregunta general
}
# Los detalles de una renovación ya resuelta, tras su estado (src/renewals/patient.rs).
renewal-decided-by = { $state } por { $by } el { $when }
renewal-quantity = cantidad: { $quantity }
renewal-refills = { $count ->
    [one] { $count } renovación
   *[other] { $count } renovaciones
}
renewal-sent-to = enviada a { $pharmacy }
# Una visita sin tipo propio, según su clase de encuentro (v3 ActCode).
record-visit-class = { $code ->
    [AMB] Consulta ambulatoria
    [EMER] Visita de urgencias
    [IMP] Hospitalización
    [ACUTE] Hospitalización
    [NONAC] Hospitalización
    [OBSENC] Estancia en observación
    [PRENC] Preingreso
    [SS] Estancia corta
    [VR] Consulta virtual
    [HH] Visita a domicilio
    [FLD] Visita fuera del centro
   *[other] Visita
}
# Un código de estado FHIR en palabras (procedimientos, planes de cuidado y objetivos,
# informes); $words es el propio código legible, para un código que no está en la lista.
record-fhir-status = { $code ->
    [active] Activo
    [completed] Completado
    [in-progress] En curso
    [cancelled] Cancelado
    [stopped] Suspendido
    [on-hold] En pausa
    [entered-in-error] Registrado por error
    [draft] Borrador
    [revoked] Revocado
    [not-done] No realizado
    [preparation] En preparación
    [unknown] Desconocido
    [scheduled] Programado
    [final] Definitivo
    [amended] Corregido
    [preliminary] Preliminar
    [proposed] Propuesto
    [accepted] Aceptado
    [planned] Planificado
    [achieved] Logrado
    [not-achieved] No logrado
    [rejected] Rechazado
    [improving] Mejorando
    [worsening] Empeorando
    [no-change] Sin cambios
    [sustaining] Manteniéndose
    [no-progress] Sin avances
    [not-attainable] No alcanzable
   *[other] { $words }
}
record-status-none = No registrado
record-activity-unnamed = Actividad (sin nombre)
record-report-text = Texto del informe
record-attached-document = Documento adjunto (no se muestra aquí)
# El rango habitual de una prueba, sin su unidad (src/records/ranges.rs).
range-between = de { $low } a { $high }
range-at-most = { $high } o menos
range-at-least = { $low } o más
# Lo que puede hacer un representante (src/proxy/mod.rs Scope), según su código guardado.
proxy-scope = { $scope ->
    [record] Leer el historial de salud
    [messages] Escribir al equipo de atención
    [appointments] Gestionar las citas
   *[renewals] Pedir renovaciones de medicamentos
}
