# Vincular la cuenta a un historial clínico (templates/activate.html).
activate-title = Vincule su historial
activate-heading = Vincule su historial clínico
activate-not-linked = Su cuenta aún no está vinculada a un historial clínico, así que el portal no tiene nada suyo que mostrar: vincúlela aquí primero.
activate-intro = Su clínica le da un código de activación, en papel o en persona. Escríbalo junto con su fecha de nacimiento para ver su historial. Solo tiene que hacerlo una vez.
activate-code = Código de activación
# La forma del código, en el campo vacío.
activate-code-placeholder = XXXX-XXXX-XXXX
activate-submit = Vincular mi historial
