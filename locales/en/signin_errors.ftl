# Why a sign-in was refused (#31): the sign-in error page's sentence (auth::routes::refuse).
signin-error-state = This sign-in link has expired, was already used, or was started in another browser. Please sign in again.
signin-error-unavailable = The sign-in service could not be reached. Please try again in a few minutes.
signin-error-policy = This sign-in did not use multi-factor authentication, which the portal requires. Please sign in again.
signin-error-stale = Your session ended, so the portal needs you to enter your password again. Please sign in again.
signin-error-tenant = This sign-in came from another organisation's directory, which this portal does not accept. Please sign in again.
signin-error-provider = The sign-in service could not complete the sign-in. Please sign in again.
signin-error-identity = We could not confirm your identity from the sign-in service's answer. Please sign in again.
# The identity provider's own error codes, in words (docs/IDENTITY_PROVIDERS.md).
signin-error-no-session = The sign-in service did not find a sign-in of yours to continue. Please sign in again.
signin-error-new-account = Your account was created, but the sign-in service did not let it in straight away. Please sign in again with your new account.
signin-error-not-for-patients = The sign-in service's address is not set up for patient accounts. Please tell the clinic; signing in again will not help.
signin-error-consent-declined = The sign-in was stopped because consent was declined. Please sign in again and accept to continue.
signin-error-access-rules = The sign-in service's access rules did not allow this sign-in. Please contact the clinic.
signin-error-mfa-incomplete = Multi-factor authentication was not completed, and the portal requires it. Please sign in again.
signin-error-too-many = There were too many sign-in attempts. Please wait a few minutes and try again.
signin-error-too-long = The sign-in took too long and has expired. Please sign in again.
signin-error-reply-address = The portal's reply address is not registered with the sign-in service. Please tell the clinic.
