# The chart's section pages (templates/records_section.html).
chart-conditions-at-death = Conditions at time of death
chart-conditions-current = Current conditions
chart-conditions-past = Past conditions
chart-condition = Condition
chart-status = Status
chart-since = Since
chart-started = Started
chart-ended = Ended
chart-not-recorded = Not recorded
chart-none-recorded = None recorded.
chart-medications-at-death = Medications at time of death
chart-medications-current = Current medications
chart-medications-past = Past medications
chart-medication = Medication
chart-how-to-take = How to take it
chart-prescribed-for = Prescribed for
chart-prescribed = Prescribed
chart-renewal = Renewal
chart-date-not-recorded = Date not recorded
# Before the prescriber's name: ", by Dr Ana Ruiz".
chart-by = by
# Read by screen readers after a button or link: "Ask for a renewal of Metformin".
chart-of = of { $name }
chart-ask-renewal = Ask for a renewal
chart-renewal-note = Note for your care team (optional)
chart-to-pharmacy = To your preferred pharmacy: { $pharmacy }.
chart-no-pharmacy = No preferred pharmacy yet.
chart-change-pharmacy = Change it
chart-no-known-allergies = No known allergies.
# Followed by a date.
chart-recorded-on = Recorded on
chart-allergies-caption = Allergies and intolerances
chart-allergies-unknown = The record has no information about allergies. This does not mean there are none.
chart-substance = Substance
chart-type = Type
chart-risk = Risk
chart-recorded = Recorded
chart-immunizations-caption = Immunizations ({ $count }), newest first
chart-vaccine = Vaccine
chart-date = Date
chart-latest-measurements = Latest measurements
chart-measurement = Measurement
chart-result = Result
chart-compared = Compared with the usual range
chart-usual-range = Usual range
chart-history = History
chart-not-compared = Not compared.
chart-no-range = No range
chart-not-available = Not available
chart-trend = Trend
chart-scroll-hint = If the table is cut off at the right, scroll it sideways to see every measurement; the dates stay in view.
chart-all-measurements = All measurements, newest first ({ $count } { $count ->
        [one] visit
       *[other] visits
    })
chart-not-measured = Not measured
chart-visits-caption = Visits ({ $count }), newest first
chart-visit = Visit
chart-reason = Reason
chart-seen-by = Seen by
chart-where = Where
# The header of every printed chart page (templates/records_print_header.html).
chart-print-mrn = MRN
# Followed by a date.
chart-printed-on = Printed from the patient portal on
