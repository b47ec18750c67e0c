# Un nuevo enlace SMART Health Link (templates/share_created.html).
share-created-title = Su enlace para compartir
share-created-heading = Su enlace para compartir está listo
share-created-once = Es la única vez que el portal puede mostrar este enlace: contiene su propia clave, que el portal no guarda. Imprima la tarjeta, guarde el enlace o deje que el destinatario escanee el código QR ahora.
share-created-record-of = Historial clínico de { $name }
share-created-shares = Comparte
share-created-until = Válido hasta
share-created-passcode = Código de acceso
share-created-passcode-needed = Necesario (pídaselo a { $name })
share-created-passcode-none = Ninguno
share-created-scan = Escanéelo con una aplicación de SMART Health Links, o pegue en ella el enlace de abajo.
share-created-link = El enlace (SMART Health Link)
share-created-print = Use el comando de imprimir de su navegador para imprimir la tarjeta de arriba; los menús y botones no se imprimen.
share-created-list = Sus enlaces compartidos
# La SMART Health Card de las vacunas (templates/share_health_card.html).
share-card-title = Su tarjeta de vacunación
share-card-intro = Una SMART Health Card: sus vacunas, firmadas por el portal para que una aplicación verificadora pueda comprobar que vienen de su historial y no se han modificado. Muestre el código QR, imprima esta página o descargue el archivo.
share-card-of = Vacunas de { $name }
share-card-none = No hay vacunas completadas registradas.
share-card-download = Descargar la tarjeta (archivo .smart-health-card)
