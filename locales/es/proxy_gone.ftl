# Permisos que no se retiraron ni terminaron, pero que ahora no abren nada (#29; access::LiveGrant::gone).
# El selector (/acting: templates/acting.html, src/proxy/acting.rs) los muestra sin enlace, con
# el motivo; $name es el nombre del paciente, $why uno de los motivos acting-gone-* de abajo.
acting-gone-heading = Ya no funciona
acting-gone-intro = Estos accesos no se retiraron, pero ya no abren el historial de nadie:
acting-gone-line = { $name }: { $why }
acting-gone-none-open = Ahora ninguno de sus accesos abre un historial.
acting-gone-grantor-unlinked = su historial ya no está vinculado a la cuenta que le dio este acceso. Si todavía quiere su ayuda, puede invitarle de nuevo.
acting-gone-email-changed = este acceso se dio a una dirección de correo electrónico que su inicio de sesión ya no da. Inicie sesión con la cuenta que usa esa dirección, o pida que inviten a la dirección que usa ahora.
acting-gone-guardian-ended = su acceso como padre, madre o tutor terminó: solo dura mientras la persona es menor de edad.
# La página 403 del permiso de un tutor que terminó (su título es proxy-rules-gone-title).
proxy-gone-guardian-ended-page = El acceso como padre, madre o tutor solo dura mientras el paciente es menor de edad, así que ahora este acceso no abre nada. Si quiere su ayuda, puede invitarle desde su propia cuenta.
# La lista de representantes del paciente (/account/proxies): un permiso dado desde la cuenta
# a la que el historial estaba vinculado antes.
proxies-gone = Ahora no abre nada: este acceso se dio desde otra cuenta a la que su historial estaba vinculado antes. Retírelo e invítele de nuevo si quiere su ayuda.
proxies-guardian-ended = Ahora no abre nada: el acceso como padre, madre o tutor dura solo mientras el paciente es menor de edad. Puede retirarlo aquí.
