"""What HL7 gateways call things: IEEE 11073 codes, vendor labels, units, and alert codes and texts.

Codes are IEEE 11073-10101 reference ids (partition * 65536 + term code), checked against the Mindray HL7 2.6
interface tables (eGateway / BeneView: tables 15-37), the IHE PCD Technical Framework vol. 2 (PCD-01 and PCD-04
ACM messages) and the NIST RTMMS term list. Philips IntelliVue Information Center exports the same terms as
"MDIL" codes written `PPPP-TTTT` in hex (`0002-4bb8` = 2 * 65536 + 0x4bb8 = 150456, SpO2).
"""

from __future__ import annotations

import re

from roomcontrol.domain.vitals import NIBP_KINDS, UNITS

MDC_CODES = {
    "147842": "heart_rate",        # MDC_ECG_HEART_RATE
    "149530": "pulse_rate",        # MDC_PULS_OXIM_PULS_RATE
    "149514": "pulse_rate",        # MDC_PULS_RATE
    "149546": "pulse_rate",        # MDC_PULS_RATE_NON_INV (from the NIBP cuff)
    "150456": "spo2",              # MDC_PULS_OXIM_SAT_O2
    "150488": "perfusion_index",   # MDC_PULS_OXIM_PERF_REL / MDC_BLD_PERF_INDEX
    "150021": "nibp_systolic",     # MDC_PRESS_BLD_NONINV_SYS
    "150022": "nibp_diastolic",    # MDC_PRESS_BLD_NONINV_DIA
    "150023": "nibp_mean",         # MDC_PRESS_BLD_NONINV_MEAN
    "150301": "nibp_systolic",     # MDC_PRESS_CUFF_SYS (Mindray table 19, Philips)
    "150302": "nibp_diastolic",    # MDC_PRESS_CUFF_DIA
    "150303": "nibp_mean",         # MDC_PRESS_CUFF_MEAN
    "150033": "abp_systolic",      # MDC_PRESS_BLD_ART_SYS (150032 MDC_PRESS_BLD_ART + 1/2/3)
    "150034": "abp_diastolic",     # MDC_PRESS_BLD_ART_DIA
    "150035": "abp_mean",          # MDC_PRESS_BLD_ART_MEAN
    "150037": "abp_systolic",      # MDC_PRESS_BLD_ART_ABP_SYS (Mindray table 19 "ART")
    "150038": "abp_diastolic",     # MDC_PRESS_BLD_ART_ABP_DIA
    "150039": "abp_mean",          # MDC_PRESS_BLD_ART_ABP_MEAN
    "151562": "respiratory_rate",  # MDC_RESP_RATE
    "151578": "respiratory_rate",  # MDC_TTHOR_RESP_RATE (impedance; Mindray table 15)
    "151594": "respiratory_rate",  # MDC_AWAY_RESP_RATE, Mindray: MDC_CO2_RESP_RATE (awRR; table 21)
    "151708": "etco2",             # MDC_AWAY_CO2_ET / MDC_CONC_AWAY_CO2_ET (Mindray table 21)
    "151716": "fico2",             # MDC_AWAY_CO2_INSP / MDC_CONC_AWAY_CO2_INSP (Mindray table 21)
    "150344": "temperature",       # MDC_TEMP (Mindray table 20; "T1".."T8")
    "150364": "temperature",       # MDC_TEMP_BODY
    "150368": "temperature",       # MDC_TEMP_CORE (Philips Tcore 0002-4b60)
    "150372": "temperature",       # MDC_TEMP_ESOPH
    "150380": "temperature",       # MDC_TEMP_NASOPH
    "150348": "temperature",       # MDC_TEMP_FOLEY (bladder)
    "150388": "temperature",       # MDC_TEMP_SKIN
    "150392": "temperature",       # MDC_TEMP_TYMP
    "188420": "temperature",       # MDC_TEMP_RECT
    "188424": "temperature",       # MDC_TEMP_ORAL
    "188428": "temperature",       # MDC_TEMP_EAR
    # not taken: MDC_TEMP_ROOM 188508, MDC_TEMP_AWAY 150356 (gas), MDC_TEMP_DIFF 188440 (a difference);
    # MDC_PRESS_BLD_SYS/DIA/MEAN 150017-19 (an IBP channel of any site, not necessarily arterial)
}
# The cuff's own pressure while it measures (MDC_PRESS_CUFF, Mindray table 19) and vendors' cuff status texts:
# while the cuff is inflated the NIBP numerics are the last measurement's, flagged nibp_measuring.
CUFF_PRESSURE = "150300"
CUFF_STATUS_LABELS = frozenset({"MDC_PRESS_CUFF", "NBP_STATUS", "NIBP_STATUS", "CUFF_STATUS", "NBPSTAT"})
MEASURING = re.compile(r"INFLAT|MEASUR|DEFLAT|IN PROGRESS|RUNNING", re.I)
PLETH_CODES = frozenset({"150452"})  # MDC_PULS_OXIM_PLETH (Mindray table 37): a waveform, kept for the pleth
PLETH_NAMES = frozenset({"MDC_PULS_OXIM_PLETH", "PLETH", "PLETH1"})
# MDC partition 3 (events): 196608 .. 262143
EVT_FIRST, EVT_LAST = 3 * 65536, 4 * 65536 - 1
MDC_EVT_ALARM = "196616"  # OBX-3 of a PCD-04 alarm; OBX-5 names the event
EVENT_PHASE, ALARM_STATE = "68481", "68482"  # MDC_ATTR_EVENT_PHASE (start/continue/end), MDC_ATTR_ALARM_STATE

