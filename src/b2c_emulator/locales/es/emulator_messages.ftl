# Las frases que el emulador forma en Rust para que una persona las lea: sus páginas de error,
# los avisos de la página de sesión cerrada, los errores de los campos de los flujos que no están
# en emulator_errors.ftl y la bandeja de salida de desarrollo. El código AADB2C de B2C queda
# delante de la frase en todos los idiomas.
emu-aadb2c90006 = El URI de redirección '{ $uri }' indicado en la solicitud no está registrado para el identificador de cliente '{ $client_id }'.
emu-aadb2c90006-invalid = El URI de redirección '{ $uri }' indicado en la solicitud no es válido.
emu-aadb2c90008 = La solicitud no contiene el parámetro del identificador de cliente.
emu-aadb2c90018 = El identificador de cliente '{ $client_id }' indicado en la solicitud no está registrado en el inquilino '{ $tenant }'.
emu-aadb2c90022 = No se pueden devolver los metadatos de la directiva '{ $policy }' del inquilino '{ $tenant }'.
emu-aadb2c90046 = Tenemos problemas para cargar el estado actual de su sesión. Le recomendamos que vuelva a empezar desde el principio.
emu-aadb2c90067 = El URI de redirección posterior al cierre de sesión no tiene un formato válido.
emu-aadb2c90085-unreadable = No se pudieron leer los parámetros de la solicitud (¿hay algún parámetro repetido?).
emu-aadb2c90085-internal = El servicio encontró un error interno. Vuelva a autenticarse e inténtelo de nuevo.
emu-tenant-unknown = El inquilino '{ $tenant }' no existe en este emulador.
emu-page-not-found = La página que busca no existe en este emulador de B2C.
emu-form-unreadable = No se pudo leer el formulario.
emu-unexpected-action = Esta página no ofrece esa acción. Vuelva atrás e inténtelo de nuevo.
emu-sign-in-first = Primero inicie sesión.
emu-account-gone = Esta cuenta ya no existe.
emu-too-many-codes = Se han hecho demasiadas solicitudes para verificar esta cuenta. Vuelva a empezar más tarde.
emu-signout-unreadable = No se pudo leer la solicitud de cierre de sesión.
emu-signout-not-registered = La aplicación pidió volver a una dirección que no está registrada, así que permanece en esta página.
emu-signout-not-verified = No se pudo verificar la solicitud de cierre de sesión, así que permanece en esta página.
# Errores de los campos.
emu-error-email-missing = Escriba su dirección de correo electrónico
emu-error-password-missing = Escriba su contraseña
emu-error-user-exists = Ya existe un usuario con ese identificador. Elija uno diferente.
emu-error-no-account-for-id = No se encontró ninguna cuenta con el identificador indicado.
emu-error-verify-email-first = Primero verifique su dirección de correo electrónico con un código.
emu-error-verify-email-to-create = Verifique su dirección de correo electrónico con un código antes de crear su cuenta.
emu-error-given-name = Escriba su nombre (hasta 64 caracteres).
emu-error-surname = Escriba sus apellidos (hasta 64 caracteres).
emu-error-country = Elija su país o región.
emu-error-phone-invalid = El número de teléfono que indicó no es válido. Escriba un número de teléfono válido, sin el código de país.
emu-error-phone-country = Elija el código de su país.
# La bandeja de salida de desarrollo: cómo se envió un mensaje y el mensaje, en el idioma del flujo.
outbox-kind-email = Correo electrónico
outbox-kind-sms = Mensaje de texto
outbox-kind-call = Llamada
outbox-body-email = Verifique su dirección de correo electrónico. ¡Gracias por verificar su cuenta { $recipient }! Su código es: { $code }
outbox-body-sms = Use el código de verificación { $code } para la autenticación de { $domain }.
outbox-body-call = (Llamada telefónica) ¡Hola! Gracias por usar el sistema de verificación de { $domain }. Su código de verificación es { $code }.
