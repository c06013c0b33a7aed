"""The room's live state for the clinic station: a RoomSnapshot as the `state` message of docs/STATION.md.

Pure and cheap: the live channel's thread builds it from the newest snapshot (immutable) and the pusher's status,
so the engine only hands over a reference. Alarm texts are the room's alarm banner's (domain.wording.alarm_text);
vitals are keyed by the screen's tiles; the patient is shown as `[station] show_patient` says.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from roomcontrol.domain.protocol import short_title
from roomcontrol.domain.session import Session
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.domain.vitals import Reading
from roomcontrol.domain.waiting import waiting
from roomcontrol.domain.wording import alarm_text, storage_alarm_text
from roomcontrol.engine.snapshot import RoomSnapshot

VERSION = 1
SHOW_PATIENT = ("initials", "reference", "none")
STORAGE_ALARM_ID = "storage"  # the log cannot be written: the banner's top row, high priority, technical


def live_state(snap: RoomSnapshot, *, sync: Any = None, show_patient: str = "initials",
               sent_at: datetime | None = None) -> dict[str, Any]:
    """The `state` message. `sync` is the pusher's SyncStatus (None: sync off); `sent_at` defaults to the
    snapshot's time (the channel sets the time it really sends)."""
    return {
        "type": "state", "v": VERSION, "room_id": snap.room_id, "room_name": snap.room_name,
        "sent_at": iso_utc(sent_at or snap.now), "phase": snap.phase,
        "session": _session(snap, show_patient),
        "vitals": _vitals(snap),
        "alarms": _alarms(snap),
        "call": ({"called_at": iso_utc(snap.call.called_at), "waiting_s": round(snap.call_waiting_s, 1),
                  "presses": snap.call.presses} if snap.call else None),
        "devices": dict(snap.devices),
        "due": [item.as_dict(snap.now) for item in snap.due],  # the protocol's schedule: due and overdue items
        # what else waits on the nurse: a pre-dose hold, an OK-check not answered yet (domain/waiting.py)
        "waiting": [w.as_dict(snap.now) for w in waiting(snap.session, snap.pre_dose)],
        "sync": ({"state": sync.state, "backlog_events": sync.backlog_events} if sync is not None
                 else {"state": "disabled", "backlog_events": 0}),
        "storage_error": snap.storage_error,
    }


def substance(state: dict[str, Any]) -> tuple:
    """What makes a state worth sending at once: alarms (raised, acknowledged, escalated, cleared), the call,
    the phase, device health, the session (opened, paused, closed), a storage failure, a schedule item
    coming due, turning overdue or answered, and a wait on the nurse starting, changing its words or ending — not
    ages, timers or the live values, which the heartbeat carries."""
    session = state["session"]
    call = state["call"]
    return (state["phase"],
            tuple((a["alarm_id"], a["priority"], a["acknowledged_by"], a["escalated"]) for a in state["alarms"]),
            (call["called_at"], call["presses"]) if call else None,
            tuple(sorted(state["devices"].items())),
            (session["session_id"], session["paused"], session["patient"]) if session else None,
            state["storage_error"],
            tuple((d["key"], d["state"]) for d in state["due"]),
            tuple((w["key"], w["state"], w["text"]) for w in state["waiting"]))


def initials(reference: str) -> str | None:
    """'Jane Doe' → 'J.D.', 'doe, jane' → 'D.J.', 'J.D.' → 'J.D.'; at most three letters; digits and
    punctuation are skipped, so an MRN such as '000123' gives None (nothing to show)."""
    words = re.findall(r"[^\W\d_]+", reference)
    return "".join(f"{w[0].upper()}." for w in words[:3]) or None


def patient_shown(reference: str, show_patient: str) -> str | None:
    if show_patient == "reference":
        return reference
    if show_patient == "initials":
        return initials(reference)
    return None


def _session(snap: RoomSnapshot, show_patient: str) -> dict[str, Any] | None:
    s = snap.session
    if s is None or not s.is_open:
        return None
    plan = s.plan
    return {"session_id": s.session_id, "patient": patient_shown(s.patient_ref, show_patient),
            "course_no": s.course_no, "elapsed_s": round(snap.infusion_elapsed_s, 1),
            "planned_s": s.planned_infusion_s,
            "remaining_s": None if snap.infusion_remaining_s is None else round(snap.infusion_remaining_s, 1),
            "dose_mg": plan.get("total_dose_mg"),  # the rate the pump runs at now (titration changes it)
            "rate_mg_per_h": plan.get("rate_mg_per_h") if s.rate_mg_per_h is None else s.rate_mg_per_h,
            "paused": snap.phase == "paused", "protocol": _protocol(s)}


def _protocol(s: Session) -> dict[str, Any] | None:
    """The session's protocol as session.opened logged it; its short title is what the station's tile shows."""
    if s.protocol is None:
        return None
    title = s.protocol_title or s.protocol  # a session logged before titles were: its id
    return {"id": s.protocol, "title": title, "version": s.protocol_version, "short_title": short_title(title)}


def _vitals(snap: RoomSnapshot) -> dict[str, Any]:
    latest: dict[str, Reading] = snap.vitals
    out: dict[str, Any] = {}
    hr_tile = snap.tiles.get("hr")
    hr = ((latest.get("pulse_rate"), latest.get("heart_rate")) if hr_tile is not None and hr_tile.label == "PR"
          else (latest.get("heart_rate"), latest.get("pulse_rate")))
    for key, reading in (("hr", hr[0] or hr[1]), ("spo2", latest.get("spo2")),
                         ("resp", latest.get("respiratory_rate") or latest.get("etco2"))):
        if reading is not None:
            out[key] = _numeric(reading, snap.now)
    sys_, dia, mean = (latest.get(k) for k in ("nibp_systolic", "nibp_diastolic", "nibp_mean"))
    if sys_ is not None and dia is not None:
        out["nibp"] = {"systolic": _value(sys_.value), "diastolic": _value(dia.value),
                       "mean": _value(mean.value) if mean is not None else None, "unit": sys_.unit,
                       "age_s": _age(sys_, snap.now)}
    return out


def _numeric(reading: Reading, now: datetime) -> dict[str, Any]:
    return {"kind": reading.kind, "value": _value(reading.value), "unit": reading.unit,
            "age_s": _age(reading, now), "flags": sorted(reading.flags)}


def _value(value: float | None) -> float | int | None:
    """72.0 → 72, so the station shows what the room's tile shows."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _age(reading: Reading, now: datetime) -> float:
    return round(max(0.0, (now - reading.received_ts).total_seconds()), 1)


def _alarms(snap: RoomSnapshot) -> list[dict[str, Any]]:
    """Highest priority first, as the banner; a log that cannot be written first of all, as the banner."""
    out: list[dict[str, Any]] = []
    if snap.storage_error:
        out.append({"alarm_id": STORAGE_ALARM_ID, "condition": "storage.failing", "priority": "high",
                    "technical": True, "text": storage_alarm_text(snap.storage_error),
                    "raised_at": iso_utc(snap.now), "acknowledged_by": None, "escalated": False})
    for view in snap.alarm_views:
        a = view.alarm
        out.append({"alarm_id": a.alarm_id, "condition": a.condition, "priority": a.priority,
                    "technical": a.technical, "text": alarm_text(view), "raised_at": iso_utc(a.raised_at),
                    "acknowledged_by": a.acknowledged_by, "escalated": view.escalated})
    return out
