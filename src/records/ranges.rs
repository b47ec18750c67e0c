//! Our own reference ranges for common adult labs and vital signs, keyed by LOINC.
//!
//! Synthea (and many real feeds) send no `referenceRange` or `interpretation`, so the portal flags
//! results against this table. Ranges are typical adult ranges of US laboratories and guidelines,
//! sex-independent where possible (where the sexes differ we take the union, so a flag means
//! "outside the usual range for any adult"):
//! - CBC and chemistry: MedlinePlus lab test pages and Mayo Clinic Laboratories adult intervals;
//! - lipids: NCEP ATP III "desirable/optimal" cut-offs (total < 200, LDL < 100, TG < 150,
//!   HDL >= 40 mg/dL); HbA1c: ADA (< 5.7 %) above the usual lower limit of 4.0 %; fasting
//!   glucose: ADA (70-99 mg/dL);
//! - eGFR: KDIGO (>= 60 mL/min/1.73 m2);
//! - blood pressure: AHA/ACC 2017 (normal < 120/80; < 90/60 is low); heart rate: AHA 60-100/min;
//!   respiratory rate 12-20/min; temperature 36.1-37.2 Cel (97-99 F); SpO2 95-100 %;
//!   BMI: CDC/WHO 18.5-24.9 kg/m2.
//!
//! Bounds are inclusive and written at the precision the result is reported with (`decimals`), so
//! a "< 200" cut-off is `high: 199` at 0 decimals. A value is rounded to that precision before it
//! is compared, so the flag always agrees with the number the patient reads.
//!
//! Units are UCUM codes as Synthea writes them; [`UNIT_ALIASES`] lists other spellings that
//! mean the same number (Synthea writes eGFR as `mL/min`). A result in any other unit gets no
//! flag rather than a wrong one.
//!
//! A value outside its test's plausibility band ([`PLAUSIBLE`], far wider than any real
//! patient's value: total protein 73 g/dL is g/L written as g/dL) is a unit error in the source,
//! not a finding: it is flagged [`Flag::NotComparable`], never High or Low.

use std::fmt;

use crate::i18n::Arg;

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceRange {
    pub loinc: &'static str,
    /// What a lay reader calls it.
    pub name: &'static str,
    /// UCUM code, as Synthea writes it.
    pub unit: &'static str,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Decimals shown, and the precision the bounds are written at.
    pub decimals: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    Low,
    Normal,
    High,
    /// The value cannot be real in this unit (outside the test's plausibility band), so it is
    /// shown as recorded and not compared with the range.
    NotComparable,
}

/// The flag's code as the templates read it (`flag-high` … in `chart.ftl`, by
/// `t_or(key="flag-" ~ flag | lower …)`): pages show the message, never this text itself.
impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flag::Low => "Low",
            Flag::Normal => "Normal",
            Flag::High => "High",
            Flag::NotComparable => "Could not be compared",
        })
    }
}

const fn row(
    loinc: &'static str,
    name: &'static str,
    unit: &'static str,
    low: Option<f64>,
    high: Option<f64>,
    decimals: u8,
) -> ReferenceRange {
    ReferenceRange {
        loinc,
        name,
        unit,
        low,
        high,
        decimals,
    }
}

