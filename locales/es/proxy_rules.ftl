# Reglas de los representantes (#29): quién puede aceptar una invitación, y un permiso cuyas personas cambiaron.
proxy-rules-wrong-account-title = Esta invitación es para otra persona
proxy-rules-wrong-account = Esta invitación se envió a una dirección de correo electrónico distinta de la que dio su inicio de sesión. Inicie sesión con la cuenta que usa la dirección a la que se envió la invitación, o pida a quien le invitó que envíe una nueva a su dirección.
proxy-rules-no-email = Su inicio de sesión no dio al portal una dirección de correo electrónico verificada, así que no puede comprobar que esta invitación se le envió a usted. Inicie sesión con la cuenta que usa la dirección a la que se envió la invitación.
proxy-rules-gone-title = Este acceso ya no abre el historial
proxy-rules-grantor-unlinked = La persona que le dio este acceso ya no tiene su historial en el portal con la misma cuenta, así que ahora no abre nada. Si todavía quiere su ayuda, puede invitarle de nuevo desde su cuenta.
proxy-rules-email-changed = Este acceso se dio a una dirección de correo electrónico que su inicio de sesión ya no da, así que ahora no abre nada. Inicie sesión con la cuenta que usa esa dirección, o pida que inviten a la dirección que usa ahora.
