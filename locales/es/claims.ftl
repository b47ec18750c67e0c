# Los datos ("claims") del token de este inicio de sesión (templates/account_sign_in_details.html).
claims-title = Datos del inicio de sesión
claims-back = Volver a su cuenta
claims-intro = Lo que el servicio de inicio de sesión dijo de usted en el token de este inicio de sesión, con los nombres que usa (sus "claims"). El portal los guarda solo durante esta sesión.
claims-caption = Datos de su inicio de sesión
claims-claim = Dato (claim)
claims-value = Valor
