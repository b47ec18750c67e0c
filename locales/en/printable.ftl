# The printable summary (templates/records_printable.html). Its table headings and empty states
# are the chart pages' own (chart.ftl, records.ftl).
print-title = Printable summary
print-notice = This page is made for printing: use your browser's Print command (or save it as a PDF) and bring it to your appointment. It holds private health information; keep the paper safe.
print-back = Back to your record
# This page's name, as the printed header (records_print_header.html) looks it up by the
# page's English title, and its heading.
section-health-summary = Health summary
print-printed-on = Printed on
print-conditions = Current conditions ({ $count })
print-medications = Current medications ({ $count })
print-allergies = Allergies
print-immunizations = Immunizations ({ $count })
print-vitals = Latest vital signs
print-results = Recent lab results
# Only when not every test fits: $shown of the $tests tests, the most recently done.
print-results-some = { $shown ->
    [one] The latest result of the most recently done of { $tests } tests. All results are in the portal.
   *[other] The latest result of the { $shown } most recently done of { $tests } tests. All results are in the portal.
}
