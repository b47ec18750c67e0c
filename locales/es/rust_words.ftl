# Palabras que el código en Rust escribía en inglés y que una persona lee (#31;
# tests/english_in_rust.rs las encuentra).

# La respuesta en texto plano cuando no se puede generar la plantilla de una página (web/templates.rs).
rust-template-failed = Algo salió mal por nuestra parte. Inténtelo de nuevo más tarde.

# Una nota clínica a la que su fuente no le da un tipo (records/note_views.rs).
rust-note-untitled = Nota clínica

# El nombre que se muestra cuando el inicio de sesión no da nombre ni correo (auth/routes.rs).
rust-signed-in-user = Usuario con sesión iniciada