/// The table. Several LOINC codes name one test in different specimens (serum vs. blood);
/// Synthea uses the "in Blood" codes for some (2339-0, 2947-0, 6298-4, 2069-3, 20565-8, 38483-4,
/// 49765-1) and the serum codes elsewhere, so both are listed.
pub static TABLE: &[ReferenceRange] = &[
    // Complete blood count
    row("718-7", "Hemoglobin", "g/dL", Some(12.0), Some(17.5), 1),
    row("4544-3", "Hematocrit", "%", Some(36.0), Some(50.0), 1),
    row(
        "6690-2",
        "White blood cells",
        "10*3/uL",
        Some(4.5),
        Some(11.0),
        1,
    ),
    row("777-3", "Platelets", "10*3/uL", Some(150.0), Some(450.0), 0),
    row(
        "789-8",
        "Red blood cells",
        "10*6/uL",
        Some(4.20),
        Some(6.10),
        2,
    ),
    row(
        "787-2",
        "Red cell size (MCV)",
        "fL",
        Some(80.0),
        Some(100.0),
        1,
    ),
    row(
        "785-6",
        "Hemoglobin per red cell (MCH)",
        "pg",
        Some(27.0),
        Some(33.0),
        1,
    ),
    row(
        "786-4",
        "Hemoglobin concentration (MCHC)",
        "g/dL",
        Some(32.0),
        Some(36.0),
        1,
    ),
    row(
        "21000-5",
        "Red cell size variation (RDW-SD)",
        "fL",
        Some(39.0),
        Some(46.0),
        1,
    ),
    row(
        "788-0",
        "Red cell size variation (RDW-CV)",
        "%",
        Some(11.5),
        Some(14.5),
        1,
    ),
    row(
        "32623-1",
        "Platelet size (MPV)",
        "fL",
        Some(7.5),
        Some(11.5),
        1,
    ),
    row(
        "32207-3",
        "Platelet size variation (PDW)",
        "fL",
        Some(9.0),
        Some(17.0),
        1,
    ),
    // Basic / comprehensive metabolic panel
    row("2345-7", "Glucose", "mg/dL", Some(70.0), Some(99.0), 0),
    row("2339-0", "Glucose", "mg/dL", Some(70.0), Some(99.0), 0),
    row(
        "6299-2",
        "Urea nitrogen (BUN)",
        "mg/dL",
        Some(7.0),
        Some(20.0),
        0,
    ),
    row(
        "3094-0",
        "Urea nitrogen (BUN)",
        "mg/dL",
        Some(7.0),
        Some(20.0),
        0,
    ),
    row("38483-4", "Creatinine", "mg/dL", Some(0.60), Some(1.30), 2),
    row("2160-0", "Creatinine", "mg/dL", Some(0.60), Some(1.30), 2),
    row("17861-6", "Calcium", "mg/dL", Some(8.5), Some(10.2), 1),
    row("49765-1", "Calcium", "mg/dL", Some(8.5), Some(10.2), 1),
    row("2951-2", "Sodium", "mmol/L", Some(135.0), Some(145.0), 0),
    row("2947-0", "Sodium", "mmol/L", Some(135.0), Some(145.0), 0),
    row("6298-4", "Potassium", "mmol/L", Some(3.5), Some(5.0), 1),
    row("2823-3", "Potassium", "mmol/L", Some(3.5), Some(5.0), 1),
    row("2075-0", "Chloride", "mmol/L", Some(98.0), Some(107.0), 0),
    row("2069-3", "Chloride", "mmol/L", Some(98.0), Some(107.0), 0),
    row(
        "2028-9",
        "Carbon dioxide (bicarbonate)",
        "mmol/L",
        Some(22.0),
        Some(29.0),
        0,
    ),
    row(
        "20565-8",
        "Carbon dioxide (bicarbonate)",
        "mmol/L",
        Some(22.0),
        Some(29.0),
        0,
    ),
    row(
        "33914-3",
        "Kidney filtration rate (eGFR)",
        "mL/min/{1.73_m2}",
        Some(60.0),
        None,
        0,
    ),
    row(
        "62238-1",
        "Kidney filtration rate (eGFR)",
        "mL/min/{1.73_m2}",
        Some(60.0),
        None,
        0,
    ),
    row("1751-7", "Albumin", "g/dL", Some(3.5), Some(5.0), 1),
    row("2885-2", "Total protein", "g/dL", Some(6.0), Some(8.3), 1),
    row("1975-2", "Bilirubin", "mg/dL", Some(0.1), Some(1.2), 1),
    row(
        "6768-6",
        "Alkaline phosphatase (ALP)",
        "U/L",
        Some(44.0),
        Some(147.0),
        0,
    ),
    row(
        "1742-6",
        "Liver enzyme ALT",
        "U/L",
        Some(7.0),
        Some(56.0),
        0,
    ),
    row(
        "1920-8",
        "Liver enzyme AST",
        "U/L",
        Some(10.0),
        Some(40.0),
        0,
    ),
    row(
        "14959-1",
        "Urine albumin/creatinine ratio",
        "mg/g",
        None,
        Some(29.9),
        1,
    ),
    // Lipids
    row("2093-3", "Total cholesterol", "mg/dL", None, Some(199.0), 0),
    row("2571-8", "Triglycerides", "mg/dL", None, Some(149.0), 0),
    row("18262-6", "LDL cholesterol", "mg/dL", None, Some(99.0), 0),
    row("13457-7", "LDL cholesterol", "mg/dL", None, Some(99.0), 0),
    row("2089-1", "LDL cholesterol", "mg/dL", None, Some(99.0), 0),
    row("2085-9", "HDL cholesterol", "mg/dL", Some(40.0), None, 0),
    // Diabetes
    // 4.0 is the usual lower reference limit: a value below it (seen: 3.0 % in a diabetic on
    // insulin) is worth a question (anaemia, haemolysis, a variant haemoglobin), never "Normal".
    row("4548-4", "Hemoglobin A1c", "%", Some(4.0), Some(5.6), 1),
    row("17856-6", "Hemoglobin A1c", "%", Some(4.0), Some(5.6), 1),
    // Vital signs
    row("55284-4", "Blood pressure", "mm[Hg]", None, None, 0),
    row("85354-9", "Blood pressure", "mm[Hg]", None, None, 0),
    row(
        "8480-6",
        "Systolic blood pressure",
        "mm[Hg]",
        Some(90.0),
        Some(119.0),
        0,
    ),
    row(
        "8462-4",
        "Diastolic blood pressure",
        "mm[Hg]",
        Some(60.0),
        Some(79.0),
        0,
    ),
    row("8867-4", "Heart rate", "/min", Some(60.0), Some(100.0), 0),
    row(
        "9279-1",
        "Breathing rate",
        "/min",
        Some(12.0),
        Some(20.0),
        0,
    ),
    row(
        "39156-5",
        "Body mass index (BMI)",
        "kg/m2",
        Some(18.5),
        Some(24.9),
        1,
    ),
    row("29463-7", "Weight", "kg", None, None, 1),
    row("8302-2", "Height", "cm", None, None, 1),
    row(
        "8310-5",
        "Body temperature",
        "Cel",
        Some(36.1),
        Some(37.2),
        1,
    ),
    row(
        "8331-1",
        "Body temperature (oral)",
        "Cel",
        Some(36.1),
        Some(37.2),
        1,
    ),
    row(
        "2708-6",
        "Oxygen saturation",
        "%",
        Some(95.0),
        Some(100.0),
        0,
    ),
    row(
        "59408-5",
        "Oxygen saturation (pulse oximeter)",
        "%",
        Some(95.0),
        Some(100.0),
        0,
    ),
    row("72514-3", "Pain score (0-10)", "{score}", None, None, 0),
];

