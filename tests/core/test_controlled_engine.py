"""The controlled-substance record on a real engine with its staff table: the draw under the protocol's drug, the
waste signed with both PINs at the time (same person, wrong PIN, disabled account, lock-out, no later co-signature),
the given dose taken from the session's fold, and discharge held until the drug is reconciled."""

from __future__ import annotations

import time

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.domain import kinds as K
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.room import Room
from roomcontrol.engine.staff import StaffGate
from roomcontrol.store.staff import StaffStore
from tests.core.helpers import PADSS_10, confirm_checks, make_room, walk_to

ADA, BO, CY = ("rn.ada", "2468"), ("rn.bo", "1357"), ("rn.cy", "8642")
DRAW = dict(mg_per_ml=10, ml=5, lot="KT2291A", expiry="2030-06")


@pytest.fixture
def room(tmp_path):
    for (who, pin), name in zip((ADA, BO, CY), ("Ada Lee", "Bo Chen", "Cy Park")):
        add_staff(tmp_path, who, name, "nurse", pin)
    r = make_room(tmp_path)
    StaffGate(r)
    record = ControlledRecord(r)
    r.command("unlock", ADA[0], staff_id=ADA[0], pin=ADA[1])
    r.controlled = record  # the test's handle on the screen's path
    yield r
    r.close()


def _waste(room: Room, ml=1.0, pin=ADA[1], witness=BO[0], witness_pin=BO[1], **more):
    return room.command("record_waste", ADA[0], ml=ml, pin=pin, witness=witness, witness_pin=witness_pin, **more)


def _cs(room: Room) -> list:
    return [e for e in room.log.events() if e.kind.startswith("cs.")]


def test_draw_waste_and_discharge_with_the_given_dose_from_the_fold(room):
    walk_to(room, "pre_infusion")
    with pytest.raises(Refused, match="midazolam is not this session's drug: its protocol gives ketamine"):
        room.command("record_draw", ADA[0], **DRAW, drug="midazolam")
    with pytest.raises(Refused, match="expired on 2020-01-31"):
        room.command("record_draw", ADA[0], **{**DRAW, "expiry": "2020-01"})
    drawn = room.command("record_draw", ADA[0], **DRAW)[0]
    assert (drawn.kind, drawn.actor, drawn.payload["mg"], drawn.payload["expiry"]) == (K.CS_DRAWN, ADA[0], 50.0,
                                                                                      "2030-06-30")
    with pytest.raises(Refused, match="needs it recovery"):
        _waste(room)
    walk_to_recovery(room)
    s = room.state.open_session
    assert s is not None and s.given_mg(room.clock.now()) == 40.0  # 0.5 mg/kg × 80 kg over the segments
    with pytest.raises(Refused, match="cannot discharge: the ketamine drawn \\(50 mg, lot KT2291A\\) is not "
                                      "reconciled: record the waste with a witness before discharge"):
        room.command("discharge", ADA[0], escort_confirmed=True)
    with pytest.raises(Refused, match="the infusion|needs it pre-infusion or infusing or paused"):
        room.command("record_draw", ADA[0], **DRAW)
    wasted = _waste(room)[0]
    assert wasted.kind == K.CS_WASTED and wasted.actor == ADA[0]
    assert wasted.payload == {"mg": 10.0, "ml": 1.0, "witness": BO[0], "given_mg": 40.0, "drawn_mg": 50.0,
                              "discrepancy_mg": 0.0, "tolerance_mg": 0.5, "explanation": None}
    assert "1357" not in str(room.log.events()) and "2468" not in str(room.log.events())  # no PIN is logged
    room.command("discharge", ADA[0], escort_confirmed=True)


def walk_to_recovery(room: Room) -> None:
    from tests.core.helpers import BASELINE, CHECKLIST
    confirm_checks(room, ADA[0])
    room.command("start_infusion", ADA[0])
    room.clock.advance(40 * 60)
    room.command("complete_infusion", ADA[0])
    room.clock.advance(30 * 60)
    room.command("record_assessment", ADA[0], scale="PADSS", items=PADSS_10)


@pytest.fixture
def recovery(room):
    walk_to(room, "pre_infusion")
    room.command("record_draw", ADA[0], **DRAW)
    walk_to_recovery(room)
    return room


def test_the_witness_must_be_someone_else(recovery):
    with pytest.raises(Refused, match="the witness must be a second person"):
        _waste(recovery, witness=ADA[0], witness_pin=ADA[1])
    assert _cs(recovery)[-1].kind == K.CS_DRAWN


