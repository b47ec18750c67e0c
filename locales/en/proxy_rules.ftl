# Proxies' rules (#29): who may accept an invitation, and a grant whose people changed.
proxy-rules-wrong-account-title = This invitation is for someone else
proxy-rules-wrong-account = This invitation was sent to a different e-mail address from the one your sign-in gave. Sign in with the account that uses the address the invitation was sent to, or ask the person who invited you to send a new one to your address.
proxy-rules-no-email = Your sign-in did not give the portal a verified e-mail address, so it cannot tell that this invitation was sent to you. Sign in with the account that uses the address the invitation was sent to.
proxy-rules-gone-title = This access no longer opens the record
proxy-rules-grantor-unlinked = The person who gave you this access no longer holds their record in the portal with the same account, so it opens nothing now. If they still want your help, they can invite you again from their account.
proxy-rules-email-changed = This access was given to an e-mail address that your sign-in no longer gives, so it opens nothing now. Sign in with the account that uses that address, or ask them to invite the address you use now.