/// The table row for a LOINC code.
pub fn lookup(loinc: &str) -> Option<&'static ReferenceRange> {
    TABLE.iter().find(|r| r.loinc == loinc)
}

/// The table row for a LOINC code when `unit` is the row's unit or an alias of it: the row a
/// result in that unit may be compared with.
pub fn lookup_in(loinc: &str, unit: &str) -> Option<&'static ReferenceRange> {
    lookup(loinc).filter(|r| same_unit(r, unit))
}

/// Another spelling of a table unit that means the same number. `only` limits an alias to
/// some tests (empty: any test with that unit).
#[derive(Debug, Clone, Copy)]
pub struct UnitAlias {
    pub unit: &'static str,
    pub alias: &'static str,
    pub only: &'static [&'static str],
}

const fn alias(
    unit: &'static str,
    alias: &'static str,
    only: &'static [&'static str],
) -> UnitAlias {
    UnitAlias { unit, alias, only }
}

const ANY: &[&str] = &[];
const EGFR: &[&str] = &["33914-3", "62238-1"];
/// Monovalent ions, for which a milliequivalent is a millimole.
const MONOVALENT: &[&str] = &[
    "2951-2", "2947-0", "6298-4", "2823-3", "2075-0", "2069-3", "2028-9", "20565-8",
];

/// Exact equivalences only: the number does not change, only its spelling. eGFR is by
/// definition normalised to 1.73 m² of body surface, so its `mL/min` is `mL/min/{1.73_m2}`.
pub static UNIT_ALIASES: &[UnitAlias] = &[
    alias("mL/min/{1.73_m2}", "mL/min", EGFR),
    alias("mL/min/{1.73_m2}", "mL/min/1.73m2", EGFR),
    alias("mL/min/{1.73_m2}", "mL/min/{1.73m2}", EGFR),
    alias("mL/min/{1.73_m2}", "mL/min/1.73_m2", EGFR),
    alias("mm[Hg]", "mmHg", ANY),
    alias("/min", "{beats}/min", ANY),
    alias("/min", "{breaths}/min", ANY),
    alias("/min", "beats/min", ANY),
    alias("/min", "breaths/min", ANY),
    alias("Cel", "°C", ANY),
    alias("Cel", "degC", ANY),
    alias("10*3/uL", "10^3/uL", ANY),
    alias("10*3/uL", "K/uL", ANY),
    alias("10*3/uL", "10*9/L", ANY),
    alias("10*6/uL", "10^6/uL", ANY),
    alias("10*6/uL", "M/uL", ANY),
    alias("10*6/uL", "10*12/L", ANY),
    alias("kg/m2", "kg/m^2", ANY),
    alias("mg/dL", "mg/dl", ANY),
    alias("g/dL", "g/dl", ANY),
    alias("U/L", "IU/L", ANY),
    alias("mg/g", "mg/g{creat}", ANY),
    alias("mmol/L", "mEq/L", MONOVALENT),
];

fn same_unit(range: &ReferenceRange, unit: &str) -> bool {
    range.unit == unit
        || UNIT_ALIASES.iter().any(|a| {
            a.unit == range.unit
                && a.alias == unit
                && (a.only.is_empty() || a.only.contains(&range.loinc))
        })
}

/// Values no living patient has, in the table's unit: (codes, lowest, highest). Deliberately
/// wide (survivable extremes and beyond); a value outside is a unit or entry error.
pub static PLAUSIBLE: &[(&[&str], f64, f64)] = &[
    (&["718-7"], 1.0, 25.0),
    (&["4544-3"], 5.0, 80.0),
    (&["6690-2"], 0.05, 500.0),
    (&["777-3"], 1.0, 3000.0),
    (&["789-8"], 0.5, 10.0),
    (&["787-2"], 40.0, 160.0),
    (&["785-6"], 10.0, 60.0),
    (&["786-4"], 15.0, 50.0),
    (&["21000-5"], 20.0, 150.0),
    (&["788-0"], 5.0, 40.0),
    (&["32623-1"], 3.0, 25.0),
    (&["32207-3"], 3.0, 40.0),
    (&["2345-7", "2339-0"], 10.0, 2000.0),
    (&["6299-2", "3094-0"], 1.0, 300.0),
    (&["38483-4", "2160-0"], 0.05, 30.0),
    (&["17861-6", "49765-1"], 2.0, 25.0),
    (&["2951-2", "2947-0"], 90.0, 200.0),
    (&["6298-4", "2823-3"], 1.0, 12.0),
    (&["2075-0", "2069-3"], 50.0, 160.0),
    (&["2028-9", "20565-8"], 2.0, 60.0),
    (&["33914-3", "62238-1"], 1.0, 250.0),
    (&["1751-7"], 0.5, 8.0),
    (&["2885-2"], 1.0, 15.0),
    (&["1975-2"], 0.0, 60.0),
    (&["6768-6"], 1.0, 5000.0),
    (&["1742-6"], 1.0, 10000.0),
    (&["1920-8"], 1.0, 20000.0),
    (&["14959-1"], 0.0, 20000.0),
    (&["2093-3"], 20.0, 2000.0),
    (&["2571-8"], 5.0, 20000.0),
    (&["18262-6", "13457-7", "2089-1"], 1.0, 1500.0),
    (&["2085-9"], 2.0, 250.0),
    (&["4548-4", "17856-6"], 2.0, 25.0),
    (&["8480-6"], 30.0, 320.0),
    (&["8462-4"], 10.0, 220.0),
    (&["8867-4"], 10.0, 350.0),
    (&["9279-1"], 1.0, 90.0),
    (&["39156-5"], 5.0, 150.0),
    (&["8310-5", "8331-1"], 20.0, 46.0),
    (&["2708-6", "59408-5"], 20.0, 100.0),
];

