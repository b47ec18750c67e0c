# Notas clínicas (templates/records_notes.html, records_note_content.html, records_visit_notes.html).
notes-all = Todas las notas
notes-the-note = La nota
notes-caption = Notas de su equipo de atención ({ $count }), de la más reciente a la más antigua
notes-none = No hay notas registradas.
notes-written-by = Escrita por
notes-note = Nota
notes-download-named = Descargar { $title } (PDF, { $size })
notes-download = Descargar la nota (PDF, { $size })
notes-pdf-included = Un PDF ({ $size }), incluido cuando descarga su historial.
notes-by = Por { $authors }
notes-author-not-recorded = Autor sin registrar
notes-own-page = Esta nota en su propia página
