"""Words and numbers for the screen: phases, times, device health and one line per logged event."""

from __future__ import annotations

from datetime import datetime

PHASES = {"idle": "No patient", "pre_infusion": "Check-in", "infusing": "Infusing", "paused": "Paused",
          "recovery": "Recovery", "discharged": "Discharged", "aborted": "Aborted"}
HEALTH = {"ok": ("OK", "ok"), "connecting": ("connecting", "warn"), "no_data": ("no data", "warn"),
          "sensor_off": ("sensor off", "warn"), "lost": ("lost", "bad")}
DEVICES = {"vitals": "Monitor", "lighting": "Light", "diffuser": "Diffuser", "audio": "Sound"}
CONDITIONS = {"heart_rate": "Heart rate", "pulse_rate": "Pulse rate", "spo2": "SpO₂", "nibp_systolic": "NIBP systolic",
              "nibp_diastolic": "NIBP diastolic", "nibp_mean": "NIBP mean", "respiratory_rate": "Resp. rate",
              "vitals": "Monitor", "audio": "Sound", "room": "Room"}
SUFFIX = {"low": "low", "high": "high", "stale": "no recent value", "lost": "connection lost",
          "sensor_off": "sensor off", "storage": "storage failing"}
UNITS = {"heart_rate": "/min", "pulse_rate": "/min", "spo2": "%", "respiratory_rate": "/min"}


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(max(0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def clock(ts: datetime) -> str:
    return ts.astimezone().strftime("%H:%M")


def phase(name: str) -> str:
    return PHASES.get(name, name.replace("_", " ").capitalize())


def words(key: str) -> str:
    return key.replace("_", " ")


def alarm_text(alarm) -> str:
    kind, _, suffix = alarm.condition.rpartition(".")
    text = f"{CONDITIONS.get(kind, words(kind))} {SUFFIX.get(suffix, words(suffix))}"
    if alarm.value is not None and suffix in ("low", "high"):
        text += f"  {alarm.value:g}{UNITS.get(kind, '')}"
    return text


def ago(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min ago"


def event_line(e) -> str | None:
    """One line for the timeline, or None for events the nurse need not read there."""
    p = e.payload
    k = e.kind
    if k == "session.opened":
        return f"Session opened: {p.get('patient_ref')}, infusion {p.get('course_no')}, {p.get('total_dose_mg')} mg"
    if k == "checklist.confirmed":
        return f"Confirmed: {words(p.get('item', ''))}"
    if k == "vitals.baseline":
        return (f"Baseline ({p.get('source')}): HR {p.get('heart_rate')}, SpO₂ {p.get('spo2')}, "
                f"NIBP {p.get('nibp_systolic')}/{p.get('nibp_diastolic')}")
    if k == "infusion.paused":
        return f"Infusion paused: {p.get('reason')}"
    if k in ("infusion.stopped", "session.aborted"):
        return f"{'Infusion stopped early' if k == 'infusion.stopped' else 'Session aborted'}: {p.get('reason')}"
    if k == "assessment.recorded":
        return f"{p.get('scale')} recorded: score {p.get('score')}"
    if k == "symptom.noted":
        sev = f" ({p['severity']})" if p.get("severity") else ""
        return f"Symptom: {words(p.get('symptom', ''))}{sev}"
    if k == "medication.given":
        return f"Medication: {p.get('drug')} {p.get('dose'):g} {p.get('unit')} {p.get('route')}"
    if k == "note.added":
        return f"Note: {p.get('text')}"
    if k == "alarm.raised":
        kind, _, suffix = p.get("condition", "").rpartition(".")
        value = f" ({p['value']:g})" if isinstance(p.get("value"), (int, float)) else ""
        return f"Alarm {p.get('priority')}: {CONDITIONS.get(kind, words(kind))} {SUFFIX.get(suffix, suffix)}{value}"
    if k == "alarm.acknowledged":
        return f"Alarm acknowledged: {p.get('condition')} by {p.get('by')}"
    if k == "alarm.audio_paused":
        return f"Alarm sound paused {p.get('seconds')} s by {p.get('by')}"
    if k == "alarm.cleared":
        return f"Alarm cleared: {p.get('condition')}"
    if k == "alarm.escalated":
        return f"Alarm escalated to {p.get('priority')}: {p.get('condition')}"
    if k == "session.discharged":
        return f"Discharged (PADSS {p.get('padss_score')}, escort {'yes' if p.get('escort_confirmed') else 'no'})"
    if k == "ambient.scene_applied":
        return f"Scene: {p.get('scene')}"
    if k == "ambient.changed":
        return f"{words(p.get('target', '')).capitalize()} set to {p.get('value')}"
    if k.startswith("device."):
        return f"{DEVICES.get(p.get('device'), p.get('device'))}: {k.split('.')[1].replace('_', ' ')}"
    if k == "nurse.called":
        return "Patient called the nurse"
    if k == "staff.unlocked":
        return f"Signed in: {p.get('name') or p.get('staff_id')}"
    if k == "staff.locked":
        return f"Locked ({p.get('reason', '')})"
    if k == "staff.pin_rejected":
        return f"Wrong PIN for {p.get('staff_id')}"
    if k == "staff.locked_out":
        return f"{p.get('staff_id')} locked out after wrong PINs"
    if k in ("room.started", "alarm.condition_gone"):
        return None
    return k.replace(".", " ").replace("_", " ").capitalize()


def is_alarm(e) -> bool:
    return e.kind.startswith("alarm.")
