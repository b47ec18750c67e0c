# Billing and the care team (templates/records_people.html, records_party_card.html, records_visit_people.html).
people-billing-intro = What each visit was billed and what insurance paid, as the claims and insurers' statements in your record say.
people-billed-all = Billed in all
people-paid-all = Insurance paid in all
people-costs-caption = Costs per visit ({ $count }), newest first
people-billed-by = Billed by
people-billed = Billed
people-insurance-paid = Insurance paid
people-insurer = Insurer
people-no-costs = No costs recorded.
people-care-teams = Care teams
people-no-members = No members recorded.
people-clinicians = Clinicians
people-clinics = Clinics and organizations
people-places = Places
# Followed by a phone number.
people-phone = Phone:
people-who-where = Who and where
people-clinician = Clinician:
people-in-team = { $name } in your care team
people-clinic = Clinic:
people-place = Place:
people-visit-cost = What this visit cost
people-all-costs = All costs
