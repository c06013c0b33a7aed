"""draw_before_dose (issue #15 item 6: the vial or syringe drawn "at check-in or start"): under a protocol with the
key on, start_infusion (and the first nasal device) is refused until a draw of the protocol's own drug is in the
session's log; the rule is domain/draw_first.py's, read by the engine and the session card alike. A draw of another
drug does not count, a restart keeps the draw (it is cs.drawn in the log), and a protocol file with a value other
than true or false is refused naming the key."""

from __future__ import annotations

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.domain.controlled import Draw, Ledger
from roomcontrol.domain.draw_first import draw_missing
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import ProtocolError, parse_protocol
from roomcontrol.engine.room import Room
from tests.core.helpers import (NURSE, OPEN_ARGS, confirm_checks, controlled_record, draw_devices, draw_first_config,
                                make_room, open_esketamine, protocols_config)

VIAL = dict(mg_per_ml=50, ml=1, lot="KT24118", expiry="2030-09")
KETAMINE_FIRST = r"Record the ketamine drawn \(lot, expiry\) before the first dose: this protocol requires it"


def shipped(pid: str):
    return next(p for p in protocols_config().session.protocols if p.id == pid)


def _draw(drug: str) -> Draw:
    return Draw(drug, 140.0, 0.4, 56.0, "EK2291", "2030-06-30", NURSE)


def test_the_rule_reads_the_protocol_and_the_draws_of_its_drug():
    esketamine, ketamine = shipped("esketamine-nasal"), shipped("ketamine-depression")
    assert esketamine.draw_before_dose and not ketamine.draw_before_dose  # as shipped
    assert draw_missing(None, Ledger()) is None                           # a room without protocols
    assert draw_missing(ketamine, Ledger()) is None                       # the key off: the book is kept elsewhere
    assert draw_missing(esketamine, Ledger()) == ("Record the esketamine drawn (lot, expiry) before the first "
                                                  "dose: this protocol requires it")
    other = Ledger(draws=(_draw("ketamine"),))  # another drug's draw (a protocol whose drug changed since)
    assert draw_missing(esketamine, other) == draw_missing(esketamine, Ledger())
    assert draw_missing(esketamine, Ledger(draws=(_draw("ketamine"), _draw("esketamine")))) is None


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_a_protocol_file_with_another_value_is_refused_naming_the_key(value):
    raw = {"id": "x", "version": 1, "title": "X", "session_type": "iv_infusion", "draw_before_dose": value,
           "phases": {"infusion_min": 40, "min_recovery_min": 30},
           "dose": {"mg_per_kg": 0.5, "soft_max_mg_per_kg": 0.75, "bounds_mg_per_kg": [0.1, 1.0]}}
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(raw, "clinic/x.toml")
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    assert caught.value.problems == [f"draw_before_dose = {shown}: must be true or false"]
    assert "clinic/x.toml has 1 problem:" in str(caught.value)
    assert parse_protocol({**raw, "draw_before_dose": True}, "x.toml").draw_before_dose is True
    assert parse_protocol({k: v for k, v in raw.items() if k != "draw_before_dose"}, "x.toml").draw_before_dose \
        is False


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path, draw_first_config())
    controlled_record(r)
    yield r
    r.close()


def test_start_is_refused_before_the_draw_and_allowed_after(room):
    room.command("open_session", NURSE, **OPEN_ARGS)
    with pytest.raises(Refused, match="cannot start the infusion: not yet confirmed"):
        room.command("start_infusion", NURSE)  # the checks are said first, as before
    confirm_checks(room)
    with pytest.raises(Refused, match=KETAMINE_FIRST):
        room.command("start_infusion", NURSE)
    with pytest.raises(Refused, match="midazolam is not this session's drug"):
        room.command("record_draw", NURSE, **VIAL, drug="midazolam")
    with pytest.raises(Refused, match=KETAMINE_FIRST):  # the wrong drug's draw was refused: it counts for nothing
        room.command("start_infusion", NURSE)
    assert room.state.phase == "pre_infusion" and not room.state.session.controlled.draws
    room.command("record_draw", NURSE, **VIAL)
    assert [e.kind for e in room.command("start_infusion", NURSE)] == ["infusion.started"]


def test_a_restart_keeps_the_draw_and_the_rule(tmp_path):
    clock, config = FakeClock(), draw_first_config()
    first = make_room(tmp_path, config, clock)
    controlled_record(first)
    first.command("open_session", NURSE, **OPEN_ARGS)
    confirm_checks(first)
    first.close()
    again = Room(config, tmp_path, clock)  # a restart before the draw: still held
    controlled_record(again)
    with pytest.raises(Refused, match=KETAMINE_FIRST):
        again.command("start_infusion", NURSE)
    again.command("record_draw", NURSE, **VIAL)
    again.close()
    third = Room(config, tmp_path, clock)  # and after it: the draw is in the log, the start goes
    assert third.state.session.controlled.drawn_mg == 50.0
    third.command("start_infusion", NURSE)
    assert third.state.phase == "infusing"
    third.close()


def test_the_esketamine_protocol_holds_start_as_it_holds_the_first_device(tmp_path):
    room = make_room(tmp_path, protocols_config(["esketamine-nasal"]))
    open_esketamine(room, draw=False, patient_ref="PT-8", weight_kg=70, dose_mg=84)
    for name in ("start_infusion", "give_device"):
        with pytest.raises(Refused, match=r"Record the esketamine drawn \(lot, expiry\) before the first dose"):
            room.command(name, NURSE)
    draw_devices(room)  # 84 mg: three devices, 0.6 mL at 140 mg/mL
    assert room.state.session.controlled.drawn_mg == 84.0
    room.command("give_device", NURSE)
    assert room.state.phase == "infusing"
    room.close()


def test_the_key_off_keeps_the_draw_optional(tmp_path):
    config = protocols_config(["ketamine-depression"])
    assert config.session.protocols[0].draw_before_dose is False
    room = make_room(tmp_path, config)
    room.command("open_session", NURSE, **OPEN_ARGS)
    confirm_checks(room)
    room.command("start_infusion", NURSE)  # no draw recorded: the clinic keeps its book elsewhere
    assert room.state.phase == "infusing"
    room.close()
