#!/usr/bin/env python3
"""Write docs/EVENTS.md, the event vocabulary of the log, from roomcontrol/domain/kinds.py (every kind) and
roomcontrol/domain/wording.py (how the timeline, the PDF and the CSV word each one). A test checks the file is
current: after adding a kind, run  .venv/bin/python scripts/make_events_doc.py
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roomcontrol.domain import kinds as K  # noqa: E402
from roomcontrol.domain.events import Event  # noqa: E402
from roomcontrol.domain.wording import describe  # noqa: E402

OUT = ROOT / "docs" / "EVENTS.md"
# kind: (who logs it, what it means, an example payload). Who: a staff id is the signed-in nurse; "patient" the
# locked screen's own controls; "system" the room itself; a device name its driver's health.
ABOUT: dict[str, tuple[str, str, dict]] = {
    K.ROOM_STARTED: ("system", "the app started (version, configuration)", {"version": "1.0"}),
    K.BACKUP_MADE: ("system", "the nightly backup of the room database, verified: the file, its last seq, its size",
                    {"path": "/mnt/backup/roomcontrol/roomcontrol-room-1-20260309T013000Z.db", "last_seq": 4211,
                     "bytes": 1966080}),
    K.BACKUP_FAILED: ("system", "the nightly backup did not happen, and why (shown on the screen until one succeeds)",
                      {"reason": "cannot use the backup folder /mnt/backup/roomcontrol: No such file or directory"}),
    K.SESSION_OPENED: ("nurse", "check-in: patient reference, course, the protocol (id and version, when the room "
                                "enables protocols), weight and the dose plan (a fixed-dose protocol: `dose_mg`, "
                                "`devices`, `device_interval_min`, no rate)",
                       {"patient_ref": "PT-1042", "course_no": 3, "protocol": "ketamine-depression",
                        "protocol_version": 1, "weight_kg": 72.5, "dose_mg_per_kg": 0.5,
                        "total_dose_mg": 36.25, "planned_infusion_min": 40, "rate_mg_per_h": 54.38}),
    K.CHECKLIST_CONFIRMED: ("nurse", "one pre-infusion checklist item, with its details",
                            {"item": "npo", "hours_since_solids": 8, "hours_since_clear_fluids": 3}),
    K.VITALS_BASELINE: ("nurse", "baseline vitals, typed or captured from the monitor",
                        {"heart_rate": 72, "spo2": 98, "nibp_systolic": 124, "nibp_diastolic": 78,
                         "source": "monitor"}),
    K.INFUSION_STARTED: ("nurse", "the pump was started", {"rate_mg_per_h": 54.38}),
    K.INFUSION_PAUSED: ("nurse", "the pump was paused, with a reason", {"reason": "patient asked for a break"}),
    K.INFUSION_RESUMED: ("nurse", "the pump runs again", {}),
    K.INFUSION_RATE_CHANGED: ("nurse", "titration: the pump's rate changed (running or paused), why, and after how "
                              "many seconds of infusion; the dose given is summed over the rate segments",
                              {"from_mg_per_h": 54.38, "to_mg_per_h": 40.0, "reason": "dissociation too deep",
                               "at_infused_s": 900.0}),
    K.INFUSION_COMPLETED: ("nurse", "the planned time was given; given_mg: summed over the rate segments",
                           {"infused_min": 40.0, "planned_infusion_min": 40, "pauses": 0, "given_mg": 36.25}),
    K.INFUSION_STOPPED: ("nurse", "stopped early, with a reason", {"reason": "BP above 180", "infused_min": 24.0,
                                                                "planned_infusion_min": 40}),
    K.INFUSION_PLANNED_TIME_REACHED: ("system", "the infusion reached its planned time (the nurse's cue to complete)",
                                      {"planned_infusion_min": 40, "infused_min": 40.0}),
    K.DOSE_HIGH_CONFIRMED: ("nurse", "a dose above the clinic's usual maximum, confirmed at check-in or with a "
                            "rate change",
                            {"dose_mg_per_kg": 1.2, "total_dose_mg": 84.0, "rate_mg_per_h": 126.0,
                             "soft_max_mg_per_kg": 1.0}),
    K.CS_DRAWN: ("nurse", "a controlled substance drawn for the session (the protocol's drug, an unexpired lot): "
                 "concentration, volume, the mg they hold, lot and expiry",
                 {"drug": "ketamine", "mg_per_ml": 10.0, "ml": 4.0, "mg": 40.0, "lot": "KT2291A",
                  "expiry": "2027-06-30"}),
    K.CS_WASTED: ("nurse", "the waste at the end, witnessed at that moment by a second staff member who entered "
                  "their own PIN with the nurse's (the witness is in the one event: never added later); given_mg "
                  "is the session's own sum over the rate segments; discrepancy_mg = drawn − given − wasted, "
                  "explained in words beyond tolerance_mg",
                  {"mg": 3.75, "ml": 0.375, "witness": "rn.grace", "given_mg": 36.25, "drawn_mg": 40.0,
                   "discrepancy_mg": 0.0, "tolerance_mg": 0.5, "explanation": None}),
    K.DOSE_DEVICE_GIVEN: ("nurse", "a nasal device of a fixed dose given (the first starts the dosing, the last "
                          "ends it; never sooner than the protocol's interval after the one before)",
                          {"n": 2, "of": 2, "mg": 28.0}),
    K.ASSESSMENT_FLAG_ACKNOWLEDGED: ("nurse", "a nurse saw a flagged answer (PHQ-9 item 9 above zero)",
                                     {"assessment_seq": 57, "scale": "PHQ-9", "item": "9", "value": 1}),
    K.NURSE_CALL_ANSWERED: ("nurse", "the patient's call was answered, with the response time",
                            {"called_seq": 61, "response_s": 42.0, "presses": 1}),
    K.DISCHARGE_OVERRIDE: ("admin", "discharge past a guard (a high alarm still open), with a reason",
                           {"guard": "active high-priority alarm", "reason": "artefact: probe on cold finger",
                            "alarms": [{"alarm_id": "a1b2c3d4", "condition": "spo2.low", "priority": "high",
                                        "acknowledged_by": "rn.ada"}]}),
    K.DISCHARGE_RULE_OVERRIDDEN: ("admin (signed with their PIN at the discharge screen)",
                                  "discharge past an unmet rule of the session's protocol, one event per rule",
                                  {"rule": "moaas", "says": "MOAA/S is 4; 5 is required",
                                   "reason": "baseline MOAA/S is 4 (hearing loss)"}),
    K.REMS_FORM_COMPLETED: ("nurse", "the esketamine REMS Patient Monitoring Form's fields (protocol rems = true), "
                            "logged with the discharge",
                            {"medications": {"benzodiazepines": False, "sedative_hypnotics": False,
                                             "psychostimulants": False, "maois": False, "which": None},
                             "monitored_by": "Ada Lovelace", "dose_mg": 56, "devices": 2, "lot": "EK2291",
                             "administration_started": "2026-11-28T09:00:00.000Z", "total_monitoring_min": 125,
                             "ready_at": "2026-11-28T10:30:00.000Z", "ready_min": 90,
                             "vitals_acceptable": {"before": True, "end": True},
                             "blood_pressure": {"bp_pre": [128, 82], "bp_40": [142, 88], "bp_end": [126, 80]},
                             "sedation": {"observed": True, "resolved": True},
                             "dissociation": {"observed": False, "resolved": None},
                             "respiratory_depression": {"observed": False, "resolved": None},
                             "serious_adverse_events": {"any": False, "what": None}}),
    K.VITALS_NIBP_REQUESTED: ("nurse", "the monitor was asked to measure NIBP now (a monitor that accepts it: the "
                              "simulator); the reading follows as a stored vital", {"by": "rn.ada",
                                                                                   "item": "nibp@dose+15"}),
    K.VITALS_VALIDATED: ("nurse", "a monitor reading charted by the nurse for a schedule item (nurse-validated, "
                         "as anaesthesia records distinguish from auto-captured)",
                         {"by": "rn.ada", "what": "nibp",
                          "item": {"key": "nibp@dose+15", "label": "BP during the infusion",
                                   "due_at": "2026-11-28T10:15:00+00:00"},
                          "reading": {"nibp_systolic": 128, "nibp_diastolic": 82, "nibp_mean": 97,
                                      "device_ts": "2026-11-28T10:14:31+00:00",
                                      "received_ts": "2026-11-28T10:14:32+00:00"}}),
    K.RECOVERY_STARTED: ("nurse", "recovery begins (follows completed/stopped)", {}),
    K.ASSESSMENT_RECORDED: ("nurse or patient", "a scale: CADSS-6, MOAA/S, PADSS (nurse); PHQ-9, GAD-7 (patient)",
                            {"scale": "PADSS", "items": {"activity": 2}, "score": 10}),
    K.SYMPTOM_NOTED: ("nurse", "a symptom with its severity (mild, moderate, severe)",
                      {"symptom": "nausea", "severity": "moderate"}),
    K.MEDICATION_GIVEN: ("nurse", "a drug given besides ketamine, with its indication",
                         {"drug": "Ondansetron", "dose": 4, "unit": "mg", "route": "IV", "indication": "nausea"}),
    K.NOTE_ADDED: ("nurse", "a free note", {"text": "physician informed"}),
    K.NURSE_CALLED: ("patient", "the patient pressed Call nurse on the locked screen", {}),
    K.SESSION_DISCHARGED: ("nurse", "home with the escort; PADSS and recovery time at discharge",
                           {"escort_confirmed": True, "padss_score": 10, "recovery_min": 32.0}),
    K.SESSION_ABORTED: ("nurse", "the session ended without a discharge, with a reason",
                        {"reason": "patient declined", "phase": "pre_infusion"}),
    K.ALARM_RAISED: ("system", "an alarm condition held past its delay (physiological or technical), or a "
                     "clinical alarm with its own wording (`text`): `responsiveness` (a missed check), "
                     "`advisory:<id>` (a protocol's advisory rule met)",
                     {"alarm_id": "a1b2", "condition": "spo2.low", "priority": "high", "value": 86}),
    K.RESPONSIVENESS_ASKED: ("system", "the patient's screen asks \"If you're OK, tap anywhere\" (the protocol's "
                             "[responsiveness] schedule; a soft chime)",
                             {"check": 2, "answer_within_s": 120, "every_min": 10}),
    K.RESPONSIVENESS_ANSWERED: ("patient", "the patient tapped; `late`: after the missed-check alarm (it clears)",
                                {"check": 2, "after_s": 6.5, "late": False}),
    K.RESPONSIVENESS_MISSED: ("system", "no tap within the protocol's time: the medium alarm `responsiveness` "
                              "follows", {"check": 2, "answer_within_s": 120, "waited_s": 120}),
    K.ADVISORY_PRE_DOSE_DECIDED: ("nurse", "the pre-dose readings broke an advisory: proceed (with a reason), "
                                  "delay or cancel (the session is aborted in the same record)",
                                  {"decision": "proceed", "reason": "white-coat; 2nd reading falling",
                                   "advisories": ["pre-dose-bp"], "readings": {"nibp_systolic": 168,
                                                                               "nibp_diastolic": 96},
                                   "text": "Blood pressure above 160/100 before dosing … — BP 168/96"}),
    K.ADVISORY_RESPONDED: ("nurse", "the nurse's response to a during-session advisory (acknowledges its alarm)",
                           {"advisory": "bp-high-twice", "response": "continued",
                            "reason": "patient anxious, rechecking in 5 min", "alarm_id": "c3d4"}),
    K.ALARM_ESCALATED: ("system", "an alarm waited too long for a nurse: its priority rose",
                        {"alarm_id": "a1b2", "condition": "spo2.low", "priority": "high", "level": 1}),
    K.ALARM_ACKNOWLEDGED: ("nurse", "a nurse acknowledged the alarm", {"alarm_id": "a1b2",
                                                                     "condition": "spo2.low", "by": "rn.ada"}),
    K.ALARM_AUDIO_PAUSED: ("nurse", "the alarm sound paused for a while (the alarm stays)",
                           {"alarm_ids": ["a1b2"], "by": "rn.ada", "seconds": 120}),
    K.ALARM_CONDITION_GONE: ("system", "a latched alarm's cause is over; it waits for an acknowledgement",
                             {"alarm_id": "a1b2", "condition": "nibp_systolic.high"}),
    K.ALARM_CLEARED: ("system", "the alarm is over (condition ended, or the session closed)",
                      {"alarm_id": "a1b2", "condition": "spo2.low", "reason": "condition ended"}),
    K.DEVICE_CONNECTED: ("device", "a device works (again)", {"device": "vitals", "detail": "simulated monitor"}),
    K.DEVICE_LOST: ("device", "a device stopped working or was never found (a missing sound card: once, no "
                    "alarm; lost while it worked: an alarm for the monitor and the sound device)",
                    {"device": "audio", "detail": "not found at start-up (no audio device)"}),
    K.DEVICE_SENSOR_OFF: ("device", "the oximeter's sensor is off the finger", {"device": "vitals"}),
    K.DEVICE_TESTED: ("nurse", "a device test from Settings, with the outcome",
                      {"device": "audio", "outcome": "chime played"}),
    K.AMBIENT_SCENE_APPLIED: ("system or nurse", "a scene (light, colour, music, mist) for the phase or by hand",
                              {"scene": "infusion", "reason": "infusion.started", "light_percent": 12,
                               "volume_percent": 35, "fade_s": 120}),
    K.COMFORT_PLAN_SET: ("nurse or patient", "the patient's comfort plan set or changed (the patient within the room's "
                         "limits; source \"course\" when the nurse loaded it from the patient's course at check-in); "
                         "the phase scenes take it from then on",
                         {"plan": {"playlist": "nature", "track": "", "volume": 20.0, "light": 10.0,
                                   "colour_temp_k": 2400, "diffuser": False, "prefers_silence": False,
                                   "eye_mask": True, "blanket": True, "note": "likes to hold a stone"},
                          "source": "room"}),
    K.COMFORT_PLAN_SAVED: ("nurse", "at discharge, the session's comfort plan kept for the next session in any room "
                           "(\"Save comfort plan for next time\")",
                           {"plan": {"playlist": "nature", "track": "", "volume": 20.0, "light": 10.0,
                                     "colour_temp_k": 2400, "diffuser": False, "prefers_silence": False,
                                     "eye_mask": True, "blanket": True, "note": "likes to hold a stone"}}),
    K.AMBIENT_CHANGED: ("nurse or patient", "light, volume, track or mist changed by hand (the patient within "
                        "the scene's limits)", {"target": "light", "value": 30.0}),
    K.STAFF_UNLOCKED: ("nurse", "signed in with the PIN", {"staff_id": "rn.ada"}),
    K.STAFF_LOCKED: ("nurse or system", "the screen locked (by hand or when idle)",
                     {"staff_id": "rn.ada", "reason": "idle"}),
    K.STAFF_PIN_REJECTED: ("system", "a wrong PIN (the PIN itself is never logged)",
                           {"staff_id": "rn.ada", "failures": 1}),
    K.STAFF_LOCKED_OUT: ("system", "five wrong PINs: the pad is locked for five minutes", {"staff_id": "rn.ada"}),
    K.STAFF_DIRECTORY_UPDATED: ("system", "a new copy of the clinic's staff directory (hub) changed this room's "
                                "accounts: ids added, replacing a room-local one, updated (name, role, PIN) or "
                                "disabled (at the hub or gone from it)",
                                {"version": "2026-11-27T21:30:00.000Z", "accounts": 12, "added": ["rn.bo"],
                                 "replaced_local": [], "updated": ["rn.ada"], "disabled": ["rn.cy"]}),
    K.EVENT_CORRECTED: ("nurse", "a correction of an earlier entry: the fields changed and a reason (the "
                        "original is never changed)",
                        {"corrects_seq": 14, "corrects_kind": "medication.given", "changes": {"dose": 8},
                         "was": {"dose": 4}, "reason": "8 mg was drawn up and given"}),
}


def kinds() -> list[str]:
    """Every kind kinds.py declares, in its order (aliases once)."""
    seen: list[str] = []
    for name, value in vars(K).items():
        if name.isupper() and isinstance(value, str) and value not in seen:
            seen.append(value)
    return seen


def render() -> str:
    ts = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)
    lines = [
        "# The event log's vocabulary",
        "",
        "Generated by `scripts/make_events_doc.py` from `roomcontrol/domain/kinds.py` and",
        "`roomcontrol/domain/wording.py`; do not edit by hand.",
        "",
        "Every clinical act, alarm, device change and sign-in is one event in the room's SQLite log: `seq` (the",
        "room's order), `id`, `room_id`, `session_id` (none outside a session), `ts` (UTC, ISO-8601), `kind`,",
        "`actor` (the signed-in nurse's staff id, `patient`, `system`, or a device name) and a JSON `payload`.",
        "The log is append-only and hash-chained (`roomcontrol log verify`); a mistake is corrected by a new",
        "`event.corrected`, never by changing the entry. `roomcontrol log export` writes the events as JSONL or",
        "CSV; the timeline, the PDF record and the CSV word them as in the last column.",
        "",
        "An act a nurse sent from the clinic station (`acknowledge_alarm`, `answer_call`: docs/STATION.md) is",
        "logged by the room like any other, under her staff id, and every event it logs carries `\"via\": \"station\"`",
        "in its payload; the wording ends with \"— from the station\" (e.g. \"Alarm acknowledged: SpO2 low — from",
        "the station\").",
        "",
        "| Kind | Logged by | What it records | Example payload | Worded as |",
        "|---|---|---|---|---|",
    ]
    for kind in kinds():
        who, what, payload = ABOUT.get(kind, ("?", "(not described yet)", {}))
        event = Event(1, "e1", "room-1", "s1", ts, kind, "rn.ada", payload)
        example = ", ".join(f"`{k}`: {_json(v)}" for k, v in payload.items()) or "–"
        lines.append(f"| `{kind}` | {who} | {what} | {example} | {describe(event)} |".replace("\n", " "))
    return "\n".join(lines) + "\n"


def _json(value) -> str:
    import json
    return json.dumps(value, ensure_ascii=False).replace("|", "\\|")


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
