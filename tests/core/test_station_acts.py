"""Acts from the clinic station, run by the room's engine (docs/STATION.md): a nurse the hub vouches for
acknowledges an alarm or answers a call while the room's screen is locked; every event the act logs says
"via": "station"; a disabled account, a command outside STATION_COMMANDS and a malformed act are refused."""

from __future__ import annotations

import pytest

from roomcontrol.cli.staff import add_staff, disable_staff
from roomcontrol.domain import catalogue as C
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.vitals import Reading, UNITS
from roomcontrol.domain.wording import describe
from roomcontrol.engine.live_link import station_act
from roomcontrol.engine.staff import StaffGate
from tests.core.helpers import make_room, walk_to

ANN, BO = "ann", "rn.bo"


@pytest.fixture
def gated(tmp_path):
    add_staff(tmp_path, ANN, "Ann Lee", "nurse", "2468")
    add_staff(tmp_path, BO, "Bo Chen", "nurse", "1357")
    room = make_room(tmp_path)
    walk_to(room, "infusing")  # no gate yet: the walk names its nurse as a scenario does
    gate = StaffGate(room)
    yield room, gate, tmp_path
    room.close()


def desaturate(room, seconds=17):
    for _ in range(seconds):
        room.post_reading(Reading("spo2", 85, UNITS["spo2"], room.clock.now(), source="test"))
        room.tick()
        room.clock.advance(1)
    return room.monitoring.board.by_priority()[0]


def act(room, command, staff_id=ANN, **args):
    return station_act(room, {"type": "act", "act_id": "x1", "command": command, "args": args,
                              "staff_id": staff_id, "staff_name": "Ann Lee"}).result(5)


def test_an_alarm_acknowledged_from_the_station_while_the_screen_is_locked(gated):
    room, gate, _ = gated
    alarm = desaturate(room)
    assert gate.signed_in is None
    with pytest.raises(Refused, match="locked"):  # at the room's screen nobody may
        room.command("acknowledge_alarm", ANN, alarm_id=alarm.alarm_id)
    detail, snapshot = act(room, "acknowledge_alarm", alarm_id=alarm.alarm_id)
    ack = [e for e in room.log.events() if e.kind == "alarm.acknowledged"]
    assert len(ack) == 1 and ack[0].actor == ANN
    assert ack[0].payload == {"alarm_id": alarm.alarm_id, "condition": "spo2.low", "by": ANN, "via": "station"}
    assert describe(ack[0]) == "Alarm acknowledged: SpO2 low — from the station" == detail
    assert snapshot.alarms[0].acknowledged_by == ANN  # the state that follows the act
    assert gate.signed_in is None  # the room's lock did not change
    with pytest.raises(Refused, match="locked"):
        room.command("add_note", ANN, text="still locked here")


def test_every_event_an_act_logs_carries_via_and_the_rooms_own_do_not(gated):
    room, _, _ = gated
    for value in (85, 120):  # NIBP alarms latch: the low reading raises it, the next ends its condition
        room.post_reading(Reading("nibp_systolic", value, UNITS["nibp_systolic"], room.clock.now(), source="test"))
        room.tick()
    alarm = room.monitoring.board.for_condition("nibp_systolic.low")
    assert alarm.condition_gone
    act(room, "acknowledge_alarm", alarm_id=alarm.alarm_id)  # acknowledging clears it too
    logged = [e for e in room.log.events() if e.payload.get("alarm_id") == alarm.alarm_id]
    assert [(e.kind, e.payload.get("via")) for e in logged] == [
        ("alarm.raised", None), ("alarm.condition_gone", None), ("alarm.acknowledged", "station"),
        ("alarm.cleared", "station")]
    assert room.via is None


def test_a_call_answered_from_the_station(gated):
    room, gate, _ = gated
    room.command("call_nurse", "patient")
    room.clock.advance(42)
    detail, _ = act(room, "answer_call", staff_id=BO)
    answered = [e for e in room.log.events() if e.kind == "nurse.call_answered"][0]
    assert answered.actor == BO and answered.payload["via"] == "station"
    assert detail == "Call answered after 42 s — from the station"
    assert room.state.call is None and gate.signed_in is None


def test_a_disabled_account_is_refused_and_an_unknown_one_is_the_hubs_word(gated):
    room, _, data_dir = gated
    alarm = desaturate(room)
    disable_staff(data_dir, BO)
    with pytest.raises(Refused, match="rn.bo's account is disabled in this room"):
        act(room, "acknowledge_alarm", staff_id=BO, alarm_id=alarm.alarm_id)
    assert not [e for e in room.log.events() if e.kind == "alarm.acknowledged"]
    act(room, "acknowledge_alarm", staff_id="rn.new", alarm_id=alarm.alarm_id)  # not pulled here yet
    assert [e.actor for e in room.log.events() if e.kind == "alarm.acknowledged"] == ["rn.new"]


@pytest.mark.parametrize("command, args", [("pause_alarm_audio", {}), ("add_note", {"text": "hi"}),
                                           ("stop_infusion", {"reason": "x"}), ("unlock", {})])
def test_commands_outside_the_station_list_are_refused(gated, command, args):
    room, _, _ = gated
    before = room.log.last_seq
    with pytest.raises(Refused, match="cannot be sent from the station"):
        act(room, command, **args)
    cls = C.CATALOGUE[command]
    if command != "unlock":  # the engine refuses them too, whoever asks it
        with pytest.raises(Refused, match="cannot be sent from the station"):
            room.send(cls(**args), ANN, via="station").result(5)
    assert room.log.last_seq == before


def test_malformed_acts_and_unknown_channels_are_refused(gated):
    room, _, _ = gated
    with pytest.raises(Refused, match="args must be an object"):
        station_act(room, {"command": "answer_call", "args": [], "staff_id": ANN})
    with pytest.raises(Refused, match="staff_id is missing"):
        station_act(room, {"command": "answer_call", "args": {}})
    with pytest.raises(Refused, match="not allowed"):
        station_act(room, {"command": "answer_call", "args": {}, "staff_id": "system"})
    with pytest.raises(Refused, match="unknown argument"):
        station_act(room, {"command": "acknowledge_alarm", "args": {"everything": True}, "staff_id": ANN})
    with pytest.raises(Refused, match="a nurse's: it needs her staff id"):
        room.send(C.AnswerCall(), "system", via="station").result(5)
    with pytest.raises(Refused, match="unknown channel"):
        room.send(C.AnswerCall(), ANN, via="pager").result(5)
    with pytest.raises(Refused, match="no call"):
        act(room, "answer_call")


def test_station_commands_are_declared_commands():
    assert C.STATION_COMMANDS == ("acknowledge_alarm", "answer_call")
    assert all(name in C.CATALOGUE for name in C.STATION_COMMANDS)


def test_a_room_without_sign_in_checks_station_acts_against_its_staff_table_too(tmp_path):
    """The headless runner has no staff gate; the runtime still guards acts from the station."""
    from tests.core.helpers import running_room
    add_staff(tmp_path, BO, "Bo Chen", "nurse", "1357")
    disable_staff(tmp_path, BO)
    with running_room(tmp_path, audio=False) as runtime:
        room = runtime.room
        room.command("call_nurse", "patient")
        with pytest.raises(Refused, match="disabled in this room"):
            act(room, "answer_call", staff_id=BO)
        act(room, "answer_call")
        assert [e.actor for e in room.log.events() if e.kind == "nurse.call_answered"] == [ANN]
