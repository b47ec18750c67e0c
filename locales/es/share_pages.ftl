# Crear un enlace para compartir y la lista de los enlaces propios (templates/share_new.html,
# templates/share_list.html). Lo que comparte un enlace, su estado, periodo y fechas, y el
# resultado de un intento llegan de sharing:: como valores.
share-new-title = Compartir su historial
share-new-heading = Compartir su historial con un enlace
share-new-intro = Usted crea un enlace (y un código QR) que abre lo que usted elija, durante el tiempo que elija. Déselo a un médico, una clínica o una escuela: su aplicación lo lee con el estándar SMART Health Links. El enlace lleva su propia clave, así que solo quien tenga el enlace puede leer lo que abre.
share-new-revoke = Puede revocarlo en cualquier momento en sus enlaces compartidos, y cada vez que alguien lo abra, lo verá allí y en su registro de accesos.
share-new-your-links = Sus enlaces compartidos
share-new-access-log = Su registro de accesos
share-new-what = Qué compartir
share-new-summary = Resumen del paciente (problemas de salud, medicamentos, alergias, vacunas, últimos resultados, procedimientos)
share-new-immunizations = Vacunas (con una tarjeta de vacunación verificable)
share-new-labs = Resultados de laboratorio de un periodo (indique los días abajo)
share-new-record = Todo su historial
share-new-period = Periodo, solo para resultados de laboratorio
share-new-first-day = Primer día
share-new-last-day = Último día
share-new-works-for = El enlace funciona durante
share-new-days = { $count ->
    [one] { $count } día
   *[other] { $count } días
}
share-new-week = 1 semana
share-new-label = Etiqueta (opcional)
share-new-label-hint = La ve quien abra el enlace, por ejemplo, "Para la Dra. Ortega". Como máximo { $max } caracteres.
share-new-passcode = Código de acceso (opcional)
share-new-passcode-hint = Al menos { $min } caracteres. Dígaselo a quien lo reciba por separado (no junto con el enlace). Después de 5 intentos fallidos, el enlace deja de funcionar.
share-new-make = Crear el enlace
share-new-back = Volver a sus enlaces compartidos
share-list-title = Sus enlaces compartidos
share-list-intro = Los enlaces que creó para compartir su historial, y cada intento de abrirlos. Al revocar un enlace, deja de funcionar de inmediato para todos.
share-list-new = Crear un enlace nuevo
share-list-card = Su tarjeta de vacunación
share-list-none = Todavía no ha compartido su historial.
share-list-shares = Comparte
share-list-made = Creado
share-list-until = Válido hasta
share-list-no-end = Sin fecha de fin
share-list-passcode = Código de acceso
share-list-yes = Sí
share-list-no = No
share-list-status = Estado
share-list-opened = Abierto
share-list-times = { $count ->
    [one] { $count } vez
   *[other] { $count } veces
}
share-list-attempts-of = Intentos de abrir el enlace { $n }
share-list-attempts = Intentos de abrir este enlace
share-list-when = Cuándo
share-list-recipient = Destinatario (como se identificó)
share-list-result = Resultado
share-list-revoke = Revocar este enlace
# Lo leen los lectores de pantalla después del botón: qué enlace y cuándo se creó.
share-list-revoke-which = ({ $what }, creado el { $made })
