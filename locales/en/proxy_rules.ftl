# Proxies' rules (#29): who may accept an invitation, and a grant whose people changed.
proxy-rules-wrong-account-title = This invitation is for someone else
proxy-rules-wrong-account = This invitation was sent to a different e-mail address from the one your sign-in gave. Sign in with the account that uses the address the invitation was sent to, or ask the person who invited you to send a new one to your address.
proxy-rules-no-email = Your sign-in did not give the portal a verified e-mail address, so it cannot tell that this invitation was sent to you. Sign in with the account that uses the address the invitation was sent to.
