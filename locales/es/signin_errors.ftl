# Why a sign-in was refused (#31): the sign-in error page's sentence (auth::routes::refuse).
signin-error-state = Este enlace de inicio de sesión ha caducado, ya se usó o se abrió en otro navegador. Inicie sesión de nuevo.
signin-error-unavailable = No se pudo conectar con el servicio de inicio de sesión. Vuelva a intentarlo en unos minutos.
signin-error-policy = Este inicio de sesión no usó la autenticación multifactor, que el portal exige. Inicie sesión de nuevo.
signin-error-stale = Su sesión terminó, así que el portal necesita que vuelva a escribir su contraseña. Inicie sesión de nuevo.
signin-error-tenant = Este inicio de sesión procede del directorio de otra organización, que este portal no acepta. Inicie sesión de nuevo.
signin-error-provider = El servicio de inicio de sesión no pudo completar el inicio de sesión. Inicie sesión de nuevo.
signin-error-identity = No pudimos confirmar su identidad con la respuesta del servicio de inicio de sesión. Inicie sesión de nuevo.
# The identity provider's own error codes, in words (docs/IDENTITY_PROVIDERS.md).
signin-error-no-session = El servicio de inicio de sesión no encontró ningún inicio de sesión suyo que continuar. Inicie sesión de nuevo.
signin-error-new-account = Su cuenta se creó, pero el servicio de inicio de sesión no la dejó entrar de inmediato. Inicie sesión de nuevo con su cuenta nueva.
signin-error-not-for-patients = La dirección del servicio de inicio de sesión no está configurada para cuentas de pacientes. Avise a la clínica; volver a iniciar sesión no servirá.
signin-error-consent-declined = El inicio de sesión se detuvo porque se rechazó el consentimiento. Inicie sesión de nuevo y acepte para continuar.
signin-error-access-rules = Las reglas de acceso del servicio de inicio de sesión no permitieron este inicio de sesión. Comuníquese con la clínica.
signin-error-mfa-incomplete = No se completó la autenticación multifactor, que el portal exige. Inicie sesión de nuevo.
signin-error-too-many = Hubo demasiados intentos de inicio de sesión. Espere unos minutos y vuelva a intentarlo.
signin-error-too-long = El inicio de sesión tardó demasiado y caducó. Inicie sesión de nuevo.
signin-error-reply-address = La dirección de respuesta del portal no está registrada en el servicio de inicio de sesión. Avise a la clínica.
