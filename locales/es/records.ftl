# El encabezado y la navegación del historial (templates/records_frame.html).
records-patient = Paciente
records-deceased = Fallecido
records-death-not-recorded = (fecha no registrada)
records-born = Fecha de nacimiento
records-age = Edad
records-age-at-death = Edad al fallecer
records-sex = Sexo
records-mrn = Número de historia clínica (MRN)
records-died = Fecha de fallecimiento
records-sections = Secciones del historial
