# Enlaces de larga duración (L) y la lista de intentos (#30, revisión): templates/share_new.html,
# share_list.html y share_created.html.
share-rules-follows = Mantener el enlace al día: abre su historial tal como esté cada vez que se abra (un enlace de larga duración)
share-rules-follows-hint = Sin esta opción, el enlace abre lo que su historial contiene ahora y nunca cambia. Con ella, el portal guarda la clave del enlace, cerrada con una clave propia que se guarda aparte de su historial, para volver a preparar el contenido cada vez que se abra el enlace.
share-rules-kind = Contenido
share-rules-follows-yes = Sigue a su historial
share-rules-follows-no = Fijo desde que se creó el enlace
share-rules-created-follows = Este enlace sigue a su historial: quien lo abra más adelante verá su historial tal como esté entonces. Revóquelo cuando ya no lo necesite.
share-rules-attempts-shown = Se muestran los { $shown } intentos más recientes de { $total }.
share-rules-tries = ({ $count } veces; se muestra la última)
