# Aceptar una invitación para actuar en nombre de alguien (templates/proxy_accept.html).
proxy-accept-title = Aceptar una invitación
proxy-accept-intro = Alguien le ha invitado a actuar en su nombre en el portal del paciente, con su propia cuenta. Podrá:
proxy-accept-until = Hasta el { $until }.
proxy-accept-recorded = Todo lo que abra en su nombre queda registrado, y esa persona lo ve en su registro de accesos. Puede retirarle el acceso en cualquier momento.
proxy-accept-submit = Aceptar
proxy-accept-not-now = Ahora no
