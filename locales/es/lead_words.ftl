# What a share link shares, as the patient's list of links and a new link's page name it
# (src/sharing/content.rs; the stored value is the code).
lead-share-content-summary = Resumen del paciente (IPS)
lead-share-content-immunizations = Vacunas
lead-share-content-labs = Resultados de laboratorio de un periodo
lead-share-content-record = Todo el historial
lead-share-content-other = Historial
# An upcoming appointment on the home page: its kind and with whom (src/home.rs).
lead-home-appointment-with = { $mode } con { $clinician }
