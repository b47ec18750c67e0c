# Facturación y equipo de atención (templates/records_people.html, records_party_card.html, records_visit_people.html).
people-billing-intro = Lo que se facturó por cada visita y lo que pagó el seguro, según las reclamaciones y las liquidaciones de las aseguradoras de su historial.
people-billed-all = Total facturado
people-paid-all = Total pagado por el seguro
people-costs-caption = Costos por visita ({ $count }), de la más reciente a la más antigua
people-billed-by = Facturado por
people-billed = Facturado
people-insurance-paid = Pagado por el seguro
people-insurer = Aseguradora
people-no-costs = No hay costos registrados.
people-care-teams = Equipos de atención
people-no-members = No hay miembros registrados.
people-clinicians = Profesionales clínicos
people-clinics = Clínicas y organizaciones
people-places = Lugares
# Seguido de un número de teléfono.
people-phone = Teléfono:
people-who-where = Quién y dónde
people-clinician = Profesional clínico:
people-in-team = { $name } en su equipo de atención
people-clinic = Clínica:
people-place = Lugar:
people-visit-cost = Lo que costó esta visita
people-all-costs = Todos los costos
