"""Terminology the FHIR export uses: LOINC and IEEE 11073 (MDC) codes for vitals, LOINC for the scales that
have them, SNOMED CT for routes, symptoms and severities, ATC for the drugs the room knows. Codes for which no
standard exists (PADSS, CADSS-6) use a RoomControl code system so nothing is made up under a standard's name."""

from __future__ import annotations

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL_SCALE = "urn:roomcontrol:scale"          # PADSS, CADSS-6 and their items: no LOINC codes exist
# A session's protocol as a canonical reference (Procedure.instantiatesCanonical): <this>:<id>|<version>, the
# protocols/<id>.toml of that version; a clinic publishing PlanDefinitions would map these names to its own URLs.
PROTOCOL_CANONICAL = "urn:roomcontrol:protocol"
# The protocol's decisions and checks (records/fhir_protocol.py): the room's own code systems, no standard has them.
LOCAL_ADVISORY = "urn:roomcontrol:advisory"              # a protocol's advisory id ("pre-dose-bp")
LOCAL_DISCHARGE_RULE = "urn:roomcontrol:discharge-rule"  # a protocol's discharge rule ("moaas") or guard
LOCAL_DECISION = "urn:roomcontrol:decision"              # proceed, delay, cancel, paused, continued, overridden
LOCAL_OBSERVATION = "urn:roomcontrol:observation"        # responsiveness-check ("tap if you're OK")
URI_IDENTIFIER = "urn:ietf:rfc:3986"           # identifier.value is a urn:uuid
DEFAULT_PATIENT_SYSTEM = "urn:roomcontrol:patient-ref"
DEFAULT_STAFF_SYSTEM = "urn:roomcontrol:staff-id"

# kind → (LOINC code, LOINC display, MDC code, MDC reference id, UCUM unit, printed unit)
VITALS = {
    "heart_rate": ("8867-4", "Heart rate", "147842", "MDC_ECG_HEART_RATE", "/min", "/min"),
    "pulse_rate": ("8889-8", "Heart rate by Pulse oximetry", "149530", "MDC_PULS_OXIM_PULS_RATE", "/min", "/min"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "150456", "MDC_PULS_OXIM_SAT_O2",
             "%", "%"),
    "respiratory_rate": ("9279-1", "Respiratory rate", "151562", "MDC_RESP_RATE", "/min", "/min"),
    "etco2": ("19889-5", "Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration", "151708",
              "MDC_AWAY_CO2_ET", "mm[Hg]", "mmHg"),
}
# The SpO2 of the FHIR vital-signs profile carries the general oxygen-saturation code beside the pulse-oximetry one.
SPO2_EXTRA_LOINC = ("2708-6", "Oxygen saturation in Arterial blood")
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional", "150020", "MDC_PRESS_BLD_NONINV")
BP_COMPONENTS = {
    "nibp_systolic": ("8480-6", "Systolic blood pressure", "150021", "MDC_PRESS_BLD_NONINV_SYS"),
    "nibp_diastolic": ("8462-4", "Diastolic blood pressure", "150022", "MDC_PRESS_BLD_NONINV_DIA"),
    "nibp_mean": ("8478-0", "Mean blood pressure", "150023", "MDC_PRESS_BLD_NONINV_MEAN"),
}

# scale → (LOINC total-score code, display, LOINC panel code); items → LOINC question codes in the scale's order.
SCALES = {
    "PHQ-9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]", "44249-1"),
    "GAD-7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]", "69737-5"),
}
SCALE_ITEMS = {
    "PHQ-9": {"q1": "44250-9", "q2": "44255-8", "q3": "44259-0", "q4": "44254-1", "q5": "44251-7",
              "q6": "44258-2", "q7": "44252-5", "q8": "44253-3", "q9": "44260-8"},
    "GAD-7": {"q1": "69725-0", "q2": "68509-9", "q3": "69733-4", "q4": "69734-2", "q5": "69735-9",
              "q6": "69689-8", "q7": "69736-7"},
}
SCALE_NAMES = {
    "PADSS": "Post-Anaesthetic Discharge Scoring System",
    "CADSS-6": "Clinician-Administered Dissociative States Scale, 6-item short form",
    "PHQ-9": "Patient Health Questionnaire 9 item",
    "GAD-7": "Generalized anxiety disorder 7 item",
    "MOAA/S": "Modified Observer's Assessment of Alertness/Sedation, responsiveness (Chernik 1990)",
}

# The room's routes (roomcontrol.domain.payloads.ROUTES) → SNOMED CT route of administration.
ROUTES = {
    "IV": ("47625008", "Intravenous route"), "IM": ("78421000", "Intramuscular route"),
    "PO": ("26643006", "Oral route"), "ODT": ("26643006", "Oral route"), "SL": ("37839007", "Sublingual route"),
    "IN": ("46713006", "Nasal route"), "SC": ("34206005", "Subcutaneous route"),
    "INH": ("447694001", "Respiratory tract route"),
}
# The room's dose units → UCUM.
UNITS = {"mg": "mg", "mcg": "ug", "g": "g", "mL": "mL", "L/min": "L/min"}
# Drugs (lower-case name) → ATC. Others are exported with their name as text only.
DRUGS = {
    "ketamine": ("N01AX03", "ketamine"),
    "esketamine": ("N06AX27", "esketamine"),
    "ondansetron": ("A04AA01", "ondansetron"),
    "midazolam": ("N05CD08", "midazolam"),
    "lorazepam": ("N05BA06", "lorazepam"),
    "clonidine": ("C02AC01", "clonidine"),
}
SYMPTOMS = {
    "nausea": ("422587007", "Nausea"), "headache": ("25064002", "Headache"),
    "dizziness": ("404640003", "Dizziness"), "anxiety": ("48694002", "Anxiety"),
}
SEVERITIES = {"mild": ("255604002", "Mild"), "moderate": ("6736007", "Moderate"), "severe": ("24484000", "Severe")}
