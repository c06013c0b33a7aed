"""Plain-English wording of log events, alarm conditions and vitals, in one place so that the screen's timeline,
the PDF record and the CSV exports say the same thing the same way."""

from __future__ import annotations

from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.advisories import ADVISORY_PREFIX
from roomcontrol.domain.alarms import AlarmView
from roomcontrol.domain.comfort import read_plan, summary
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.flags import flag_text, flagged_item
from roomcontrol.domain.responsiveness import CONDITION as RESPONSIVENESS
from roomcontrol.domain.scales import SCALES
from roomcontrol.domain.vitals.tiles import limit_text

VITAL_LABELS = {
    "heart_rate": "Heart rate", "pulse_rate": "Pulse rate", "spo2": "SpO2", "perfusion_index": "Perfusion index",
    "nibp_systolic": "NIBP systolic", "nibp_diastolic": "NIBP diastolic", "nibp_mean": "NIBP mean",
    "respiratory_rate": "Resp. rate", "etco2": "EtCO2",
}
VITAL_SHORT = {"heart_rate": "HR", "pulse_rate": "PR", "spo2": "SpO2", "perfusion_index": "PI",
               "nibp_systolic": "Sys", "nibp_diastolic": "Dia", "nibp_mean": "MAP", "respiratory_rate": "RR"}
# One word per phase and per device, wherever they are shown (screen, timeline, PDF and its chart, exports).
PHASE_LABELS = {"idle": "No patient", "pre_infusion": "Pre-infusion", "infusing": "Infusing", "paused": "Paused",
                "recovery": "Recovery", "discharged": "Discharged", "aborted": "Aborted"}
DEVICE_LABELS = {"vitals": "Monitor", "lighting": "Lighting", "diffuser": "Diffuser", "audio": "Sound"}  # screen order
CHECKLIST_LABELS = {"consent": "Consent", "npo": "Fasting (NPO)", "escort": "Escort", "pregnancy_screen":
                    "Pregnancy screen", "baseline_vitals": "Baseline vitals", "iv_access": "IV access",
                    "allergies_reviewed": "Allergies reviewed", "medications_reviewed": "Medications reviewed",
                    "bladder_emptied": "Bladder emptied", "identity_confirmed": "Identity confirmed"}
SYSTEM_ACTORS = ("system", "patient")


def label(text: str) -> str:
    return text.replace("_", " ")


def vital_label(kind: str) -> str:
    return VITAL_LABELS.get(kind, label(kind).capitalize())


def phase_label(phase: str) -> str:
    return PHASE_LABELS.get(phase, label(phase).capitalize())


CONDITION_WORDS = {"stale": "no recent value", "lost": "connection lost", "sensor_off": "sensor off"}


# Clinical (non-limit) alarms' conditions (domain.alarms.raise_clinical); "advisory:<id>" names the protocol's rule.
CLINICAL_CONDITIONS = {RESPONSIVENESS: "No response to the check"}


def condition_label(condition: str) -> str:
    """'spo2.low' → 'SpO2 low'; 'vitals.lost' → 'Monitor connection lost'; 'spo2.stale' → 'SpO2 no recent value';
    'responsiveness' → 'No response to the check'; 'advisory:bp-high-twice' → 'Advisory bp-high-twice'."""
    if condition in CLINICAL_CONDITIONS:
        return CLINICAL_CONDITIONS[condition]
    if condition.startswith(ADVISORY_PREFIX):
        return f"Advisory {condition[len(ADVISORY_PREFIX):]}"
    subject, _, what = condition.partition(".")
    name = VITAL_LABELS.get(subject) or DEVICE_LABELS.get(subject) or label(subject)
    return f"{name} {CONDITION_WORDS.get(what, label(what))}".strip()


# The unit shown after an alarm's live value (the alarm banner and the station say the same).
ALARM_UNITS = {"heart_rate": "/min", "pulse_rate": "/min", "spo2": "%", "respiratory_rate": "/min"}


