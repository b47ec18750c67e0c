# Clinical notes (templates/records_notes.html, records_note_content.html, records_visit_notes.html).
notes-all = All notes
notes-the-note = The note
notes-caption = Notes from your care team ({ $count }), newest first
notes-none = No notes recorded.
notes-written-by = Written by
notes-note = Note
notes-download-named = Download { $title } (PDF, { $size })
notes-download = Download the note (PDF, { $size })
notes-pdf-included = A PDF ({ $size }), included when you download your record.
notes-by = By { $authors }
notes-author-not-recorded = Author not recorded
notes-own-page = This note on its own page
