# Clinical words of the record pages (#31): our own short names of tests, the vital signs'
# names, units in words, ranges and the trend chart's time axis (src/records/ranges.rs,
# views.rs, chart_svg.rs). Names a source gives stay as it gives them.

## What a lay reader calls a test, by its LOINC code (ranges::TABLE and SHORT_NAMES; the
## English messages are the tables' names, a unit test keeps them so).
## A selector, as words.ftl's: our names are not messages of their own, so a source's name
## that happens to be ours ("Heart rate") is not taken for English text on a Spanish page.
## $name is the table's English name, for a code not listed here.
clinical-test-name = { $code ->
    [loinc-718-7] Hemoglobina
    [loinc-4544-3] Hematocrito
    [loinc-6690-2] Glóbulos blancos
    [loinc-777-3] Plaquetas
    [loinc-789-8] Glóbulos rojos
    [loinc-787-2] Tamaño de los glóbulos rojos (VCM)
    [loinc-785-6] Hemoglobina por glóbulo rojo (HCM)
    [loinc-786-4] Concentración de hemoglobina (CHCM)
    [loinc-21000-5] Variación del tamaño de los glóbulos rojos (RDW-SD)
    [loinc-788-0] Variación del tamaño de los glóbulos rojos (RDW-CV)
    [loinc-32623-1] Tamaño de las plaquetas (VPM)
    [loinc-32207-3] Variación del tamaño de las plaquetas (PDW)
    [loinc-2345-7] Glucosa
    [loinc-2339-0] Glucosa
    [loinc-6299-2] Nitrógeno ureico en sangre (BUN)
    [loinc-3094-0] Nitrógeno ureico en sangre (BUN)
    [loinc-38483-4] Creatinina
    [loinc-2160-0] Creatinina
    [loinc-17861-6] Calcio
    [loinc-49765-1] Calcio
    [loinc-2951-2] Sodio
    [loinc-2947-0] Sodio
    [loinc-6298-4] Potasio
    [loinc-2823-3] Potasio
    [loinc-2075-0] Cloruro
    [loinc-2069-3] Cloruro
    [loinc-2028-9] Dióxido de carbono (bicarbonato)
    [loinc-20565-8] Dióxido de carbono (bicarbonato)
    [loinc-33914-3] Tasa de filtración renal (TFGe)
    [loinc-62238-1] Tasa de filtración renal (TFGe)
    [loinc-1751-7] Albúmina
    [loinc-2885-2] Proteína total
    [loinc-1975-2] Bilirrubina
    [loinc-6768-6] Fosfatasa alcalina (FA)
    [loinc-1742-6] Enzima hepática ALT
    [loinc-1920-8] Enzima hepática AST
    [loinc-14959-1] Relación albúmina/creatinina en la orina
    [loinc-2093-3] Colesterol total
    [loinc-2571-8] Triglicéridos
    [loinc-18262-6] Colesterol LDL
    [loinc-13457-7] Colesterol LDL
    [loinc-2089-1] Colesterol LDL
    [loinc-2085-9] Colesterol HDL
    [loinc-4548-4] Hemoglobina A1c
    [loinc-17856-6] Hemoglobina A1c
    [loinc-55284-4] Presión arterial
    [loinc-85354-9] Presión arterial
    [loinc-8480-6] Presión arterial sistólica
    [loinc-8462-4] Presión arterial diastólica
    [loinc-8867-4] Frecuencia cardíaca
    [loinc-9279-1] Frecuencia respiratoria
    [loinc-39156-5] Índice de masa corporal (IMC)
    [loinc-29463-7] Peso
    [loinc-8302-2] Estatura
    [loinc-8310-5] Temperatura corporal
    [loinc-8331-1] Temperatura corporal (oral)
    [loinc-2708-6] Saturación de oxígeno
    [loinc-59408-5] Saturación de oxígeno (oxímetro de pulso)
    [loinc-72514-3] Nivel de dolor (0-10)
    [loinc-72166-2] Consumo de tabaco
    [loinc-10834-0] Globulina
    [loinc-59576-9] Percentil del IMC para la edad
    [loinc-77606-2] Percentil de peso para la longitud
    [loinc-8289-1] Percentil del perímetro cefálico
    [loinc-9843-4] Perímetro cefálico
    [loinc-8478-0] Presión arterial media
    [loinc-5767-9] Aspecto de la orina
    [loinc-5778-6] Color de la orina
    [loinc-5792-7] Glucosa en la orina
    [loinc-25428-4] Glucosa en la orina
    [loinc-20505-4] Bilirrubina en la orina
    [loinc-5770-3] Bilirrubina en la orina
    [loinc-2514-8] Cetonas en la orina
    [loinc-5811-5] Densidad de la orina
    [loinc-5803-2] pH de la orina
    [loinc-20454-5] Proteínas en la orina
    [loinc-5804-0] Proteínas en la orina
    [loinc-5802-4] Nitritos en la orina
    [loinc-5799-2] Glóbulos blancos en la orina (esterasa leucocitaria)
    [loinc-5794-3] Sangre en la orina
    [loinc-2857-1] Antígeno prostático específico (PSA)
    [loinc-3016-3] Hormona estimulante de la tiroides (TSH)
    [loinc-1988-5] Proteína C reactiva (PCR)
    [loinc-2276-4] Ferritina
    [loinc-6301-6] INR (coagulación de la sangre)
    [loinc-5902-2] Tiempo de protrombina (TP)
    [loinc-48065-7] Dímero D
    [loinc-89579-7] Troponina I (músculo cardíaco)
    [loinc-33762-6] NT-proBNP (esfuerzo del corazón)
    [loinc-30934-4] BNP (esfuerzo del corazón)
    [loinc-10230-1] Fracción de eyección (bombeo del corazón)
    [loinc-19926-5] FEV1/FVC (función pulmonar)
    [loinc-72107-6] Puntuación de la prueba de memoria (MMSE)
    [loinc-44261-6] Puntuación del cuestionario de depresión (PHQ-9)
    [loinc-55758-7] Puntuación de la detección de depresión (PHQ-2)
    [loinc-70274-6] Puntuación del cuestionario de ansiedad (GAD-7)
    [loinc-75626-2] Puntuación del consumo de alcohol (AUDIT-C)
    [loinc-82810-3] Embarazo
    [loinc-76690-7] Orientación sexual
    [loinc-71802-3] Situación de vivienda
    [loinc-63586-2] Ingresos del hogar
    [loinc-93025-5] Evaluación de necesidades sociales (PRAPARE)
    [loinc-94531-1] Prueba de COVID-19 (PCR)
    [loinc-6206-7] Prueba de alergia al maní (IgE)
    [loinc-6106-9] Prueba de alergia a la clara de huevo (IgE)
    [loinc-7258-7] Prueba de alergia a la leche de vaca (IgE)
    [loinc-6248-9] Prueba de alergia a la soya (IgE)
    [loinc-6276-0] Prueba de alergia al trigo (IgE)
    [loinc-6273-7] Prueba de alergia a la nuez (IgE)
    [loinc-6246-3] Prueba de alergia al camarón (IgE)
    [loinc-6082-2] Prueba de alergia al bacalao (IgE)
    [loinc-6158-0] Prueba de alergia al látex (IgE)
    [loinc-6833-8] Prueba de alergia a la caspa de gato (IgE)
    [loinc-6095-4] Prueba de alergia a los ácaros del polvo (IgE)
    [loinc-6085-5] Prueba de alergia a la ambrosía (IgE)
    [loinc-6189-5] Prueba de alergia al polen de roble (IgE)
    [loinc-6075-6] Prueba de alergia al moho (IgE)
    [loinc-6844-5] Prueba de alergia a la abeja (IgE)
    [loinc-58410-2] Hemograma completo
    [loinc-57698-3] Perfil de lípidos (colesterol)
    [loinc-51990-0] Panel metabólico básico
    [loinc-24323-8] Panel metabólico completo
    [loinc-24357-6] Análisis de orina
   *[other] { $name }
}

