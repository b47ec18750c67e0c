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
# How a result compares with the usual range (src/records/ranges.rs, Flag), by its English words.
flag-high = High
flag-low = Low
flag-normal = Normal
flag-could-not-be-compared = Could not be compared
# The latest lab results (templates/records_chart_labs.html).
chart-test = Test
chart-labs-latest = { $tests ->
        [one] The latest result of 1 test
       *[other] The latest result of each of { $tests } tests
    } ({ $results } { $results ->
        [one] result
       *[other] results
    } in all).
chart-labs-compared = Each is compared with the usual range for adults:
# Between the last two of a list of flags: "High, Low or Normal".
chart-labs-or = or
# Followed by the flag "Could not be compared".
chart-labs-impossible = a value that cannot be real for its test (usually recorded in another unit)
chart-labs-open = Open a test to see all its results over time.
chart-labs-caption = Latest results, newest first
chart-labs-all = All { $count } results
chart-labs-details = Details
# One test's history (templates/records_chart_lab.html).
# Followed by the value.
chart-lab-latest = Latest result:
# Between the value and its date.
chart-lab-on = on
chart-lab-range = The usual range is { $range }.
chart-lab-no-range = We have no usual range for this test.
chart-lab-not-compared = { $count ->
        [one] One result is far outside what is possible for this test, most likely because it was recorded in another unit. It is shown as recorded, marked “Could not be compared”, and left out of the chart.
       *[other] { $count } results are far outside what is possible for this test, most likely because they were recorded in another unit. They are shown as recorded, marked “Could not be compared”, and left out of the chart.
    }
chart-lab-scroll = Scroll the chart sideways to see all of it.
chart-lab-date-of-test = Date of test
chart-lab-shapes = A filled shape is a result outside the usual range; a hollow shape is within it.
chart-lab-band = The shaded band between dashed lines is the usual range.
chart-lab-same = The same results are listed in the table below.
chart-lab-nothing = There is nothing to chart; the results are all listed below.
chart-lab-not-numbers = These results are not numbers, so there is no chart; they are all listed below.
chart-lab-caption = { $count ->
        [one] 1 result of { $name }
       *[other] All { $count } results of { $name }, newest first
    }
chart-lab-source = How the laboratory names this test
chart-lab-back-vitals = Back to vital signs
chart-lab-back-labs = Back to all lab results
# The chart's summary (templates/records_chart_summary.html).
chart-sum-about = About
chart-sum-name = Name
chart-sum-address = Address
chart-sum-phone = Phone
# Followed by a date.
chart-sum-since = since
chart-sum-for = for { $reason }
chart-sum-all-conditions = All conditions
chart-sum-all-medications = All medications
chart-sum-allergy-details = Allergy details
chart-sum-latest-vitals = Latest vital signs
chart-sum-all-vitals = All vital signs
chart-sum-recent-labs = Recent lab results
chart-sum-all-labs = All lab results
chart-sum-more = More of the record
chart-sum-care-plans = Care plans and goals
chart-sum-reports = Test reports and imaging
chart-sum-social = Social history (smoking and other questions)
chart-sum-visits = Visits and what happened in them
# Procedures, care plans, reports and imaging, social history, one visit (templates/records_care.html).
care-procedures-caption = Procedures ({ $count }), newest first
care-procedure = Procedure
care-the-visit = The visit
care-of-this-report = of this report
care-of-this-imaging = of this imaging
care-for = For
care-activities = Activities of this plan
care-activity = Activity
care-no-activities = No activities recorded.
care-goals = Goals of this plan
care-goal = Goal
care-progress = Progress
care-no-plans = No care plans recorded.
care-other-goals = Other goals
care-goals-not-in-plan = Goals not part of a care plan
care-test-reports = Test reports
care-report-results = Results of this report
care-conclusion = Conclusion:
care-document-not-shown = This document cannot be shown here; it is included when you download your record.
care-imaging = Imaging
care-imaging-caption = Imaging studies ({ $count }), newest first
care-images-col = Images
care-other-measurements = Other measurements
care-other-caption = Other measurements and exam results, latest of each
care-latest-result = Latest result
care-all-n = All { $count }
care-results-of = results of { $name }
care-latest-answers = Latest answers
care-question = Question
care-latest-answer = Latest answer
care-answers = Answers
care-answer = Answer
care-answers-to = answers to { $name }
care-every-answer = { $name }: every answer, newest first
care-all-visits = All visits
care-visit-conditions = Conditions recorded at this visit
care-visit-results = Results and measurements
care-visit-results-caption = Results and measurements of this visit
care-visit-medications = Medications prescribed
care-all-plans = All care plans and goals
care-results-listed = { $count } { $count ->
        [one] result
       *[other] results
    } (listed above)
care-all-reports = All test reports and imaging
care-images = { $count } { $count ->
        [one] image
       *[other] images
    }
