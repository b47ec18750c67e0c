# El resumen para imprimir (templates/records_printable.html). Los encabezados de las tablas y los
# textos de "nada registrado" son los de las páginas de la historia clínica (chart.ftl, records.ftl).
print-title = Resumen para imprimir
print-notice = Esta página está hecha para imprimirse: use el comando Imprimir de su navegador (o guárdela como PDF) y llévela a su cita. Contiene información de salud privada; guarde el papel en un lugar seguro.
print-back = Volver a su historial
# El nombre de esta página, tal como lo busca el encabezado impreso (records_print_header.html)
# por el título en inglés, y su título.
section-health-summary = Resumen de salud
print-printed-on = Impreso el
print-conditions = Afecciones actuales ({ $count })
print-medications = Medicamentos actuales ({ $count })
print-allergies = Alergias
print-immunizations = Vacunas ({ $count })
print-vitals = Últimos signos vitales
print-results = Resultados de laboratorio recientes
# Solo cuando no caben todas las pruebas: $shown de las $tests pruebas, las hechas más recientemente.
print-results-some = { $shown ->
    [one] El último resultado de la prueba hecha más recientemente, de un total de { $tests } pruebas. Todos los resultados están en el portal.
   *[other] El último resultado de las { $shown } pruebas hechas más recientemente, de un total de { $tests } pruebas. Todos los resultados están en el portal.
}
