# Los mensajes del emulador formados en Rust (una contraseña incorrecta, un código rechazado),
# que se muestran en sus páginas de flujo de usuario.
emu-error-account-not-found = No encontramos su cuenta.
emu-error-wrong-password = La contraseña no es correcta.
emu-error-locked = Su cuenta está bloqueada temporalmente para impedir un uso no autorizado. Vuelva a intentarlo más tarde.
emu-error-code-wrong = El código de verificación que escribió no coincide con nuestros registros. Vuelva a intentarlo o pida un código nuevo.
emu-error-code-exhausted = Ha hecho demasiados intentos incorrectos. Pida un código nuevo y vuelva a intentarlo.
emu-error-code-expired = Ese código ha caducado. Pida un código nuevo.
emu-error-code-none = Pida un código de verificación y luego escríbalo aquí.
emu-error-code-empty = Escriba el código de verificación.
emu-error-email-invalid = Escriba una dirección de correo electrónico válida.
emu-error-password-rules = La contraseña debe tener entre 8 y 64 caracteres y al menos 3 de estos: una letra minúscula, una letra mayúscula, un número, un símbolo.
emu-error-password-characters = La contraseña contiene caracteres que no están permitidos.
emu-error-password-mismatch = Las contraseñas escritas no coinciden. Escriba la misma contraseña en los dos campos y vuelva a intentarlo.