def typeset(text: str) -> str:
    """The shared wording with screen typography (the room's screen, the station page); the PDF's fonts lack
    the subscript, so the record keeps "SpO2"."""
    return text.replace("SpO2", "SpO₂")


def alarm_text(view: AlarmView) -> str:
    """What one active alarm says, wherever it is shown (the room's alarm banner, the clinic station):
    'SpO₂ low  84%   ·   limits ≥ 90', 'Monitor connection lost', '…   ·   condition over'. The banner adds who
    acknowledged it and its escalation, which the station gets as fields of their own."""
    a = view.alarm
    text = typeset(condition_label(a.condition) if a.text is None else a.text)
    parts = [text]
    if not a.technical and not a.clinical:
        live = "--" if view.live is None else f"{view.live:g}"
        parts = [f"{text}  {live}{ALARM_UNITS.get(a.subject, '')}", f"limits {limit_text(view.low, view.high)}"]
    if a.condition_gone:
        parts.append("condition over")
    return ALARM_SEPARATOR.join(parts)


def storage_alarm_text(error: str) -> str:
    """The alarm a log that cannot be written raises (the banner's top row, the station's)."""
    return f"Storage failing — {error}"


ALARM_SEPARATOR = "   ·   "
STATION = "station"  # the `via` of an act a nurse sent from the clinic station (payload "via": "station")


