# The emulator's pages outside a user flow: the error page (B2C's own wording), the
# development outbox, the form_post page and the signed-out page. What B2C says went wrong
# (an AADB2C code and its sentence) comes from the Rust code as a value.
error-title = Error
error-heading = Sorry, but we're having trouble signing you in.
error-try-again = We track these errors automatically, but if the problem persists feel free to contact us. In the meantime, please try again.
error-correlation = Correlation ID: { $id }
error-timestamp = Timestamp: { $time }
outbox-title = Development outbox
outbox-intro = Text messages, calls and e-mails the emulator would have sent, newest first. Nothing leaves this machine.
outbox-caption = Delivered messages
outbox-time = Time
outbox-to = To
outbox-kind = Kind
outbox-message = Message
outbox-none = No messages yet.
form-post-title = Returning to the application
form-post-intro = Your browser is taking you back to the application. If nothing happens, choose { $button }.
signed-out-title = Signed out
signed-out-heading = You have signed out
signed-out-intro = You have been signed out of the B2C emulator's session. You can close this window.