/// The plausibility band of a test, in its table unit.
pub fn plausible(loinc: &str) -> Option<(f64, f64)> {
    PLAUSIBLE
        .iter()
        .find(|(codes, _, _)| codes.contains(&loinc))
        .map(|(_, low, high)| (*low, *high))
}

/// Low, Normal or High against our table, or NotComparable for an impossible value; `None`
/// when the test is not in the table, has no range, the unit is neither the table's nor an
/// alias of it, or the value is not a finite number.
pub fn flag(loinc: &str, value: f64, unit: &str) -> Option<Flag> {
    lookup_in(loinc, unit)?.flag(value)
}

/// The value rounded for display: the table's decimals for known tests, else about three
/// significant digits (85.60102792628544 -> "85.6"), never dropping integer digits.
pub fn format_value(loinc: &str, value: f64) -> String {
    match lookup(loinc) {
        Some(range) => range.format(value),
        None => format_significant(value),
    }
}

/// Short names for common tests outside [`TABLE`] (Synthea's panels, surveys and scores), by
/// LOINC code, where the source's name is a LOINC long name a lay reader would stumble over.
pub static SHORT_NAMES: &[(&str, &str)] = &[
    ("72166-2", "Smoking status"),
    ("10834-0", "Globulin"),
    ("59576-9", "BMI percentile for age"),
    ("77606-2", "Weight-for-length percentile"),
    ("8289-1", "Head circumference percentile"),
    ("9843-4", "Head circumference"),
    ("8478-0", "Mean blood pressure"),
    ("5767-9", "Urine appearance"),
    ("5778-6", "Urine colour"),
    ("5792-7", "Urine glucose"),
    ("25428-4", "Urine glucose"),
    ("20505-4", "Urine bilirubin"),
    ("5770-3", "Urine bilirubin"),
    ("2514-8", "Urine ketones"),
    ("5811-5", "Urine specific gravity"),
    ("5803-2", "Urine pH"),
    ("20454-5", "Urine protein"),
    ("5804-0", "Urine protein"),
    ("5802-4", "Urine nitrite"),
    ("5799-2", "Urine white cells (leukocyte esterase)"),
    ("5794-3", "Blood in urine"),
    ("2857-1", "Prostate-specific antigen (PSA)"),
    ("3016-3", "Thyroid-stimulating hormone (TSH)"),
    ("1988-5", "C-reactive protein (CRP)"),
    ("2276-4", "Ferritin"),
    ("6301-6", "INR (blood clotting)"),
    ("5902-2", "Prothrombin time (PT)"),
    ("48065-7", "D-dimer"),
    ("89579-7", "Troponin I (heart muscle)"),
    ("33762-6", "NT-proBNP (heart strain)"),
    ("30934-4", "BNP (heart strain)"),
    ("10230-1", "Ejection fraction (heart pumping)"),
    ("19926-5", "FEV1/FVC (lung function)"),
    ("72107-6", "Memory test score (MMSE)"),
    ("44261-6", "Depression questionnaire score (PHQ-9)"),
    ("55758-7", "Depression screening score (PHQ-2)"),
    ("70274-6", "Anxiety questionnaire score (GAD-7)"),
    ("75626-2", "Alcohol use score (AUDIT-C)"),
    ("82810-3", "Pregnancy status"),
    ("76690-7", "Sexual orientation"),
    ("71802-3", "Housing status"),
    ("63586-2", "Household income"),
    ("93025-5", "Social needs assessment (PRAPARE)"),
    ("94531-1", "COVID-19 test (PCR)"),
    ("6206-7", "Peanut allergy test (IgE)"),
    ("6106-9", "Egg white allergy test (IgE)"),
    ("7258-7", "Cow's milk allergy test (IgE)"),
    ("6248-9", "Soybean allergy test (IgE)"),
    ("6276-0", "Wheat allergy test (IgE)"),
    ("6273-7", "Walnut allergy test (IgE)"),
    ("6246-3", "Shrimp allergy test (IgE)"),
    ("6082-2", "Codfish allergy test (IgE)"),
    ("6158-0", "Latex allergy test (IgE)"),
    ("6833-8", "Cat dander allergy test (IgE)"),
    ("6095-4", "Dust mite allergy test (IgE)"),
    ("6085-5", "Ragweed allergy test (IgE)"),
    ("6189-5", "Oak pollen allergy test (IgE)"),
    ("6075-6", "Mould allergy test (IgE)"),
    ("6844-5", "Honey bee allergy test (IgE)"),
    // Report panels (DiagnosticReport codes), named on the reports and visit pages.
    ("58410-2", "Complete blood count (CBC)"),
    ("57698-3", "Lipid panel (cholesterol)"),
    ("51990-0", "Basic metabolic panel"),
    ("24323-8", "Comprehensive metabolic panel"),
    ("24357-6", "Urinalysis"),
];

