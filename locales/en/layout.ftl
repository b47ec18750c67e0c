# The base layout (templates/base.html): every page.
site-name = Patient portal
skip-to-main = Skip to main content
nav-main = Main
nav-home = Home
nav-record = My record
nav-messages = Messages
nav-unread = { $count } unread
nav-appointments = Appointments
nav-account = Account
# Only for someone who holds a live proxy grant (#29): the switch to the records they open for others.
nav-acting = Records you can open for others
nav-signed-in-as = Signed in as
nav-sign-out = Sign out
nav-sign-in = Sign in
footer-privacy = Your health information is private. Every access to your record is logged, and you can see who looked at it.
# The language switch (each language's own name is `language-own-name` in its language_name.ftl).
language-switch = Language
language-change = Change the language to { $name }
nav-share = Share
