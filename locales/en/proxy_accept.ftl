# Accepting an invitation to act for someone (templates/proxy_accept.html).
proxy-accept-title = Accept an invitation
proxy-accept-intro = Someone has invited you to act for them in the patient portal, with your own account. You will be able to:
proxy-accept-until = Until { $until }.
proxy-accept-recorded = Everything you open for them is recorded, and they see it in their access log. They can end your access at any time.
proxy-accept-submit = Accept
proxy-accept-not-now = Not now
