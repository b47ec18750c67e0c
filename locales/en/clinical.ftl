# Clinical words of the record pages (#31): our own short names of tests, the vital signs'
# names, units in words, ranges and the trend chart's time axis (src/records/ranges.rs,
# views.rs, chart_svg.rs). Names a source gives stay as it gives them.

## What a lay reader calls a test, by its LOINC code (ranges::TABLE and SHORT_NAMES; the
## English messages are the tables' names, a unit test keeps them so).
## A selector, as words.ftl's: our names are not messages of their own, so a source's name
## that happens to be ours ("Heart rate") is not taken for English text on a Spanish page.
## $name is the table's English name, for a code not listed here.
clinical-test-name = { $code ->
    [loinc-718-7] Hemoglobin
    [loinc-4544-3] Hematocrit
    [loinc-6690-2] White blood cells
    [loinc-777-3] Platelets
    [loinc-789-8] Red blood cells
    [loinc-787-2] Red cell size (MCV)
    [loinc-785-6] Hemoglobin per red cell (MCH)
    [loinc-786-4] Hemoglobin concentration (MCHC)
    [loinc-21000-5] Red cell size variation (RDW-SD)
    [loinc-788-0] Red cell size variation (RDW-CV)
    [loinc-32623-1] Platelet size (MPV)
    [loinc-32207-3] Platelet size variation (PDW)
    [loinc-2345-7] Glucose
    [loinc-2339-0] Glucose
    [loinc-6299-2] Urea nitrogen (BUN)
    [loinc-3094-0] Urea nitrogen (BUN)
    [loinc-38483-4] Creatinine
    [loinc-2160-0] Creatinine
    [loinc-17861-6] Calcium
    [loinc-49765-1] Calcium
    [loinc-2951-2] Sodium
    [loinc-2947-0] Sodium
    [loinc-6298-4] Potassium
    [loinc-2823-3] Potassium
    [loinc-2075-0] Chloride
    [loinc-2069-3] Chloride
    [loinc-2028-9] Carbon dioxide (bicarbonate)
    [loinc-20565-8] Carbon dioxide (bicarbonate)
    [loinc-33914-3] Kidney filtration rate (eGFR)
    [loinc-62238-1] Kidney filtration rate (eGFR)
    [loinc-1751-7] Albumin
    [loinc-2885-2] Total protein
    [loinc-1975-2] Bilirubin
    [loinc-6768-6] Alkaline phosphatase (ALP)
    [loinc-1742-6] Liver enzyme ALT
    [loinc-1920-8] Liver enzyme AST
    [loinc-14959-1] Urine albumin/creatinine ratio
    [loinc-2093-3] Total cholesterol
    [loinc-2571-8] Triglycerides
    [loinc-18262-6] LDL cholesterol
    [loinc-13457-7] LDL cholesterol
    [loinc-2089-1] LDL cholesterol
    [loinc-2085-9] HDL cholesterol
    [loinc-4548-4] Hemoglobin A1c
    [loinc-17856-6] Hemoglobin A1c
    [loinc-55284-4] Blood pressure
    [loinc-85354-9] Blood pressure
    [loinc-8480-6] Systolic blood pressure
    [loinc-8462-4] Diastolic blood pressure
    [loinc-8867-4] Heart rate
    [loinc-9279-1] Breathing rate
    [loinc-39156-5] Body mass index (BMI)
    [loinc-29463-7] Weight
    [loinc-8302-2] Height
    [loinc-8310-5] Body temperature
    [loinc-8331-1] Body temperature (oral)
    [loinc-2708-6] Oxygen saturation
    [loinc-59408-5] Oxygen saturation (pulse oximeter)
    [loinc-72514-3] Pain score (0-10)
    [loinc-72166-2] Smoking status
    [loinc-10834-0] Globulin
    [loinc-59576-9] BMI percentile for age
    [loinc-77606-2] Weight-for-length percentile
    [loinc-8289-1] Head circumference percentile
    [loinc-9843-4] Head circumference
    [loinc-8478-0] Mean blood pressure
    [loinc-5767-9] Urine appearance
    [loinc-5778-6] Urine colour
    [loinc-5792-7] Urine glucose
    [loinc-25428-4] Urine glucose
    [loinc-20505-4] Urine bilirubin
    [loinc-5770-3] Urine bilirubin
    [loinc-2514-8] Urine ketones
    [loinc-5811-5] Urine specific gravity
    [loinc-5803-2] Urine pH
    [loinc-20454-5] Urine protein
    [loinc-5804-0] Urine protein
    [loinc-5802-4] Urine nitrite
    [loinc-5799-2] Urine white cells (leukocyte esterase)
    [loinc-5794-3] Blood in urine
    [loinc-2857-1] Prostate-specific antigen (PSA)
    [loinc-3016-3] Thyroid-stimulating hormone (TSH)
    [loinc-1988-5] C-reactive protein (CRP)
    [loinc-2276-4] Ferritin
    [loinc-6301-6] INR (blood clotting)
    [loinc-5902-2] Prothrombin time (PT)
    [loinc-48065-7] D-dimer
    [loinc-89579-7] Troponin I (heart muscle)
    [loinc-33762-6] NT-proBNP (heart strain)
    [loinc-30934-4] BNP (heart strain)
    [loinc-10230-1] Ejection fraction (heart pumping)
    [loinc-19926-5] FEV1/FVC (lung function)
    [loinc-72107-6] Memory test score (MMSE)
    [loinc-44261-6] Depression questionnaire score (PHQ-9)
    [loinc-55758-7] Depression screening score (PHQ-2)
    [loinc-70274-6] Anxiety questionnaire score (GAD-7)
    [loinc-75626-2] Alcohol use score (AUDIT-C)
    [loinc-82810-3] Pregnancy status
    [loinc-76690-7] Sexual orientation
    [loinc-71802-3] Housing status
    [loinc-63586-2] Household income
    [loinc-93025-5] Social needs assessment (PRAPARE)
    [loinc-94531-1] COVID-19 test (PCR)
    [loinc-6206-7] Peanut allergy test (IgE)
    [loinc-6106-9] Egg white allergy test (IgE)
    [loinc-7258-7] Cow's milk allergy test (IgE)
    [loinc-6248-9] Soybean allergy test (IgE)
    [loinc-6276-0] Wheat allergy test (IgE)
    [loinc-6273-7] Walnut allergy test (IgE)
    [loinc-6246-3] Shrimp allergy test (IgE)
    [loinc-6082-2] Codfish allergy test (IgE)
    [loinc-6158-0] Latex allergy test (IgE)
    [loinc-6833-8] Cat dander allergy test (IgE)
    [loinc-6095-4] Dust mite allergy test (IgE)
    [loinc-6085-5] Ragweed allergy test (IgE)
    [loinc-6189-5] Oak pollen allergy test (IgE)
    [loinc-6075-6] Mould allergy test (IgE)
    [loinc-6844-5] Honey bee allergy test (IgE)
    [loinc-58410-2] Complete blood count (CBC)
    [loinc-57698-3] Lipid panel (cholesterol)
    [loinc-51990-0] Basic metabolic panel
    [loinc-24323-8] Comprehensive metabolic panel
    [loinc-24357-6] Urinalysis
   *[other] { $name }
}

