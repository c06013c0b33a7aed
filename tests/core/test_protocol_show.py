"""Issue 15, Show, in the room: the session's protocol in the live state for the station (docs/STATION.md) with
the short title its tile shows; the title logged with session.opened survives a correction of the plan; a log
from before titles were logged still names its protocol (by id); a nasal dose completes only when its last device
is due (the protocol's interval is a hard rule, found by tests/core/test_protocol_property.py)."""

from __future__ import annotations

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.protocol import SHORT_TITLE_MAX, short_title
from roomcontrol.engine.live_state import live_state
from roomcontrol.engine.room import Room
from roomcontrol.records.loader import load_record
from tests.core.discharge_help import ESCORT, meet_rules, rems_form
from tests.core.helpers import NURSE, OPEN_ARGS, PADSS_10, make_room, open_esketamine, reconcile
from tests.core.protocol_crash_child import SHIPPED, protocols_config


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path, protocols_config())
    yield r
    r.close()


@pytest.mark.parametrize("title, short", [
    ("IV ketamine, depression (0.5 mg/kg over 40 min)", "IV ketamine, depression"),
    ("IV ketamine, chronic pain (1.0 mg/kg over 4 h)", "IV ketamine, chronic pain"),
    ("Esketamine nasal spray (Spravato) 56/84 mg", "Esketamine nasal spray"),
    ("Ketamine", "Ketamine"),
    ("(Spravato) 56 mg", "(Spravato) 56 mg"),   # nothing before the parenthesis: the whole title
    ("IV ketamine for treatment-resistant depression, weekly", "IV ketamine for treatment-resis…"),
])
def test_short_title(title, short):
    assert short_title(title) == short and len(short) <= SHORT_TITLE_MAX


@pytest.mark.parametrize("pid", SHIPPED)
def test_the_live_state_carries_the_sessions_protocol(room, pid):
    protocol = next(p for p in room.config.session.protocols if p.id == pid)
    args = {"dose_mg": 56} if protocol.fixed_dose else {"dose_mg_per_kg": 0.5}
    room.command("open_session", NURSE, protocol=pid, patient_ref="Jane Doe", weight_kg=70, **args)
    session = live_state(room.snapshot())["session"]
    assert session["protocol"] == {"id": pid, "title": protocol.title, "version": protocol.version,
                                   "short_title": short_title(protocol.title)}


def test_a_session_without_a_protocol_says_null(tmp_path):
    r = make_room(tmp_path)  # RoomConfig(): no protocols, the room's own [session] values
    r.command("open_session", NURSE, **OPEN_ARGS)
    assert live_state(r.snapshot())["session"]["protocol"] is None
    r.close()


def test_a_corrected_plan_keeps_the_protocol_and_its_title(room):
    room.command("open_session", NURSE, protocol="ketamine-pain", patient_ref="PT-1", weight_kg=80)
    opened = next(e for e in room.log.events() if e.kind == K.SESSION_OPENED)
    assert opened.payload["protocol_title"] == "IV ketamine, chronic pain (1.0 mg/kg over 4 h)"
    room.command("correct_event", NURSE, seq=opened.seq, reason="weighed again", changes={"weight_kg": 82})
    fixed = next(e for e in room.log.events() if e.kind == K.EVENT_CORRECTED)
    assert fixed.payload["changes"] == {"weight_kg": 82, "total_dose_mg": 82.0, "rate_mg_per_h": 20.5}
    assert fixed.payload["corrected"]["protocol_title"] == opened.payload["protocol_title"]
    assert room.state.session.protocol_title == opened.payload["protocol_title"]
    with pytest.raises(Refused, match="the protocol of a session cannot be corrected"):
        room.command("correct_event", NURSE, seq=opened.seq, reason="x", changes={"protocol_title": "Other"})


def test_a_log_from_before_titles_names_the_protocol_by_its_id(tmp_path):
    room = make_room(tmp_path, protocols_config())
    plan = {"weight_kg": 80.0, "dose_mg_per_kg": 0.5, "total_dose_mg": 40.0, "planned_infusion_min": 40.0,
            "rate_mg_per_h": 60.0, "concentration_mg_per_ml": None, "rate_ml_per_h": None}
    room.log.append_many([NewEvent(K.SESSION_OPENED, {"patient_ref": "PT-OLD", "course_no": 1,
                                                      "protocol": "ketamine-depression", "protocol_version": 1,
                                                      **plan}, NURSE, "old-session")], room.clock.now())
    room.close()
    room = Room(protocols_config(), tmp_path, room.clock)
    assert live_state(room.snapshot())["session"]["protocol"] == {
        "id": "ketamine-depression", "title": "ketamine-depression", "version": 1,
        "short_title": "ketamine-depression"}
    room.command("abort_session", NURSE, reason="test")
    room.close()
    record = load_record(tmp_path, "old-session")
    assert record.protocol.title == "ketamine-depression" and record.protocol.cited == "ketamine-depression v1"


def test_a_nasal_dose_completes_only_when_its_last_device_is_due(room):
    open_esketamine(room, patient_ref="PT-2", weight_kg=70, dose_mg=84)
    room.command("start_infusion", NURSE)
    room.clock.advance(9 * 60 + 30)  # within complete_infusion's usual minute, but before the third device
    with pytest.raises(Refused, match=r"the last nasal device is due 10 min after the first \(5 min between "
                                      r"devices\); only 9:30 so far: to end now, stop with a reason"):
        room.command("complete_infusion", NURSE)
    room.clock.advance(30)
    room.command("complete_infusion", NURSE)
    assert room.state.session.given_mg(room.clock.now()) == 84.0
    reconcile(room)
    room.clock.advance(120 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    meet_rules(room)
    room.command("discharge", NURSE, **ESCORT, rems=rems_form(room))