# Vendor labels and MDC names, matched case-insensitively against the code and text of either OBX-3 triplet.
DEFAULT_LABELS = {
    "HR": "heart_rate", "PR": "pulse_rate", "PULSE": "pulse_rate", "SPO2": "spo2", "PI": "perfusion_index",
    "PERF": "perfusion_index", "RR": "respiratory_rate", "RESP": "respiratory_rate", "AWRR": "respiratory_rate",
    "RRP": "respiratory_rate", "RRA": "respiratory_rate",  # Masimo pleth / acoustic respiration rate
    "NBPS": "nibp_systolic", "NBPD": "nibp_diastolic", "NBPM": "nibp_mean",
    "NIBP_S": "nibp_systolic", "NIBP_D": "nibp_diastolic", "NIBP_M": "nibp_mean",
    "NIBP_SYS": "nibp_systolic", "NIBP_DIA": "nibp_diastolic", "NIBP_MEAN": "nibp_mean",
    "ABPS": "abp_systolic", "ABPD": "abp_diastolic", "ABPM": "abp_mean",
    "ARTS": "abp_systolic", "ARTD": "abp_diastolic", "ARTM": "abp_mean",
    "ETCO2": "etco2", "CO2ET": "etco2", "FICO2": "fico2", "INSCO2": "fico2", "IMCO2": "fico2",
    "TEMP": "temperature", "T1": "temperature", "TCORE": "temperature",
    "SPHB": "sphb", "PVI": "pvi", "SPCO": "spco", "SPMET": "spmet",
    "MDC_ECG_HEART_RATE": "heart_rate", "MDC_PULS_OXIM_PULS_RATE": "pulse_rate", "MDC_PULS_RATE": "pulse_rate",
    "MDC_PULS_OXIM_SAT_O2": "spo2", "MDC_PULS_OXIM_PERF_REL": "perfusion_index",
    "MDC_BLD_PERF_INDEX": "perfusion_index",
    "MDC_PRESS_BLD_NONINV_SYS": "nibp_systolic", "MDC_PRESS_BLD_NONINV_DIA": "nibp_diastolic",
    "MDC_PRESS_BLD_NONINV_MEAN": "nibp_mean", "MDC_PRESS_CUFF_SYS": "nibp_systolic",
    "MDC_PRESS_CUFF_DIA": "nibp_diastolic", "MDC_PRESS_CUFF_MEAN": "nibp_mean",
    "MDC_PRESS_BLD_ART_ABP_SYS": "abp_systolic", "MDC_PRESS_BLD_ART_ABP_DIA": "abp_diastolic",
    "MDC_PRESS_BLD_ART_ABP_MEAN": "abp_mean", "MDC_PRESS_BLD_ART_SYS": "abp_systolic",
    "MDC_PRESS_BLD_ART_DIA": "abp_diastolic", "MDC_PRESS_BLD_ART_MEAN": "abp_mean",
    "MDC_RESP_RATE": "respiratory_rate", "MDC_TTHOR_RESP_RATE": "respiratory_rate",
    "MDC_AWAY_RESP_RATE": "respiratory_rate", "MDC_CO2_RESP_RATE": "respiratory_rate",
    "MDC_AWAY_CO2_ET": "etco2", "MDC_CONC_AWAY_CO2_ET": "etco2",
    "MDC_AWAY_CO2_INSP": "fico2", "MDC_CONC_AWAY_CO2_INSP": "fico2",
    "MDC_TEMP": "temperature", "MDC_TEMP_BODY": "temperature", "MDC_TEMP_CORE": "temperature",
}
_MDIL = re.compile(r"^([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})$")


def mdc_code(code: str) -> str:
    """The decimal reference id of an MDC code as sent: `150456`, or Philips MDIL `0002-4bb8` -> `150456`."""
    m = _MDIL.match(code)
    return str(int(m.group(1), 16) * 65536 + int(m.group(2), 16)) if m else code


def is_event(code: str, name: str) -> bool:
    """An IEEE 11073 event (partition 3) or a vendor's event term (`MNDRY_EVT_...`)."""
    return (code.isdigit() and EVT_FIRST <= int(code) <= EVT_LAST) or "_EVT_" in f"_{name.upper()}"


