# Words the chart's views build from the record's codes (src/records/views.rs). The selectors
# are the FHIR codes the record keeps; the record itself stays language-free.
record-sex = { $code ->
    [female] Female
    [male] Male
    [other] Other
   *[unknown] Unknown
}
record-clinical-status = { $code ->
    [active] Active
    [recurrence] Recurred
    [relapse] Relapsed
    [inactive] Inactive
    [remission] In remission
    [resolved] Resolved
   *[other] Status not recorded
}
record-status-not-recorded = Status not recorded
# A condition's status with how sure the diagnosis is ($status is record-clinical-status).
record-condition-refuted = { $status } (ruled out)
record-condition-entered-in-error = { $status } (entered in error)
record-condition-unconfirmed = { $status } (not yet confirmed)
record-medication-status = { $code ->
    [active] Active
    [on-hold] On hold
    [cancelled] Cancelled
    [completed] Completed
    [entered-in-error] Entered in error
    [stopped] Stopped
    [draft] Draft
   *[unknown] Unknown
}
record-allergy-kind = { $code ->
    [allergy] Allergy
   *[intolerance] Intolerance
}
record-allergy-category = { $code ->
    [food] Food
    [medication] Medicine
    [environment] Environment
   *[biologic] Biologic
}
record-criticality = { $code ->
    [low] Low risk
    [high] High risk
   *[unable-to-assess] Risk not assessed
}
record-immunization-status = { $code ->
    [completed] Given
    [not-done] Not given
   *[entered-in-error] Entered in error
}
record-no-value = No value recorded
record-note-not-a-number = The value recorded is not a number.
record-note-no-usual-range = This test has no usual range.
record-note-impossible-value = Not a possible value for this test in { $unit }: most likely recorded in another unit.
record-note-impossible-value-no-unit = Not a possible value for this test in this unit: most likely recorded in another unit.
record-note-other-unit = Recorded in { $unit }; the usual range we have is in { $ours }.
record-note-other-unit-no-unit = Recorded in this unit; the usual range we have is in { $ours }.
# The trend chart of a test's results (src/records/chart_svg.rs); $name is the test's name.
chart-svg-title = { $name } over time
chart-svg-value = Value
chart-svg-normal-range = Normal range
chart-svg-series-normal-range = { $name }: normal range
# The chart in words (its <desc>), one sentence group per series.
chart-svg-desc-one = { $name }: 1 result, on { $date }. Latest { $latest }
chart-svg-desc-many = { $name }: { $count ->
    [one] { $count } result
   *[other] { $count } results
} from { $first } to { $last }. Latest { $latest }
chart-svg-desc-flag = ({ $flag })
chart-svg-desc-extremes = Highest { $highest }, lowest { $lowest }
chart-svg-desc-range = Normal range { $range }; { $outside } of { $count } outside it
# An appointment's state (src/appointments/status.rs), by its stored code.
appointment-state = { $state ->
    [requested] Requested: waiting for the care team
    [proposed] The care team proposed a time
    [booked] Booked
    [declined] Declined
    [cancelled] Cancelled
    [completed] Completed
   *[no_show] Missed
}
# A medication renewal's state (src/renewals/state.rs), by its stored code.
renewal-state = { $state ->
    [requested] Renewal requested: waiting for the care team
    [approved] Renewal approved
   *[declined] Renewal declined
}
# What a conversation is about (src/messages/draft.rs), by its stored code.
message-category = { $category ->
    [result] Question about a result
    [medication] Medication question
   *[general] General question
}
# A decided renewal's details, after its state (src/renewals/patient.rs).
renewal-decided-by = { $state } by { $by } on { $when }
renewal-quantity = quantity { $quantity }
renewal-refills = { $count ->
    [one] { $count } refill
   *[other] { $count } refills
}
renewal-sent-to = sent to { $pharmacy }
# A visit without a type of its own, by its encounter class (v3 ActCode).
record-visit-class = { $code ->
    [AMB] Outpatient visit
    [EMER] Emergency visit
    [IMP] Hospital stay
    [ACUTE] Hospital stay
    [NONAC] Hospital stay
    [OBSENC] Observation stay
    [PRENC] Pre-admission
    [SS] Short stay
    [VR] Virtual visit
    [HH] Home visit
    [FLD] Field visit
   *[other] Visit
}
# A FHIR status code in words (procedures, care plans and goals, reports); $words is the code
# itself made readable, for a code not listed.
record-fhir-status = { $code ->
    [active] Active
    [completed] Completed
    [in-progress] In progress
    [cancelled] Cancelled
    [stopped] Stopped
    [on-hold] On hold
    [entered-in-error] Entered in error
    [draft] Draft
    [revoked] Revoked
    [not-done] Not done
    [preparation] Preparation
    [unknown] Unknown
    [scheduled] Scheduled
    [final] Final
    [amended] Amended
    [preliminary] Preliminary
    [proposed] Proposed
    [accepted] Accepted
    [planned] Planned
    [achieved] Achieved
    [not-achieved] Not achieved
    [rejected] Rejected
    [improving] Improving
    [worsening] Worsening
    [no-change] No change
    [sustaining] Sustaining
    [no-progress] No progress
    [not-attainable] Not attainable
   *[other] { $words }
}
record-status-none = Not recorded
record-activity-unnamed = Activity (not named)
record-report-text = Report text
record-attached-document = Attached document (not shown here)
# A test's usual range, without its unit (src/records/ranges.rs).
range-between = { $low } to { $high }
range-at-most = { $high } or less
range-at-least = { $low } or more
# What a proxy may do (src/proxy/mod.rs Scope), by its stored code.
proxy-scope = { $scope ->
    [record] Read the health record
    [messages] Message the care team
    [appointments] Manage appointments
   *[renewals] Ask for medication renewals
}
