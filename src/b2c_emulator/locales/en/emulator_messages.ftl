# Sentences the emulator makes in Rust for a person to read: its error pages, the sign-out
# page's notes, the flows' field errors not in emulator_errors.ftl, and the development outbox.
# B2C's AADB2C code stays before an error's sentence in every language (the code is what
# support looks up); the English is B2C's own wording, word for word. The token endpoint's JSON
# error_description strings are for apps, not people, and stay English (token.rs).
emu-aadb2c90006 = The redirect URI '{ $uri }' provided in the request is not registered for the client id '{ $client_id }'.
emu-aadb2c90006-invalid = The redirect URI '{ $uri }' provided in the request is not valid.
emu-aadb2c90008 = The request does not contain a client id parameter.
emu-aadb2c90018 = The client id '{ $client_id }' specified in the request is not registered in tenant '{ $tenant }'.
emu-aadb2c90022 = Unable to return metadata for the policy '{ $policy }' in tenant '{ $tenant }'.
emu-aadb2c90046 = We are having trouble loading your current state. You might want to try starting your session over from the beginning.
emu-aadb2c90067 = The post logout redirect URI has an invalid format.
emu-aadb2c90085-unreadable = The request parameters could not be read (is a parameter repeated?).
emu-aadb2c90085-internal = The service has encountered an internal error. Please reauthenticate and try again.
emu-tenant-unknown = The tenant '{ $tenant }' does not exist in this emulator.
emu-page-not-found = The page you are looking for does not exist on this B2C emulator.
emu-form-unreadable = The form could not be read.
emu-unexpected-action = This page does not offer that action. Go back and try again.
emu-sign-in-first = Please sign in first.
emu-account-gone = This account no longer exists.
emu-too-many-codes = There have been too many requests to verify this account. Please start again later.
emu-signout-unreadable = The sign-out request could not be read.
emu-signout-not-registered = The application asked to return to an address that is not registered, so you stay here.
emu-signout-not-verified = The sign-out request could not be verified, so you stay here.
# Field errors: the flows write this English, the page shows the message of its language.
emu-error-email-missing = Please enter your Email Address
emu-error-password-missing = Please enter your password
emu-error-user-exists = A user with the specified ID already exists. Please choose a different one.
emu-error-no-account-for-id = An account could not be found for the provided user ID.
emu-error-verify-email-first = Please verify your email address with a code first.
emu-error-verify-email-to-create = Please verify your email address with a code before creating your account.
emu-error-given-name = Please enter your given name (up to 64 characters).
emu-error-surname = Please enter your surname (up to 64 characters).
emu-error-country = Please choose your country or region.
emu-error-phone-invalid = The phone number you provided is not valid. Please enter a valid phone number, without the country code.
emu-error-phone-country = Please choose your country code.
# The development outbox: how a message went, and the message, in the flow's language.
outbox-kind-email = E-mail
outbox-kind-sms = Text message
outbox-kind-call = Phone call
outbox-body-email = Verify your email address. Thanks for verifying your { $recipient } account! Your code is: { $code }
outbox-body-sms = Use verification code { $code } for { $domain } authentication.
outbox-body-call = (Phone call) Hello! Thank you for using the { $domain } verification system. Your verification code is { $code }.