/// What a lay reader calls a test, in English: our range table's name, else our short-name
/// table's, else `None` (use the source's display). Pages use [`lay_name`].
pub fn short_name(loinc: &str) -> Option<&'static str> {
    lookup(loinc).map(|r| r.name).or_else(|| {
        SHORT_NAMES
            .iter()
            .find(|(code, _)| *code == loinc)
            .map(|(_, name)| *name)
    })
}

/// What a lay reader calls a test in the page's language (#31; `clinical.ftl`'s
/// `clinical-test-name`, chosen by the LOINC code): `None` when our tables do not name it.
pub fn lay_name(loinc: &str) -> Option<String> {
    let english = short_name(loinc)?;
    Some(crate::i18n::tr_args(
        crate::i18n::current(),
        "clinical-test-name",
        &[
            ("code", Arg::from(format!("loinc-{loinc}"))),
            ("name", Arg::from(english)),
        ],
    ))
}

/// A usual range in words in the page's language (#31): "70 to 99 mg/dL", "199 mg/dL or less",
/// "40 or more" without a unit. The bounds are written already (numbers for the language, or a
/// blood pressure's "90/60"); `None` without either.
pub fn range_words(low: Option<&str>, high: Option<&str>, unit: &str) -> Option<String> {
    let (kind, mut args): (&str, Vec<(&str, Arg)>) = match (low, high) {
        (Some(l), Some(h)) => ("between", vec![("low", l.into()), ("high", h.into())]),
        (None, Some(h)) => ("at-most", vec![("high", h.into())]),
        (Some(l), None) => ("at-least", vec![("low", l.into())]),
        (None, None) => return None,
    };
    // Without a unit, `words.ftl`'s range; with one, `clinical.ftl`'s, which places it.
    let key = if unit.is_empty() {
        format!("range-{kind}")
    } else {
        args.push(("unit", unit.into()));
        format!("clinical-range-{kind}")
    };
    Some(crate::i18n::tr_args(crate::i18n::current(), &key, &args))
}

impl ReferenceRange {
    /// The flag for a value already known to be in this row's unit.
    pub fn flag(&self, value: f64) -> Option<Flag> {
        if !value.is_finite() || (self.low.is_none() && self.high.is_none()) {
            return None;
        }
        if plausible(self.loinc).is_some_and(|(low, high)| value < low || value > high) {
            return Some(Flag::NotComparable);
        }
        let shown = round_to(value, self.decimals);
        if self
            .low
            .is_some_and(|low| shown < round_to(low, self.decimals))
        {
            Some(Flag::Low)
        } else if self
            .high
            .is_some_and(|high| shown > round_to(high, self.decimals))
        {
            Some(Flag::High)
        } else {
            Some(Flag::Normal)
        }
    }

    pub fn format(&self, value: f64) -> String {
        format_fixed(value, self.decimals)
    }

    /// [`Self::format`] with the page's decimal sign (#31): "5,4" in Spanish.
    pub fn shown(&self, value: f64) -> String {
        crate::i18n::format::localise_decimal(crate::i18n::current(), &self.format(value))
    }

    /// The normal range in words, without the unit: "70 to 99", "199 or less", "40 or more";
    /// `None` when the row has no range.
    /// In the language of the request (#31; `words.ftl`), numbers with its decimal sign.
    pub fn describe(&self) -> Option<String> {
        self.describe_with_unit("")
    }

    /// The normal range in words with `unit` (a unit in words, [`unit_label`]) where the
    /// language puts it: "70 to 99 mg/dL", "199 mg/dL or less"; `None` when the row has no
    /// range.
    pub fn describe_with_unit(&self, unit: &str) -> Option<String> {
        let low = self.low.map(|v| self.shown(v));
        let high = self.high.map(|v| self.shown(v));
        range_words(low.as_deref(), high.as_deref(), unit)
    }
}

/// A UCUM unit as a lay reader expects to see it (`mm[Hg]` -> `mmHg`, `Cel` -> `°C`), in the
/// page's language (#31; `clinical.ftl`: "per minute", "por minuto").
pub fn unit_label(ucum: &str) -> String {
    let key = match ucum {
        "mm[Hg]" => "clinical-unit-mmhg",
        "Cel" => "clinical-unit-celsius",
        "[degF]" => "clinical-unit-fahrenheit",
        "/min" => "clinical-unit-per-minute",
        "kg/m2" => "clinical-unit-kg-per-m2",
        "10*3/uL" => "clinical-unit-thousand-per-ul",
        "10*6/uL" => "clinical-unit-million-per-ul",
        "mL/min/{1.73_m2}" => "clinical-unit-egfr",
        "{score}" | "1" => return String::new(),
        "[in_i]" => "clinical-unit-inch",
        "[lb_av]" => "clinical-unit-pound",
        "ug/L" => "clinical-unit-ug-per-l",
        "umol/L" => "clinical-unit-umol-per-l",
        "uL" => "clinical-unit-ul",
        other => {
            // Drop UCUM annotations in braces ("{cells}/uL" -> "/uL").
            let mut out = String::with_capacity(other.len());
            let mut depth = 0usize;
            for c in other.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ if depth == 0 => out.push(c),
                    _ => {}
                }
            }
            return out;
        }
    };
    crate::i18n::tr(crate::i18n::current(), key)
}

