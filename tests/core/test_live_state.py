"""The room's live state for the clinic station (docs/STATION.md `state`), built from real snapshots of a room
stepped on a fake clock: every field, the patient as configured, no session, alarms worded as the banner."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from roomcontrol.domain.alarms import Alarm, AlarmView
from roomcontrol.domain.vitals import Health, HealthChange, Reading, UNITS
from roomcontrol.domain.wording import alarm_text, describe, storage_alarm_text, typeset
from roomcontrol.engine.live_state import initials, live_state, patient_shown, substance
from roomcontrol.sync.status import SyncStatus
from roomcontrol.ui.widgets.alarm_banner import row_text
from tests.core.helpers import NURSE, OPEN_ARGS, make_room, walk_to


def post(room, kind, value, flags=()):
    room.post_reading(Reading(kind, value, UNITS[kind], room.clock.now(), flags=frozenset(flags), source="test"))


def desaturate(room, value=85, seconds=17):
    for _ in range(seconds):
        post(room, "spo2", value)
        post(room, "heart_rate", 72)
        room.tick()
        room.clock.advance(1)


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    yield r
    r.close()


def test_no_session_gives_null_session_and_every_top_level_field(room):
    state = live_state(room.snapshot())
    assert list(state) == ["type", "v", "room_id", "room_name", "sent_at", "phase", "session", "vitals", "alarms",
                           "call", "devices", "due", "waiting", "sync", "storage_error"]
    assert state["type"] == "state" and state["v"] == 1
    assert (state["room_id"], state["room_name"], state["phase"]) == ("room-1", "Room 1", "idle")
    assert state["session"] is None and state["call"] is None and state["alarms"] == []
    assert state["vitals"] == {} and state["due"] == [] and state["storage_error"] is None
    assert state["sync"] == {"state": "disabled", "backlog_events": 0}
    assert state["sent_at"].endswith("Z")
    json.dumps(state)  # one JSON text frame


def test_session_timer_dose_rate_and_pause(room):
    walk_to(room, "infusing")
    room.clock.advance(600)
    state = live_state(room.snapshot(), show_patient="reference")
    s = state["session"]
    plan = room.state.open_session.plan
    assert state["phase"] == "infusing"
    assert s["session_id"] == room.state.open_session.session_id and s["course_no"] == 1
    assert s["patient"] == OPEN_ARGS["patient_ref"]
    assert (s["elapsed_s"], s["planned_s"], s["remaining_s"]) == (600.0, 2400.0, 1800.0)
    assert (s["dose_mg"], s["rate_mg_per_h"]) == (plan["total_dose_mg"], plan["rate_mg_per_h"]) == (40.0, 60.0)
    assert s["paused"] is False
    room.command("pause_infusion", NURSE, reason="bathroom")
    assert live_state(room.snapshot())["session"]["paused"] is True


def test_a_closed_session_is_no_session(room):
    walk_to(room, "discharged")
    state = live_state(room.snapshot())
    assert state["phase"] == "discharged" and state["session"] is None


@pytest.mark.parametrize("ref, shown", [("Jane Doe", "J.D."), ("doe, jane", "D.J."), ("J.D.", "J.D."),
                                         ("PT-7", "P."), ("000123", None), ("ana maria de souza", "A.M.D."),
                                         ("Émile Zola", "É.Z.")])
def test_initials_from_the_patient_reference(ref, shown):
    assert initials(ref) == shown


def test_show_patient_initials_reference_or_none():
    assert patient_shown("Jane Doe", "initials") == "J.D."
    assert patient_shown("Jane Doe", "reference") == "Jane Doe"
    assert patient_shown("Jane Doe", "none") is None


def test_initials_are_the_default_and_none_hides_the_patient(room):
    room.command("open_session", NURSE, **{**OPEN_ARGS, "patient_ref": "Jane Doe"})
    assert live_state(room.snapshot())["session"]["patient"] == "J.D."
    assert live_state(room.snapshot(), show_patient="none")["session"]["patient"] is None


def test_vitals_by_tile_with_age_unit_and_flags(room):
    walk_to(room, "infusing")
    post(room, "heart_rate", 72.0)
    post(room, "spo2", 97, flags={"low_perfusion"})
    for kind, value in (("nibp_systolic", 128), ("nibp_diastolic", 82), ("nibp_mean", 97)):
        post(room, kind, value)
    room.clock.advance(2.5)
    v = live_state(room.snapshot())["vitals"]
    assert v["hr"] == {"kind": "heart_rate", "value": 72, "unit": "/min", "age_s": 2.5, "flags": []}
    assert isinstance(v["hr"]["value"], int)
    assert v["spo2"]["value"] == 97 and v["spo2"]["flags"] == ["low_perfusion"] and v["spo2"]["unit"] == "%"
    assert v["nibp"] == {"systolic": 128, "diastolic": 82, "mean": 97, "unit": "mmHg", "age_s": 2.5}
    assert "resp" not in v  # a kind with no reading is absent


def test_pulse_rate_stands_in_when_the_tile_shows_pr_and_resp_when_sent(room):
    walk_to(room, "infusing")
    post(room, "pulse_rate", 64)
    post(room, "respiratory_rate", 14)
    post(room, "nibp_systolic", 120)  # no diastolic yet: no NIBP
    v = live_state(room.snapshot())["vitals"]
    assert v["hr"]["kind"] == "pulse_rate" and v["hr"]["value"] == 64
    assert v["resp"]["kind"] == "respiratory_rate" and "nibp" not in v


def test_alarms_highest_first_with_the_banners_words(room):
    walk_to(room, "infusing")
    room.post_health(HealthChange("lighting", Health.LOST, room.clock.now()))
    desaturate(room)
    snap = room.snapshot()
    alarms = live_state(snap)["alarms"]
    assert [a["condition"] for a in alarms][0] == "spo2.low"
    spo2 = alarms[0]
    view = snap.alarm_views[0]
    assert spo2["text"] == alarm_text(view) == "SpO₂ low  85%   ·   limits ≥ 90"
    assert row_text(view).startswith(spo2["text"])  # the banner's row says the same, then its extras
    assert spo2 == {"alarm_id": view.alarm.alarm_id, "condition": "spo2.low", "priority": "high",
                    "technical": False, "text": spo2["text"], "raised_at": spo2["raised_at"],
                    "acknowledged_by": None, "escalated": False}
    room.command("acknowledge_alarm", NURSE, alarm_id=spo2["alarm_id"])
    assert live_state(room.snapshot())["alarms"][0]["acknowledged_by"] == NURSE


def test_call_devices_sync_and_storage_error(room):
    room.command("call_nurse", "patient")
    room.clock.advance(12)
    room.post_health(HealthChange("vitals", Health.OK, room.clock.now()))
    snap = room.snapshot()
    sync = SyncStatus("offline", backlog_events=132)
    state = live_state(snap, sync=sync, sent_at=datetime(2026, 11, 27, 14, 2, 7, 120000, tzinfo=UTC))
    assert state["call"] == {"called_at": state["call"]["called_at"], "waiting_s": 12.0, "presses": 1}
    assert state["devices"]["vitals"] == "ok"
    assert state["sync"] == {"state": "offline", "backlog_events": 132}
    assert state["sent_at"] == "2026-11-27T14:02:07.120Z"
    room.storage_error = "disk full"
    failing = live_state(room.snapshot())
    assert failing["storage_error"] == "disk full"
    assert failing["alarms"][0]["text"] == storage_alarm_text("disk full") == "Storage failing — disk full"
    assert failing["alarms"][0]["priority"] == "high" and failing["alarms"][0]["technical"] is True


def test_substance_ignores_ages_and_values_but_not_alarms_calls_phase_devices(room):
    walk_to(room, "infusing")
    post(room, "spo2", 97)
    first = live_state(room.snapshot())
    room.clock.advance(1)
    post(room, "spo2", 96)
    assert substance(live_state(room.snapshot())) == substance(first)  # only values and ages moved
    room.command("call_nurse", "patient")
    called = live_state(room.snapshot())
    assert substance(called) != substance(first)
    room.post_health(HealthChange("diffuser", Health.LOST, room.clock.now()))
    assert substance(live_state(room.snapshot())) != substance(called)


def test_the_domain_alarm_words():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    lost = Alarm("a1", "vitals.lost", "medium", now)
    assert alarm_text(AlarmView(lost)) == "Monitor connection lost"
    gone = Alarm("a2", "heart_rate.high", "high", now, 130, latching=True, condition_gone=True)
    assert alarm_text(AlarmView(gone, None, 45, 120)) == "Heart rate high  --/min   ·   limits 45–120   ·   condition over"
    assert typeset("SpO2 low") == "SpO₂ low"


def test_an_act_from_the_station_is_worded_so_everywhere_and_via_is_no_detail():
    from roomcontrol.domain.events import Event
    now = datetime(2026, 1, 1, tzinfo=UTC)
    other = Event(1, "e1", "room-1", None, now, "some.kind", "ann", {"x": 1, "via": "station"})
    assert describe(other) == "some.kind: x 1 — from the station"
    own = Event(2, "e2", "room-1", None, now, "alarm.acknowledged", "ann", {"condition": "spo2.low"})
    assert describe(own) == "Alarm acknowledged: SpO2 low"