def test_a_wrong_witness_pin_counts_as_the_lock_screens_and_locks_out(recovery):
    store = StaffStore(recovery.db)
    for n in range(1, D.MAX_FAILURES):
        with pytest.raises(Refused, match=f"witness: wrong PIN; {D.MAX_FAILURES - n} tr"):
            _waste(recovery, witness_pin="9999")
        assert store.get(BO[0]).failures == n
    with pytest.raises(Refused, match="witness: too many wrong PINs: this account is locked for 5 more min"):
        _waste(recovery, witness_pin="9999")
    with pytest.raises(Refused, match="witness: too many wrong PINs"):  # even with the right PIN, for now
        _waste(recovery)
    rejected = [e for e in recovery.log.events() if e.kind == K.STAFF_PIN_REJECTED]
    assert [e.payload["staff_id"] for e in rejected] == [BO[0]] * D.MAX_FAILURES
    assert [e.kind for e in recovery.log.events()][-1] == K.STAFF_LOCKED_OUT
    _waste(recovery, witness=CY[0], witness_pin=CY[1])  # another witness signs
    assert _cs(recovery)[-1].payload["witness"] == CY[0]


def test_the_nurses_own_pin_is_checked_too_and_a_right_one_resets_the_count(recovery):
    store = StaffStore(recovery.db)
    with pytest.raises(Refused, match="^wrong PIN; 4 tries left"):
        _waste(recovery, pin="1111")
    with pytest.raises(Refused, match="both PINs are wrong: wrong PIN; 3 tries left.*; witness: wrong PIN; 4 tries"):
        _waste(recovery, pin="1111", witness_pin="0000")
    assert store.get(ADA[0]).failures == 2 and store.get(BO[0]).failures == 1
    _waste(recovery)
    assert store.get(ADA[0]).failures == 0 and store.get(BO[0]).failures == 0


def test_a_disabled_or_unknown_witness_is_refused(recovery):
    assert StaffStore(recovery.db).disable(CY[0])
    with pytest.raises(Refused, match="witness: unknown or disabled staff account"):
        _waste(recovery, witness=CY[0], witness_pin=CY[1])
    with pytest.raises(Refused, match="witness: unknown or disabled staff account"):
        _waste(recovery, witness="rn.nobody", witness_pin="1357")
    assert _cs(recovery)[-1].kind == K.CS_DRAWN


def test_no_later_co_signature_and_a_discrepancy_needs_words(recovery):
    with pytest.raises(Refused, match="3 mg unaccounted for .*explain the discrepancy in words"):
        _waste(recovery, ml=0.7)
    _waste(recovery, ml=0.7, explanation="0.3 mL left in the line")
    with pytest.raises(Refused, match="already recorded by rn.ada, witnessed by rn.bo; a witness cannot be added"):
        _waste(recovery, witness=CY[0], witness_pin=CY[1])
    assert [e.kind for e in _cs(recovery)] == [K.CS_DRAWN, K.CS_WASTED]
    assert _cs(recovery)[-1].payload["explanation"] == "0.3 mL left in the line"


def _stepped(room: Room, future):
    """The engine of these tests is stepped by hand: pump its inbox while the pin-check worker hashes."""
    deadline = time.monotonic() + 10
    while not future.done() and time.monotonic() < deadline:
        room.pump()
        time.sleep(0.005)
    return future.result(0)


def test_the_screens_path_checks_both_pins_on_the_worker_and_replays(recovery, tmp_path):
    from roomcontrol.domain import catalogue as C
    record: ControlledRecord = recovery.controlled
    bad = C.RecordWaste(ml=1.0, pin=ADA[1], witness=BO[0], witness_pin="0000")
    with pytest.raises(Refused, match="witness: wrong PIN"):
        _stepped(recovery, record.record_waste(bad, ADA[0]))
    result = _stepped(recovery, record.record_waste(C.RecordWaste(ml=1.0, pin=ADA[1], witness=BO[0],
                                                                  witness_pin=BO[1]), ADA[0]))
    assert [e.kind for e in result.events] == [K.CS_WASTED]
    assert result.snapshot.session.controlled.reconciled
    recovery.close()
    again = Room(recovery.config, tmp_path, recovery.clock)  # a restart folds the same record from the log
    assert again.state.open_session.controlled.waste.witness == BO[0]
    again.close()
