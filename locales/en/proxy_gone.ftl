# Grants that are neither revoked nor ended but open nothing now (#29; access::LiveGrant::gone).
# The chooser (/acting: templates/acting.html, src/proxy/acting.rs) lists them without a link,
# with why; $name is the patient's name, $why one of the acting-gone-* reasons below.
acting-gone-heading = No longer works
acting-gone-intro = These accesses were not ended, but they no longer open anyone's record:
acting-gone-line = { $name }: { $why }
acting-gone-none-open = None of your accesses opens a record now.
acting-gone-grantor-unlinked = their record is no longer linked to the account that gave you this access. If they still want your help, they can invite you again.
acting-gone-email-changed = this access was given to an e-mail address that your sign-in no longer gives. Sign in with the account that uses that address, or ask them to invite the address you use now.
acting-gone-guardian-ended = access as their parent or guardian has ended: it lasts only while they are a minor.
# The 403 page of a guardian's grant that ended (its title is proxy-rules-gone-title).
proxy-gone-guardian-ended-page = Access as a parent or guardian lasts only while the patient is a minor, so this access opens nothing now. If they want your help, they can invite you from their own account.
# The patient's list of their proxies (/account/proxies): a grant given from the account the
# record was linked to before.
proxies-gone = Opens nothing now: this access was given from another account that your record was linked to before. End it, and invite them again if you want their help.
proxies-guardian-ended = Opens nothing now: access as a parent or guardian lasts only while the patient is a minor. You can end it here.