## The columns of the vital signs' history (views::VITAL_COLUMNS), by the column's id.
clinical-vital = { $column ->
    [blood-pressure] Presión arterial
    [heart-rate] Frecuencia cardíaca
    [breathing-rate] Frecuencia respiratoria
    [temperature] Temperatura
    [oxygen-saturation] Saturación de oxígeno
    [weight] Peso
    [height] Estatura
    [bmi] Índice de masa corporal (IMC)
   *[other] { $name }
}

## UCUM units as people read them (ranges::unit_label, and units inside a source's text).
clinical-unit-mmhg = mmHg
clinical-unit-celsius = °C
clinical-unit-fahrenheit = °F
clinical-unit-per-minute = por minuto
clinical-unit-kg-per-m2 = kg/m²
clinical-unit-thousand-per-ul = mil por µL
clinical-unit-million-per-ul = millones por µL
clinical-unit-egfr = mL/min/1,73 m²
clinical-unit-body-surface = 1,73 m²
clinical-unit-inch = pulg
clinical-unit-pound = lb
clinical-unit-ug-per-l = µg/L
clinical-unit-umol-per-l = µmol/L
clinical-unit-ul = µL

## A usual range with its unit ($low and $high are numbers already written for the language,
## or a blood pressure "90/60"; $unit as above or as the record gives it).
clinical-range-between = de { $low } a { $high } { $unit }
clinical-range-at-most = { $high } { $unit } o menos
clinical-range-at-least = { $low } { $unit } o más

## The trend chart's time axis (chart_svg.rs): short month names, a month and a day.
clinical-month-short-1 = ene
clinical-month-short-2 = feb
clinical-month-short-3 = mar
clinical-month-short-4 = abr
clinical-month-short-5 = may
clinical-month-short-6 = jun
clinical-month-short-7 = jul
clinical-month-short-8 = ago
clinical-month-short-9 = sept
clinical-month-short-10 = oct
clinical-month-short-11 = nov
clinical-month-short-12 = dic
clinical-axis-month = { $month } { $year }
clinical-axis-day = { $day } { $month } { $year }

## The care team and billing pages (src/records/people_views.rs) and imaging (care_views.rs).
clinical-name-not-recorded = Nombre no registrado
# A visit's bill whose visit and services have no name.
clinical-billed-care = Atención médica
clinical-care-team = Equipo de atención
# Amounts of two currencies ("$125.00 and 80.00 EUR"); more are joined the same way.
clinical-amounts = { $first } y { $next }
# An imaging series: what was done, of which part of the body (both as the record names them).
clinical-imaging-series = { $modality } de { $site }
# A care plan whose source names no category (src/records/care_views.rs).
clinical-care-plan = Plan de atención
# A value of a type the portal shows only as words (src/records/views.rs; a range or a period
# reads as words.ftl's range-between, "5 mg/dL to 10 mg/dL").
clinical-other-range-empty = Un rango (sin valores)
clinical-other-ratio-empty = Una proporción (sin valores)
clinical-other-period-empty = Un período (sin fechas)
clinical-other-waveform = Datos de onda registrados (no se muestran aquí)
clinical-other-attachment = Archivo adjunto: { $title } (no se muestra aquí)
clinical-other-attachment-untitled = Un archivo adjunto (no se muestra aquí)
