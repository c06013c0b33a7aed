"""Issue 15 item 7 in the room: an esketamine discharge held by an unmet rule; a nurse cannot override it; an
administrator signs each override with their own PIN at the same screen (a second PIN, checked off the engine
thread), logged as discharge.rule_overridden under the administrator, with the REMS form under the nurse."""

from __future__ import annotations

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.countersign import SIGNATURE_S
from roomcontrol.engine.staff import StaffGate
from tests.core.discharge_help import CADSS_0, ESCORT, rems_form, vitals
from tests.core.helpers import BASELINE, PADSS_10, make_room
from tests.core.protocol_crash_child import protocols_config

NURSE, ADMIN = "rn.ada", "adm.kim"


@pytest.fixture
def held(tmp_path):
    """An esketamine session 2 h after its last device, every rule met but MOAA/S (not scored)."""
    add_staff(tmp_path, NURSE, "Ada Lee", "nurse", "2468")
    add_staff(tmp_path, ADMIN, "Kim Park", "admin", "3579")
    room = make_room(tmp_path, protocols_config()).start(partial=True)
    gate = StaffGate(room)
    gate.unlock(NURSE, "2468").result(10)
    room.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal", dose_mg=56)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        room.command("confirm_checklist", NURSE, item=item)
    room.command("record_baseline", NURSE, **BASELINE)
    room.command("start_infusion", NURSE)
    room.clock.advance(5 * 60)
    room.command("complete_infusion", NURSE)
    room.clock.advance(120 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    room.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    vitals(room)
    yield room, gate
    room.close()


def discharge(room, **args):
    return room.send(C.Discharge(**ESCORT, rems=rems_form(room), **args), NURSE).result(10).events


def test_an_unmet_rule_holds_discharge_in_plain_words(held):
    room, _ = held
    with pytest.raises(Refused, match="cannot discharge yet: No MOAA/S scored since the last dose; 5 is required. "
                                      "An administrator may override each with a reason"):
        discharge(room)
    assert room.state.phase == "recovery"


def test_a_nurse_cannot_override(held):
    room, gate = held
    with pytest.raises(Refused, match="Ada Lee is not an administrator: only an administrator may override"):
        gate.countersign.sign(NURSE, "2468").result(10)
    with pytest.raises(Refused, match="the administrator's signature is missing or too old"):
        discharge(room, overrides={"moaas": "I say so"}, signed_by=NURSE)
    with pytest.raises(Refused, match="the administrator's signature is missing"):
        discharge(room, overrides={"moaas": "not signed"}, signed_by=ADMIN)
    assert room.state.phase == "recovery"


def test_an_administrator_overrides_with_their_pin_and_a_reason(held):
    room, gate = held
    with pytest.raises(Refused, match="Kim Park: wrong PIN"):
        gate.countersign.sign(ADMIN, "1111").result(10)
    rejected = [e for e in room.log.events() if e.kind == "staff.pin_rejected"][-1]
    assert rejected.payload == {"staff_id": ADMIN, "failures": 1, "countersign": True}
    assert gate.countersign.sign(ADMIN, "3579").result(10) == {"staff_id": ADMIN, "name": "Kim Park",
                                                                 "role": "admin"}
    assert gate.signed_in["staff_id"] == NURSE  # the nurse stays signed in: the admin only signed
    with pytest.raises(Refused, match="an administrator signs the override with their PIN"):
        discharge(room, overrides={"moaas": "x"})
    events = discharge(room, overrides={"moaas": "her baseline MOAA/S is 4 (hearing loss)"}, signed_by=ADMIN)
    assert [(e.kind, e.actor) for e in events] == [(K.DISCHARGE_RULE_OVERRIDDEN, ADMIN),
                                                   (K.REMS_FORM_COMPLETED, NURSE), (K.SESSION_DISCHARGED, NURSE)]
    assert events[0].payload == {"rule": "moaas", "says": "No MOAA/S scored since the last dose; 5 is required",
                                 "reason": "her baseline MOAA/S is 4 (hearing loss)"}
    assert events[1].payload["total_monitoring_min"] == 125 and events[1].payload["lot"] == "EK2291"
    assert events[2].payload["escort"] == {"name": "Grace Hopper", "phone": "+1 555 010 2030"}


def test_the_signature_is_for_now_only(held):
    room, gate = held
    gate.countersign.sign(ADMIN, "3579").result(10)
    room.clock.advance(SIGNATURE_S + 1)
    with pytest.raises(Refused, match="too old: sign with the PIN again"):
        discharge(room, overrides={"moaas": "x"}, signed_by=ADMIN)


def test_after_a_restart_the_scores_still_count_and_the_vitals_wait_for_a_new_reading(tmp_path):
    """The scores and their times are folded from the log; the last vitals are live readings, not logged events,
    so a restarted room asks for a new blood pressure rather than trusting one it no longer holds."""
    from roomcontrol.clock import FakeClock
    from roomcontrol.engine.room import Room
    from tests.core.discharge_help import moaas
    config, clock = protocols_config(), FakeClock()
    r = make_room(tmp_path, config, clock)
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal")
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        r.command("confirm_checklist", NURSE, item=item)
    r.command("record_baseline", NURSE, **BASELINE)
    r.command("start_infusion", NURSE)
    clock.advance(5 * 60)
    r.command("complete_infusion", NURSE)
    clock.advance(121 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    r.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    moaas(r, 5)
    vitals(r)
    r.close()
    again = Room(config, tmp_path, clock)
    assert again.state.session.score_at["MOAA/S"] == clock.now()
    with pytest.raises(Refused, match=r"cannot discharge yet: No blood pressure measured since the last dose\. "):
        again.command("discharge", NURSE, **ESCORT, rems=rems_form(again))
    vitals(again)
    again.command("discharge", NURSE, **ESCORT, rems=rems_form(again))
    assert again.state.phase == "discharged"
    again.close()