## The columns of the vital signs' history (views::VITAL_COLUMNS), by the column's id.
clinical-vital = { $column ->
    [blood-pressure] Blood pressure
    [heart-rate] Heart rate
    [breathing-rate] Breathing rate
    [temperature] Temperature
    [oxygen-saturation] Oxygen saturation
    [weight] Weight
    [height] Height
    [bmi] Body mass index (BMI)
   *[other] { $name }
}

## UCUM units as people read them (ranges::unit_label, and units inside a source's text).
clinical-unit-mmhg = mmHg
clinical-unit-celsius = °C
clinical-unit-fahrenheit = °F
clinical-unit-per-minute = per minute
clinical-unit-kg-per-m2 = kg/m²
clinical-unit-thousand-per-ul = thousand per µL
clinical-unit-million-per-ul = million per µL
clinical-unit-egfr = mL/min/1.73 m²
clinical-unit-body-surface = 1.73 m²
clinical-unit-inch = in
clinical-unit-pound = lb
clinical-unit-ug-per-l = µg/L
clinical-unit-umol-per-l = µmol/L
clinical-unit-ul = µL

## A usual range with its unit ($low and $high are numbers already written for the language,
## or a blood pressure "90/60"; $unit as above or as the record gives it).
clinical-range-between = { $low } to { $high } { $unit }
clinical-range-at-most = { $high } { $unit } or less
clinical-range-at-least = { $low } { $unit } or more

## The trend chart's time axis (chart_svg.rs): short month names, a month and a day.
clinical-month-short-1 = Jan
clinical-month-short-2 = Feb
clinical-month-short-3 = Mar
clinical-month-short-4 = Apr
clinical-month-short-5 = May
clinical-month-short-6 = Jun
clinical-month-short-7 = Jul
clinical-month-short-8 = Aug
clinical-month-short-9 = Sep
clinical-month-short-10 = Oct
clinical-month-short-11 = Nov
clinical-month-short-12 = Dec
clinical-axis-month = { $month } { $year }
clinical-axis-day = { $day } { $month } { $year }

## The care team and billing pages (src/records/people_views.rs) and imaging (care_views.rs).
clinical-name-not-recorded = Name not recorded
# A visit's bill whose visit and services have no name.
clinical-billed-care = Care
clinical-care-team = Care team
# Amounts of two currencies ("$125.00 and 80.00 EUR"); more are joined the same way.
clinical-amounts = { $first } and { $next }
# An imaging series: what was done, of which part of the body (both as the record names them).
clinical-imaging-series = { $modality } of { $site }
# A care plan whose source names no category (src/records/care_views.rs).
clinical-care-plan = Care plan
# A value of a type the portal shows only as words (src/records/views.rs; a range or a period
# reads as words.ftl's range-between, "5 mg/dL to 10 mg/dL").
clinical-other-range-empty = A range (no values given)
clinical-other-ratio-empty = A ratio (no values given)
clinical-other-period-empty = A period (no dates given)
clinical-other-waveform = Recorded waveform data (not shown here)
clinical-other-attachment = Attachment: { $title } (not shown here)
clinical-other-attachment-untitled = An attachment (not shown here)
