# The claims of this sign-in's token (templates/account_sign_in_details.html).
claims-title = Sign-in details
claims-back = Back to your account
claims-intro = What the sign-in service said about you in the token of this sign-in, by the names it uses (its "claims"). The portal keeps them only for this session.
claims-caption = Claims from your sign-in
claims-claim = Claim
claims-value = Value