fn round_to(value: f64, decimals: u8) -> f64 {
    let factor = 10f64.powi(i32::from(decimals));
    (value * factor).round() / factor
}

fn format_fixed(value: f64, decimals: u8) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let s = format!("{:.*}", usize::from(decimals), value);
    // "-0" and "-0.0" read as a negative number; show zero plainly.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

/// About three significant digits, trailing zeros trimmed: 85.601 -> "85.6", 0.012345 ->
/// "0.0123", 1234.5 -> "1235", 2.0 -> "2".
pub fn format_significant(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 9) as u8;
    let s = format_fixed(value, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_loinc_is_listed_once_and_ranges_are_ordered() {
        let mut seen = HashSet::new();
        for r in TABLE {
            assert!(seen.insert(r.loinc), "{} listed twice", r.loinc);
            if let (Some(low), Some(high)) = (r.low, r.high) {
                assert!(low < high, "{}: low {low} >= high {high}", r.loinc);
            }
            assert!(!r.name.is_empty() && !r.unit.is_empty());
        }
    }

    #[test]
    fn brief_and_synthea_codes_are_covered() {
        for code in [
            "718-7", "4544-3", "6690-2", "777-3", "789-8", "787-2", "785-6", "786-4", "21000-5",
            "2345-7", "6299-2", "38483-4", "2160-0", "17861-6", "49765-1", "2951-2", "6298-4",
            "2075-0", "2028-9", "2093-3", "2571-8", "18262-6", "13457-7", "2085-9", "4548-4",
            "8480-6", "8462-4", "8867-4", "9279-1", "39156-5", "29463-7", "8302-2", "8310-5",
            "2708-6", "59408-5", "33914-3", // the brief
            "20565-8", "2069-3", "2339-0", "2947-0", "32207-3", "32623-1", "72514-3",
            "8331-1", // also in the Synthea files
        ] {
            assert!(lookup(code).is_some(), "{code} missing from the table");
        }
        assert_eq!(lookup("8302-2").and_then(|r| r.describe()), None);
    }

    #[test]
    fn flags_in_words() {
        assert_eq!(
            flag("2345-7", 85.60102792628544, "mg/dL"),
            Some(Flag::Normal)
        );
        assert_eq!(flag("2345-7", 126.0, "mg/dL"), Some(Flag::High));
        assert_eq!(flag("2345-7", 62.0, "mg/dL"), Some(Flag::Low));
        assert_eq!(Flag::High.to_string(), "High");
        assert_eq!(Flag::Low.to_string(), "Low");
        assert_eq!(Flag::Normal.to_string(), "Normal");
    }

    #[test]
    fn bounds_are_inclusive_at_reporting_precision() {
        // Fasting glucose 70-99: 99.4 reads "99" and is Normal; 99.5 reads "100" and is High.
        assert_eq!(flag("2345-7", 99.4, "mg/dL"), Some(Flag::Normal));
        assert_eq!(format_value("2345-7", 99.5), "100");
        assert_eq!(flag("2345-7", 99.5, "mg/dL"), Some(Flag::High));
        assert_eq!(flag("2345-7", 70.0, "mg/dL"), Some(Flag::Normal));
        assert_eq!(flag("2345-7", 69.4, "mg/dL"), Some(Flag::Low));
        // Total cholesterol: desirable below 200.
        assert_eq!(flag("2093-3", 199.0, "mg/dL"), Some(Flag::Normal));
        assert_eq!(flag("2093-3", 200.0, "mg/dL"), Some(Flag::High));
        // HbA1c: 5.6 normal, 5.7 prediabetes range.
        assert_eq!(flag("4548-4", 5.64, "%"), Some(Flag::Normal));
        assert_eq!(flag("4548-4", 5.66, "%"), Some(Flag::High));
        assert_eq!(flag("4548-4", 7.56, "%"), Some(Flag::High));
        // The lower limit counts as much as the upper one.
        assert_eq!(flag("4548-4", 3.0, "%"), Some(Flag::Low));
        assert_eq!(flag("17856-6", 3.94, "%"), Some(Flag::Low));
        // Shown as 4.0, so it reads as the bound it equals.
        assert_eq!(flag("4548-4", 3.96, "%"), Some(Flag::Normal));
        // HDL: only a lower bound.
        assert_eq!(flag("2085-9", 39.0, "mg/dL"), Some(Flag::Low));
        assert_eq!(flag("2085-9", 95.0, "mg/dL"), Some(Flag::Normal));
        // Blood pressure components.
        assert_eq!(flag("8480-6", 106.68, "mm[Hg]"), Some(Flag::Normal));
        assert_eq!(flag("8480-6", 120.0, "mm[Hg]"), Some(Flag::High));
        assert_eq!(flag("8462-4", 80.0, "mm[Hg]"), Some(Flag::High));
        assert_eq!(flag("8462-4", 55.0, "mm[Hg]"), Some(Flag::Low));
        // eGFR: 60 or more.
        assert_eq!(flag("33914-3", 59.0, "mL/min/{1.73_m2}"), Some(Flag::Low));
        assert_eq!(
            flag("33914-3", 110.0, "mL/min/{1.73_m2}"),
            Some(Flag::Normal)
        );
    }

    #[test]
    fn synthea_values_seen_in_the_shared_files() {
        assert_eq!(flag("2069-3", 108.32, "mmol/L"), Some(Flag::High)); // chloride
                                                                        // CO2 21.84 reads "22", the lower bound: Normal, as the patient would read it.
        assert_eq!(flag("20565-8", 21.84, "mmol/L"), Some(Flag::Normal));
        assert_eq!(flag("20565-8", 21.4, "mmol/L"), Some(Flag::Low));
        assert_eq!(flag("39156-5", 30.47, "kg/m2"), Some(Flag::High)); // BMI
        assert_eq!(flag("39156-5", 24.94, "kg/m2"), Some(Flag::Normal));
        assert_eq!(flag("8331-1", 37.68, "Cel"), Some(Flag::High));
        assert_eq!(flag("789-8", 3.97, "10*6/uL"), Some(Flag::Low));
        assert_eq!(flag("718-7", 13.26, "g/dL"), Some(Flag::Normal));
    }

    #[test]
    fn no_flag_for_other_units_unknown_tests_or_no_range() {
        assert_eq!(flag("2345-7", 5.0, "mmol/L"), None);
        assert_eq!(flag("8310-5", 98.6, "[degF]"), None);
        assert_eq!(flag("99999-9", 1.0, "mg/dL"), None);
        assert_eq!(flag("29463-7", 80.0, "kg"), None);
        assert_eq!(flag("8302-2", 170.0, "cm"), None);
        assert_eq!(flag("2345-7", f64::NAN, "mg/dL"), None);
        assert_eq!(flag("2345-7", f64::INFINITY, "mg/dL"), None);
    }

    #[test]
    fn units_that_mean_the_same_number_are_compared() {
        // Synthea writes eGFR as mL/min; eGFR is per 1.73 m2 by definition.
        assert_eq!(flag("33914-3", 45.0, "mL/min"), Some(Flag::Low));
        assert_eq!(flag("33914-3", 95.0, "mL/min"), Some(Flag::Normal));
        assert_eq!(flag("62238-1", 45.0, "mL/min/1.73m2"), Some(Flag::Low));
        assert_eq!(flag("8480-6", 150.0, "mmHg"), Some(Flag::High));
        assert_eq!(flag("8867-4", 120.0, "{beats}/min"), Some(Flag::High));
        assert_eq!(flag("6690-2", 15.0, "10*9/L"), Some(Flag::High));
        assert_eq!(flag("2951-2", 130.0, "mEq/L"), Some(Flag::Low));
        // An alias holds only where it is exact: mL/min is not eGFR's unit for other tests,
        // and a milliequivalent is a millimole only for monovalent ions.
        assert_eq!(lookup_in("2160-0", "mL/min"), None);
        assert_eq!(lookup_in("17861-6", "mEq/L"), None);
        assert_eq!(flag("2345-7", 5.0, "mmol/L"), None);
    }

    #[test]
    fn the_unit_alias_table_is_consistent() {
        for a in UNIT_ALIASES {
            assert_ne!(a.unit, a.alias);
            assert!(
                TABLE.iter().any(|r| r.unit == a.unit),
                "{}: not a table unit",
                a.unit
            );
            for code in a.only {
                assert_eq!(lookup(code).map(|r| r.unit), Some(a.unit), "{code}");
            }
        }
    }

    #[test]
    fn impossible_values_are_not_compared() {
        // Total protein 73 g/dL is 73 g/L written as g/dL.
        assert_eq!(flag("2885-2", 73.0, "g/dL"), Some(Flag::NotComparable));
        assert_eq!(flag("2885-2", 7.3, "g/dL"), Some(Flag::Normal));
        assert_eq!(flag("2885-2", 9.1, "g/dL"), Some(Flag::High));
        assert_eq!(flag("2345-7", 5.4, "mg/dL"), Some(Flag::NotComparable));
        assert_eq!(flag("8310-5", 98.6, "Cel"), Some(Flag::NotComparable));
        assert_eq!(flag("2708-6", 101.0, "%"), Some(Flag::NotComparable));
        assert_eq!(Flag::NotComparable.to_string(), "Could not be compared");
        // Tests without a range are not flagged at all, plausible or not.
        assert_eq!(flag("29463-7", 9000.0, "kg"), None);
    }

    #[test]
    fn every_range_lies_inside_its_plausibility_band() {
        let mut seen = HashSet::new();
        for (codes, low, high) in PLAUSIBLE {
            assert!(low < high);
            for code in *codes {
                assert!(seen.insert(*code), "{code} has two bands");
                assert!(lookup(code).is_some(), "{code} not in the table");
            }
        }
        for r in TABLE.iter().filter(|r| r.low.is_some() || r.high.is_some()) {
            let (low, high) = plausible(r.loinc)
                .unwrap_or_else(|| panic!("{} has a range but no plausibility band", r.loinc));
            for bound in [r.low, r.high].into_iter().flatten() {
                assert!(low <= bound && bound <= high, "{}: {bound}", r.loinc);
            }
        }
    }

    #[test]
    fn tests_outside_the_range_table_have_short_names() {
        let mut seen = HashSet::new();
        for (code, name) in SHORT_NAMES {
            assert!(seen.insert(*code), "{code} listed twice");
            assert!(lookup(code).is_none(), "{code} is named in TABLE already");
            assert!(!name.is_empty());
        }
        assert_eq!(short_name("72166-2"), Some("Smoking status"));
        assert_eq!(
            short_name("2345-7"),
            Some("Glucose"),
            "the range table first"
        );
        assert_eq!(short_name("0000-0"), None);
    }

    #[test]
    fn values_are_rounded_sensibly() {
        assert_eq!(format_value("2345-7", 85.60102792628544), "86");
        assert_eq!(format_value("4548-4", 5.0), "5.0");
        assert_eq!(format_value("38483-4", 0.9789), "0.98");
        assert_eq!(format_value("39156-5", 27.3636), "27.4");
        assert_eq!(format_value("8302-2", 168.80253764416227), "168.8");
        assert_eq!(format_value("8480-6", 106.6797730199243), "107");
        // Not in the table: about three significant digits.
        assert_eq!(format_value("0000-0", 85.60102792628544), "85.6");
        assert_eq!(format_value("0000-0", 1234.56), "1235");
        assert_eq!(format_value("0000-0", 0.012345), "0.0123");
        assert_eq!(format_value("0000-0", 2.0), "2");
        assert_eq!(format_value("0000-0", -4.56789), "-4.57");
        assert_eq!(format_value("0000-0", 0.0), "0");
        assert_eq!(format_value("0000-0", 99.96), "100");
        assert_eq!(format_value("2345-7", -0.2), "0");
    }

    #[test]
    fn ranges_and_units_in_words() {
        let d = |c: &str| lookup(c).and_then(|r| r.describe());
        assert_eq!(d("2345-7").as_deref(), Some("70 to 99"));
        assert_eq!(d("2093-3").as_deref(), Some("199 or less"));
        assert_eq!(d("2085-9").as_deref(), Some("40 or more"));
        assert_eq!(d("4548-4").as_deref(), Some("4.0 to 5.6"));
        assert_eq!(d("38483-4").as_deref(), Some("0.60 to 1.30"));
        assert_eq!(unit_label("mm[Hg]"), "mmHg");
        assert_eq!(unit_label("Cel"), "°C");
        assert_eq!(unit_label("{score}"), "");
        assert_eq!(unit_label("{cells}/uL"), "/uL");
        assert_eq!(unit_label("mg/dL"), "mg/dL");
    }

    #[test]
    fn names_units_and_ranges_read_in_the_page_s_language() {
        use crate::i18n::{Lang, LANG};
        // Every name of our tables is in the message files, English as the tables write it.
        for (code, english) in TABLE
            .iter()
            .map(|r| (r.loinc, r.name))
            .chain(SHORT_NAMES.iter().copied())
        {
            let args = [
                ("code", Arg::from(format!("loinc-{code}"))),
                ("name", Arg::from("")),
            ];
            assert_eq!(
                crate::i18n::lookup(Lang::En, "clinical-test-name", &args).as_deref(),
                Some(english),
                "{code}"
            );
            let es = crate::i18n::lookup(Lang::Es, "clinical-test-name", &args).unwrap_or_default();
            assert!(!es.is_empty(), "{code}: no Spanish name");
        }
        let es = |f: &dyn Fn() -> Option<String>| LANG.sync_scope(Lang::Es, f);
        assert_eq!(
            es(&|| lay_name("2085-9")).as_deref(),
            Some("Colesterol HDL")
        );
        assert_eq!(lay_name("2085-9").as_deref(), Some("HDL cholesterol"));
        assert_eq!(
            es(&|| lay_name("9279-1")).as_deref(),
            Some("Frecuencia respiratoria")
        );
        assert_eq!(es(&|| lay_name("0000-0")), None);
        assert_eq!(
            es(&|| Some(unit_label("/min"))).as_deref(),
            Some("por minuto")
        );
        assert_eq!(
            es(&|| Some(unit_label("10*6/uL"))).as_deref(),
            Some("millones por µL")
        );
        assert_eq!(unit_label("/min"), "per minute");
        // Decimal comma in Spanish, and the unit where each language puts it.
        let range = |code: &str, unit: &str| lookup(code).and_then(|r| r.describe_with_unit(unit));
        assert_eq!(
            es(&|| range("4548-4", "%")).as_deref(),
            Some("de 4,0 a 5,6 %")
        );
        assert_eq!(range("4548-4", "%").as_deref(), Some("4.0 to 5.6 %"));
        assert_eq!(
            es(&|| range("2093-3", "mg/dL")).as_deref(),
            Some("199 mg/dL o menos")
        );
        assert_eq!(
            range("2093-3", "mg/dL").as_deref(),
            Some("199 mg/dL or less")
        );
        assert_eq!(
            es(&|| lookup("38483-4").and_then(|r| r.describe())).as_deref(),
            Some("de 0,60 a 1,30")
        );
    }
}