def number(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    return str(value)


def waited(seconds: object) -> str:
    """A response time in the nurse's words: '42 s', '3 min 05 s'."""
    if not isinstance(seconds, (int, float)):
        return "–"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _minutes(minutes: object) -> str:
    """Time infused as a nurse reads it ('12 min 30 s', never '12.5'), from the logged decimal minutes."""
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        return "–"
    return waited(minutes * 60)


def details(payload: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    """'name Sam (partner), phone on file yes' from the extra fields of a payload."""
    parts = []
    for key, value in payload.items():
        if key in skip or value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{label(key)} {number(value) if isinstance(value, (int, float)) else value}")
    return ", ".join(parts)


def describe(event: Event) -> str:
    """One line saying what an event records, in the nurse's words; an act sent from the clinic station says so
    ("Alarm acknowledged: SpO2 low — from the station")."""
    text = _describe(event)
    return f"{text} — from the station" if event.payload.get("via") == STATION else text


# The words of kinds that carry nothing to say beyond their kind.
_FIXED_WORDS = {K.RECOVERY_STARTED: "Recovery started", K.NURSE_CALLED: "Patient called the nurse",
                K.VITALS_NIBP_REQUESTED: "NIBP measurement requested from the monitor"}
# An alarm's later acts: the condition in the nurse's words, and what the act adds.
_ALARM_WORDS = {K.ALARM_ACKNOWLEDGED: "Alarm acknowledged: {condition}",
                K.ALARM_CLEARED: "Alarm cleared: {condition} ({reason})",
                K.ALARM_ESCALATED: "Alarm escalated: {condition} to {priority} priority",
                K.ALARM_CONDITION_GONE: "Alarm condition over, awaiting acknowledgement: {condition}"}


def _device(p: dict[str, Any]) -> str:
    return str(DEVICE_LABELS.get(p.get("device", ""), p.get("device")))


def _describe(event: Event) -> str:
    p, k = event.payload, event.kind
    if k in _FIXED_WORDS:
        return _FIXED_WORDS[k]
    if k == K.SESSION_OPENED:
        under = f" ({p['protocol']} v{p.get('protocol_version')})" if p.get("protocol") else ""
        return (f"Session opened{under}: patient {p.get('patient_ref')}, course {p.get('course_no')}, "
                f"{number(p.get('total_dose_mg'))} mg over {number(p.get('planned_infusion_min'))} min")
    if k == K.CHECKLIST_CONFIRMED:
        extra = details(p, skip=("item",))
        return f"Checked: {CHECKLIST_LABELS.get(p.get('item', ''), label(str(p.get('item'))))}" + \
            (f" ({extra})" if extra else "")
    if k == K.VITALS_BASELINE:
        return (f"Baseline vitals: HR {number(p.get('heart_rate'))}, SpO2 {number(p.get('spo2'))} %, "
                f"NIBP {number(p.get('nibp_systolic'))}/{number(p.get('nibp_diastolic'))} mmHg"
                f" ({p.get('source', 'typed')})")
    if k == K.INFUSION_STARTED:
        return f"Infusion started at {number(p.get('rate_mg_per_h'))} mg/h"
    if k == K.INFUSION_PAUSED:
        return f"Infusion paused: {p.get('reason', '')}"
    if k == K.INFUSION_RESUMED:
        return "Infusion resumed"
    if k == K.INFUSION_RATE_CHANGED:
        return (f"Rate changed from {number(p.get('from_mg_per_h'))} to {number(p.get('to_mg_per_h'))} mg/h "
                f"after {waited(p.get('at_infused_s'))} infused: {p.get('reason', '')}")
    if k == K.INFUSION_COMPLETED:
        return f"Infusion completed: {_minutes(p.get('infused_min'))} of {number(p.get('planned_infusion_min'))} min"
    if k == K.INFUSION_STOPPED:
        return (f"Infusion stopped early after {_minutes(p.get('infused_min'))} of "
                f"{number(p.get('planned_infusion_min'))} min: {p.get('reason', '')}")
    if k == K.INFUSION_PLANNED_TIME_REACHED:
        return f"Planned infusion time reached: {number(p.get('planned_infusion_min'))} min"
    if k == K.RESPONSIVENESS_ASKED:
        return f"Check {p.get('check')} asked: \"If you're OK, tap anywhere\""
    if k == K.RESPONSIVENESS_ANSWERED:
        late = " (after the alarm)" if p.get("late") else ""
        return f"Check {p.get('check')} answered by the patient after {waited(p.get('after_s'))}{late}"
    if k == K.RESPONSIVENESS_MISSED:
        return f"Check {p.get('check')} missed: no tap within {waited(p.get('answer_within_s'))}"
    if k == K.ADVISORY_PRE_DOSE_DECIDED:
        return f"Pre-dose advisory, decided to {p.get('decision')}{_why(p)} ({p.get('text', '')})"
    if k == K.ADVISORY_RESPONDED:
        return f"Advisory {p.get('advisory')} answered, infusion {p.get('response')}{_why(p)}"
    if k == K.ASSESSMENT_RECORDED:
        return f"{p.get('scale')} recorded: score {p.get('score')}" + _flag(p)
    if k == K.ASSESSMENT_FLAG_ACKNOWLEDGED:
        return (f"Flag acknowledged (#{p.get('assessment_seq')}): "
                f"{_flag_words(p.get('scale'), p.get('item'), p.get('value'))}")
    if k == K.SYMPTOM_NOTED:
        sev = f" ({p['severity']})" if p.get("severity") else ""
        return f"Symptom noted: {p.get('symptom')}{sev}"
    if k == K.MEDICATION_GIVEN:
        why = f" for {p['indication']}" if p.get("indication") else ""
        return f"Given: {p.get('drug')} {number(p.get('dose'))} {p.get('unit')} {p.get('route')}{why}"
    if k == K.NOTE_ADDED:
        return f"Note: {p.get('text', '')}"
    if k == K.NURSE_CALL_ANSWERED:
        return f"Call answered after {waited(p.get('response_s'))}"
    if k == K.CS_DRAWN:
        return (f"Drawn: {p.get('drug')} {number(p.get('mg'))} mg ({number(p.get('ml'))} mL of "
                f"{number(p.get('mg_per_ml'))} mg/mL), lot {p.get('lot')}, expires {p.get('expiry')}")
    if k == K.CS_WASTED:
        off = p.get("discrepancy_mg")
        balance = "balanced" if isinstance(off, (int, float)) and abs(off) <= (p.get("tolerance_mg") or 0) else \
            f"discrepancy {number(off)} mg: {p.get('explanation') or '–'}"
        return (f"Wasted: {number(p.get('mg'))} mg ({number(p.get('ml'))} mL), witnessed by {p.get('witness')}; "
                f"given {number(p.get('given_mg'))} mg; {balance}")
    if k == K.VITALS_VALIDATED:
        r, item = p.get("reading") or {}, p.get("item") or {}
        bp = f"{number(r.get('nibp_systolic'))}/{number(r.get('nibp_diastolic'))}" if "nibp_systolic" in r else ""
        return f"Reading charted{' for ' + str(item['label']) if item.get('label') else ''}: {bp or details(r)}"
    if k == K.DISCHARGE_OVERRIDE:
        open_ = ", ".join(condition_label(a.get("condition", "")) for a in p.get("alarms", ()))
        return f"Discharge override with alarm open ({open_}): {p.get('reason', '')}"
    if k == K.DISCHARGE_RULE_OVERRIDDEN:
        return f"Discharge rule overridden ({p.get('says', p.get('rule', ''))}): {p.get('reason', '')}"
    if k == K.REMS_FORM_COMPLETED:
        return (f"REMS Patient Monitoring Form completed: {p.get('total_monitoring_min')} min monitored, ready to "
                f"leave at {p.get('ready_min')} min, lot {p.get('lot')}")
    if k == K.SESSION_DISCHARGED:
        named = p.get("escort") or {}
        escort = (f"escort {named.get('name')} ({named.get('phone')})" if named else
                  "escort confirmed" if p.get("escort_confirmed") else "escort NOT confirmed")
        return f"Discharged: PADSS {p.get('padss_score')}, {escort}"
    if k == K.SESSION_ABORTED:
        return f"Session aborted ({phase_label(str(p.get('phase', ''))).lower()}): {p.get('reason', '')}"
    if k == K.ALARM_RAISED:
        if p.get("text"):  # a clinical alarm says it all, values included
            return f"Alarm raised: {p['text']}, {p.get('priority')} priority"
        value = f" ({number(p['value'])})" if p.get("value") is not None else ""
        return f"Alarm raised: {condition_label(p.get('condition', ''))}{value}, {p.get('priority')} priority"
    if k == K.ALARM_AUDIO_PAUSED:
        return f"Alarm sound paused for {number(p.get('seconds'))} s"
    if k in _ALARM_WORDS:
        return _ALARM_WORDS[k].format(condition=condition_label(p.get("condition", "")), reason=p.get("reason", ""),
                                      priority=p.get("priority"))
    if k in (K.DEVICE_CONNECTED, K.DEVICE_LOST, K.DEVICE_SENSOR_OFF):
        what = {K.DEVICE_CONNECTED: "connected", K.DEVICE_LOST: "lost", K.DEVICE_SENSOR_OFF: "sensor off"}[k]
        extra = f" ({p['detail']})" if p.get("detail") else ""
        return f"{_device(p)} {what}{extra}"
    if k == K.DEVICE_TESTED:
        return f"{_device(p)} tested: {p.get('outcome')}"
    if k == K.AMBIENT_SCENE_APPLIED:
        return f"Room scene '{p.get('scene')}' applied" + (" with the comfort plan" if p.get("comfort") else "")
    if k in (K.COMFORT_PLAN_SET, K.COMFORT_PLAN_SAVED):
        return comfort_words(k, p)
    if k == K.AMBIENT_CHANGED:
        return f"Room {label(str(p.get('target', '')))} set to {number(p.get('value'))}"
    if k == K.STAFF_UNLOCKED:
        return f"Signed in: {p.get('name') or p.get('staff_id', event.actor)}"
    if k == K.STAFF_LOCKED:
        return f"Screen locked ({p['reason']})" if p.get("reason") else "Screen locked"
    if k == K.STAFF_PIN_REJECTED:
        return f"Wrong PIN for {p.get('staff_id')}"
    if k == K.STAFF_LOCKED_OUT:
        return f"{p.get('staff_id')} locked out after wrong PINs"
    if k == K.STAFF_DIRECTORY_UPDATED:
        parts = [f"{what} {', '.join(map(str, p[key]))}" for key, what in (
            ("added", "added"), ("replaced_local", "now the hub's"), ("updated", "updated"),
            ("disabled", "disabled")) if p.get(key)]
        return "Staff directory from the hub" + (f": {'; '.join(parts)}" if parts else "")
    if k == K.ROOM_STARTED:
        return f"RoomControl {p.get('version', '')} started"
    if k == K.EVENT_CORRECTED:
        return describe_correction(p)
    if k == K.DOSE_DEVICE_GIVEN:
        return f"Nasal device {p.get('n')} of {p.get('of')} given: {number(p.get('mg'))} mg"
    if k == K.DOSE_HIGH_CONFIRMED:
        return (f"High dose confirmed: {number(p.get('dose_mg_per_kg'))} mg/kg = {number(p.get('total_dose_mg'))} mg "
                f"at {number(p.get('rate_mg_per_h'))} mg/h, above the usual maximum of "
                f"{number(p.get('soft_max_mg_per_kg'))} mg/kg")
    return f"{k}: {details(p, skip=('via',))}" if p else k


def comfort_words(kind: str, p: dict[str, Any]) -> str:
    """"Comfort plan set (from the course): light 10 % · … · "likes to hold a stone"" (the plan's own words)."""
    what = "Comfort plan saved for next time" if kind == K.COMFORT_PLAN_SAVED else \
        "Comfort plan set" + (" (from the course)" if p.get("source") == "course" else "")
    try:
        plan = read_plan(p.get("plan"))
    except Refused:
        return f"{what}: {details(p)}"
    return f"{what}: {summary(plan)}" + (f' · "{plan.note}"' if plan.note else "")


def _flag_words(scale: object, item: object, value: object) -> str:
    item_max = SCALES[scale].item_max if scale in SCALES else 0
    return flag_text(str(scale), str(item), value if isinstance(value, int) else 0, item_max)


def _why(p: dict[str, Any]) -> str:
    """': <the reason>' where the payload gives one."""
    return f": {p['reason']}" if p.get("reason") else ""


def _flag(p: dict[str, object]) -> str:
    """' — flagged: PHQ-9 item 9 (…) answered 2 of 3' for an assessment whose answer flags the nurse."""
    scale, items = p.get("scale"), p.get("items")
    hit = flagged_item(scale, items) if isinstance(scale, str) and isinstance(items, dict) else None
    return f" — FLAGGED: {_flag_words(scale, *hit)}" if hit else ""


ENTRY_NAMES = {K.MEDICATION_GIVEN: "medication given", K.SYMPTOM_NOTED: "symptom noted", K.NOTE_ADDED: "note",
               K.ASSESSMENT_RECORDED: "assessment", K.VITALS_BASELINE: "baseline vitals",
               K.CHECKLIST_CONFIRMED: "checklist confirmation", K.SESSION_OPENED: "dose plan"}


def _value(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return number(value) if isinstance(value, (int, float)) else str(value)


# A corrected field as a nurse says it: its name and the unit after the new value ("weight 70 → 72 kg").
# Any other field is its name in words, without a unit.
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "weight_kg": ("weight", "kg"), "dose_mg_per_kg": ("dose", "mg/kg"), "total_dose_mg": ("total dose", "mg"),
    "rate_mg_per_h": ("rate", "mg/h"), "planned_infusion_min": ("planned time", "min"),
    "concentration_mg_per_ml": ("concentration", "mg/mL"), "course_no": ("infusion no.", ""),
    "hours_since_solids": ("hours since solids", "h"), "hours_since_clear_fluids": ("hours since clear fluids", "h"),
    "heart_rate": ("HR", "/min"), "spo2": ("SpO2", "%"), "nibp_systolic": ("systolic", "mmHg"),
    "nibp_diastolic": ("diastolic", "mmHg"),
}


def _changed(name: str, old: object, new: object) -> str:
    """'weight 70 → 72 kg', 'severity mild → moderate'."""
    words, unit = FIELD_WORDS.get(name, (label(name), ""))
    return f"{words} {_value(old)} → {_value(new)}" + (f" {unit}" if unit else "")


def correction_changes(changes: dict[str, Any], was: dict[str, Any]) -> str:
    """'weight 70 → 72 kg, total dose 140 → 144 mg'; for an assessment 'pain 1 → 2, score 7 → 8'."""
    parts = []
    for name, new in changes.items():
        old = was.get(name)
        if isinstance(new, dict):
            old = old if isinstance(old, dict) else {}
            parts += [_changed(key, old.get(key), value) for key, value in new.items()]
        else:
            parts.append(_changed(name, old, new))
    return ", ".join(parts)


def describe_correction(p: dict[str, Any]) -> str:
    """'Corrected #14 (medication given: ondansetron): dose 4 → 8; reason: 8 mg was drawn up and given'."""
    kind, corrected = p.get("corrects_kind", ""), p.get("corrected") or {}
    what = ENTRY_NAMES.get(kind, label(kind))
    if kind == K.ASSESSMENT_RECORDED and corrected.get("scale"):
        what = f"{corrected['scale']} assessment"
    subject = {K.MEDICATION_GIVEN: "drug", K.SYMPTOM_NOTED: "symptom", K.CHECKLIST_CONFIRMED: "item"}.get(kind)
    if subject and corrected.get(subject):
        what += f": {label(str(corrected[subject]))}"
    changed = correction_changes(p.get("changes") or {}, p.get("was") or {})
    return f"Corrected #{p.get('corrects_seq')} ({what}): {changed}; reason: {p.get('reason', '')}"


ACT_NAMES = {
    K.SESSION_OPENED: "opened the session", K.CHECKLIST_CONFIRMED: "confirmed checks",
    K.VITALS_BASELINE: "recorded the baseline", K.INFUSION_STARTED: "started the infusion",
    K.INFUSION_PAUSED: "paused the infusion", K.INFUSION_RESUMED: "resumed the infusion",
    K.INFUSION_RATE_CHANGED: "changed the rate",
    K.INFUSION_COMPLETED: "completed the infusion", K.INFUSION_STOPPED: "stopped the infusion",
    K.ASSESSMENT_RECORDED: "recorded assessments", K.ASSESSMENT_FLAG_ACKNOWLEDGED: "acknowledged flags",
    K.SYMPTOM_NOTED: "noted symptoms",
    K.MEDICATION_GIVEN: "gave medication", K.NOTE_ADDED: "added notes", K.NURSE_CALLED: "called the nurse",
    K.SESSION_DISCHARGED: "discharged the patient", K.SESSION_ABORTED: "aborted the session",
    K.ALARM_ACKNOWLEDGED: "acknowledged alarms", K.ALARM_AUDIO_PAUSED: "paused alarm sound",
    K.STAFF_UNLOCKED: "unlocked the screen", K.EVENT_CORRECTED: "corrected entries",
    K.DOSE_HIGH_CONFIRMED: "confirmed a high dose",
    K.DOSE_DEVICE_GIVEN: "gave nasal devices",
    K.NURSE_CALL_ANSWERED: "answered calls", K.DISCHARGE_OVERRIDE: "overrode a discharge guard",
    K.DISCHARGE_RULE_OVERRIDDEN: "overrode a discharge rule", K.REMS_FORM_COMPLETED: "completed the REMS form",
    K.RESPONSIVENESS_ANSWERED: "answered checks", K.ADVISORY_PRE_DOSE_DECIDED: "decided on a pre-dose advisory",
    K.ADVISORY_RESPONDED: "responded to advisories",
    K.VITALS_NIBP_REQUESTED: "started NIBP measurements", K.VITALS_VALIDATED: "charted readings",
}
