# The emulator's messages made in Rust (a wrong password, a refused code), shown on its
# user-flow pages. The English is B2C's own wording, word for word.
emu-error-account-not-found = We can't seem to find your account.
emu-error-wrong-password = Your password is incorrect.
emu-error-locked = Your account is temporarily locked to prevent unauthorized use. Try again later.
emu-error-code-wrong = The verification code you have entered does not match our records. Please try again, or request a new code.
emu-error-code-exhausted = You've made too many incorrect attempts. Please request a new code and try again.
emu-error-code-expired = That code is expired. Please request a new code.
emu-error-code-none = Please request a verification code, then enter it here.
emu-error-code-empty = Please enter the verification code.
emu-error-email-invalid = Please enter a valid email address.
emu-error-password-rules = The password must be between 8 and 64 characters. The password must have at least 3 of the following: a lowercase letter, an uppercase letter, a digit, a symbol.
emu-error-password-characters = The password contains characters that are not allowed.
emu-error-password-mismatch = The password entry fields do not match. Please enter the same password in both fields and try again.