# -- units (OBX-6: code^text^system; we read the code and the text) -----------------------------------------
KPA_TO_MMHG = 7.50062
_KPA = ("KPA", "KILO_PASCAL", "3843")
_FAHRENHEIT = ("DEGF", "°F", "FAHR", "[DEGF]", "268480")
_PERCENT = ("%", "PERCENT", "262688")


def convert(kind: str, value: float, unit: str) -> float | str:
    """`value` in UNITS[kind] given the sender's OBX-6, or a reason why it cannot be."""
    text = unit.upper().replace(" ", "")
    if UNITS[kind] == "mmHg" and any(k in text for k in _KPA):
        return round(value * KPA_TO_MMHG, 1)
    if kind == "temperature" and any(k in text for k in _FAHRENHEIT):
        return round((value - 32) * 5 / 9, 2)
    if kind in ("etco2", "fico2") and any(k in text for k in _PERCENT):
        return "CO2 sent in % (needs the ambient pressure): set the monitor to mmHg or kPa"
    return value


# -- alerts: what a technical alert means for the room --------------------------------------------------------
# IEEE 11073-10101 partition 3 codes gateways send for a sensor, lead or cuff problem (NIST RTMMS; Mindray sends
# 196680 MDC_EVT_LEAD_OFF in PCD-04 alerts).
EVENT_MEANING = {
    "196680": ("sensor_off", "ECG"),    # MDC_EVT_LEAD_OFF
    "196876": ("sensor_off", "ECG"),    # MDC_EVT_LEAD_DISCONN (3:268)
    "196916": ("sensor_off", ""),       # MDC_EVT_SENSOR_DISCONN
    "196942": ("sensor_off", ""),       # MDC_EVT_XDUCR_ABSENT
    "196944": ("sensor_off", ""),       # MDC_EVT_XDUCR_DISCONN
    "196834": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_INCORRECT
    "196836": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_LEAK
    "196838": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_NOT_DEFLATED
    "196840": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_INFLAT_OVER
    "196848": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_LOOSE
    "197038": ("cuff_error", "NBP"),    # MDC_EVT_CUFF_POSN_ERR
}
# The words of Philips INOPs ("SpO2 NO SENSOR", "LEADS OFF", "NBP CUFF OVERPRESS"), Mindray alarm texts
# ("SpO2 Sensor Off", "ECG Lead Off") and MDC event names, for what they mean.
_SENSOR_OFF = re.compile(r"NO[ _]?SENSOR|SENSOR[ _]?OFF|PROBE[ _]?OFF|NO[ _]?PROBE|LEADS?[ _]?OFF|DISCONN|"
                         r"UNPLUGGED|NO[ _]?TRANSDUC|XDUCR[ _]?ABSENT|CHECK[ _]?SENSOR|FINGER[ _]?OUT", re.I)
_CUFF = re.compile(r"CUFF", re.I)
_BATTERY = re.compile(r"BATT", re.I)
# The part of the monitor an alert is about, by the words in its text or name; "" = the whole monitor.
_GROUPS = (
    (re.compile(r"TEMP|\bT(\d|SKIN|CORE|RECT|ESOPH|NASO|TYMP|AXIL)", re.I), ("temperature",)),
    (re.compile(r"SPO2|SAT_O2|PULS_OXIM|PLETH|PROBE|FINGER", re.I), ("spo2", "pulse_rate", "perfusion_index")),
    (re.compile(r"ECG|LEAD|\bHR\b", re.I), ("heart_rate",)),
    (re.compile(r"CO2|AWAY|CAPNO", re.I), ("etco2", "fico2")),
    (re.compile(r"RESP|TTHOR|\bRR\b", re.I), ("respiratory_rate",)),
    (re.compile(r"NBP|NIBP|CUFF|NONINV", re.I), tuple(sorted(NIBP_KINDS))),
    (re.compile(r"ABP|\bART|BLD_ART", re.I), ("abp_systolic", "abp_diastolic", "abp_mean")),
)


def alert_meaning(code: str, text: str) -> tuple[str, frozenset[str]]:
    """(the reading flag, the kinds it is about) of an alert: sensor_off, cuff_error, low_battery or device_alarm.
    Empty kinds: the alert is about the whole monitor (or we cannot tell which part)."""
    flag, about = EVENT_MEANING.get(code, ("", ""))
    if not flag:
        flag = ("sensor_off" if _SENSOR_OFF.search(text) else "cuff_error" if _CUFF.search(text)
                else "low_battery" if _BATTERY.search(text) else "device_alarm")
    words = f"{about} {text}"
    kinds = next((group for pattern, group in _GROUPS if pattern.search(words)), ())
    return flag, frozenset(kinds)
