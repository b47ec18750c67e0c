# Linking one's account to a health record (templates/activate.html).
activate-title = Link your record
activate-heading = Link your health record
activate-not-linked = Your account is not linked to a health record yet, so the portal has nothing of yours to show: link it here first.
activate-intro = Your clinic gives you an activation code, on paper or in person. Enter it with your date of birth to see your record. You only do this once.
activate-code = Activation code
# The code's shape, shown in the empty field.
activate-code-placeholder = XXXX-XXXX-XXXX
activate-submit = Link my record
