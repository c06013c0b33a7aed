"""Property (issue 15, Show): random command sequences against each shipped protocol never break its hard rules.

Whatever a nurse (or a script) sends, in any order and at any time, the room under a protocol never: plans a dose
outside the protocol's hard bounds (or off its fixed choices), plans or titrates above the soft maximum without a
logged confirmation, runs a rate above the hard maximum, starts dosing before the protocol's checks and a baseline,
gives a nasal device sooner than the protocol's interval (or more devices than the dose), starts dosing before the
draw a protocol with draw_before_dose requires, discharges before the protocol's minimum monitoring time
(or without the PADSS it needs), or counts more ketamine given than the plan and the titration allow. Afterwards
the log's chain verifies and replaying it gives the room it lived.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from roomcontrol.clock import FakeClock
from roomcontrol.config.room import parse_config
from roomcontrol.domain import kinds as K
from roomcontrol.domain import session as S
from roomcontrol.domain.commands import rules_for
from roomcontrol.domain.dose import rate_dose_per_kg
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import KNOWN_CHECKLIST_ITEMS
from roomcontrol.domain.protocol import Protocol, WeightDose, enabled
from roomcontrol.domain.session import replay
from roomcontrol.domain import staff as D
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.room import Room
from roomcontrol.store.staff import StaffStore
from roomcontrol.store.eventlog import read_events, verify_chain
from tests.core.helpers import BASELINE

SHIPPED = ("ketamine-depression", "ketamine-pain", "esketamine-nasal")
_errors: list[str] = []
CONFIG = parse_config({"session": {"protocols": list(SHIPPED)}}, _errors, source="test")
assert not _errors, _errors
EPS = 1e-6

PADSS = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 2, "pain": 2, "bleeding": 2}
PADSS_LOW = {**PADSS, "activity": 0, "pain": 1}  # 7: below every protocol's minimum
CADSS_0 = dict.fromkeys(("slow_motion", "unreal", "body_changed", "separated", "time_changed", "colours_changed"), 0)


def open_args(protocol: str):
    fixed = protocol == "esketamine-nasal"
    return st.fixed_dictionaries({
        "patient_ref": st.just("PT-9"), "protocol": st.just(protocol),
        "weight_kg": st.sampled_from([20, 30, 70, 70, 120, 250, 300]),
    }, optional={
        "dose_mg_per_kg": st.sampled_from([0.04, 0.1, 0.25, 0.5, 1.0, 1.2, 1.5, 1.8, 2.0, 2.5]),
        "planned_infusion_min": st.sampled_from([5, 20, 40, 60, 240, 480, 500]),
        "high_dose_confirmed": st.booleans(),
        "concentration_mg_per_ml": st.sampled_from([0.5, 1.0]),
    } if not fixed else {
        "dose_mg": st.sampled_from([28, 56, 84, 84, 100, 112]),
    }).map(lambda a: ("open_session", a))


PREPARE = ("prepare", {})  # the protocol's checks, a baseline and (draw_before_dose) the draw, each a real command
RECONCILE = ("reconcile", {})  # in recovery: what was drawn and not given wasted under a witness (record_waste)
# The draw each protocol's drug comes in: a 50 mg/mL ketamine vial; esketamine devices, 28 mg in 0.2 mL.
DRAWS = {"ketamine": {"mg_per_ml": 50, "ml": 2}, "esketamine": {"mg_per_ml": 140, "ml": 0.6}}
NURSE_PIN, WITNESS_PIN = "2468", "1357"
HASHES = {pin: D.hash_pin(pin, bytes(16)).encode() for pin in (NURSE_PIN, WITNESS_PIN)}  # hashed once, not per run


def commands(protocol: str):
    return st.one_of(
        open_args(protocol),
        st.just(PREPARE),
        st.sampled_from(KNOWN_CHECKLIST_ITEMS).map(
            lambda i: ("confirm_checklist", {"item": i, **({"hours_since_solids": 9, "hours_since_clear_fluids": 9}
                                                            if i == "npo" else {})})),
        st.just(("record_baseline", BASELINE)),
        st.just(("record_draw", {**DRAWS[enabled(CONFIG.session, protocol).drug], "lot": "L1", "expiry": "2030-01"})),
        st.just(RECONCILE),
        st.just(("start_infusion", {})),
        st.just(("give_device", {})),
        st.just(("pause_infusion", {"reason": "break"})),
        st.just(("resume_infusion", {})),
        st.tuples(st.sampled_from([5, 10, 20, 30, 45, 60, 90, 150, 400]), st.booleans()).map(
            lambda t: ("change_rate", {"rate_mg_per_h": t[0], "reason": "titrate", "high_dose_confirmed": t[1]})),
        st.just(("complete_infusion", {})),
        st.just(("stop_infusion", {"reason": "early"})),
        st.sampled_from([PADSS, PADSS_LOW]).map(lambda items: ("record_assessment", {"scale": "PADSS",
                                                                                      "items": items})),
        st.just(("record_assessment", {"scale": "CADSS-6", "items": CADSS_0})),
        st.booleans().map(lambda e: ("discharge", {"escort_confirmed": e})),
        st.just(("abort_session", {"reason": "test"})),
    )


def waits(protocol: str):
    """Seconds between steps: a moment, a device interval, recoveries, and just short of the protocol's planned
    dosing time (inside the minute complete_infusion tolerates) for each of its doses."""
    p = enabled(CONFIG.session, protocol)
    assert p is not None
    fixed = p.fixed_dose
    planned = [fixed.dosing_min(mg) * 60 for mg in fixed.choices_mg] if fixed else [p.phases.infusion_min * 60]
    near = st.sampled_from([t - d for t in planned for d in (50, 1)] + planned)
    return st.one_of(near, st.sampled_from([0, 1, 59, 301, 600, 1800, 3600, 7140, 7200, 14400]))


@st.composite
def runs(draw):
    """A session's usual walk (open, checks, start, end, PADSS, discharge) with steps left out, random commands
    put in anywhere and random waits between: deep states are reached often, and out of order too."""
    protocol = draw(st.sampled_from(SHIPPED))
    dosing = [("start_infusion", {}),
              draw(st.sampled_from([("complete_infusion", {}), ("stop_infusion", {"reason": "early"})]))]
    if protocol == "esketamine-nasal" and draw(st.booleans()):  # device by device (3 for the largest dose)
        dosing = [("give_device", {})] * 3
    walk = [draw(open_args(protocol)), PREPARE, *dosing, RECONCILE,
            ("record_assessment", {"scale": "PADSS", "items": PADSS}), ("discharge", {"escort_confirmed": True})]
    walk = [step for step in walk if draw(st.integers(0, 9)) > 0]  # each usual step kept 9 times in 10
    for _ in range(draw(st.integers(0, 12))):
        walk.insert(draw(st.integers(0, len(walk))), draw(commands(protocol)))
    return protocol, [(step, draw(waits(protocol))) for step in walk]


def run_step(room: Room, protocol: Protocol, name: str, args: dict) -> None:
    if name == "reconcile":
        s = room.state.open_session
        left = round(s.controlled.drawn_mg - s.given_mg(room.clock.now()), 2) if s and s.controlled.draws else 0.0
        room.command("record_waste", "rn.prop", ml=round(max(0.0, left) / DRAWS[protocol.drug]["mg_per_ml"], 3),
                     pin=NURSE_PIN, witness="rn.wit", witness_pin=WITNESS_PIN, explanation="property run")
        return
    if name != "prepare":
        room.command(name, "rn.prop", **args)
        return
    if protocol.draw_before_dose:
        try:
            room.command("record_draw", "rn.prop", **DRAWS[protocol.drug], lot="L1", expiry="2030-01")
        except Refused:
            pass  # no session open, or its waste already recorded
    for item in protocol.checks:
        extra = {"hours_since_solids": 9, "hours_since_clear_fluids": 9} if item == "npo" else {}
        try:
            room.command("confirm_checklist", "rn.prop", item=item, **extra)
        except Refused:
            pass  # already confirmed, or no session open: the next one may still go
    room.command("record_baseline", "rn.prop", **BASELINE)


def session_events(room: Room, session_id: str) -> list:
    return [e for e in read_events(room.db) if e.session_id == session_id]


def check_hard_rules(room: Room, protocol: Protocol) -> None:
    s = room.state.session
    if s is None:
        return
    assert s.protocol == protocol.id and s.protocol_version == protocol.version
    assert s.protocol_title == protocol.title
    policy = rules_for(room.state, room.config.session)
    events = session_events(room, s.session_id)
    confirmed = [e for e in events if e.kind == K.DOSE_HIGH_CONFIRMED]
    plan, now = s.plan, room.clock.now()
    dose = protocol.dose
    assert float(plan["weight_kg"]) in dose.weight_kg
    started = s.infusion_started_at is not None
    if started:  # no dosing before the protocol's checks and a baseline
        assert set(protocol.checks) <= s.checklist and s.baseline is not None
    if started and protocol.draw_before_dose:  # nor before a draw of its drug
        first = next(e for e in events if e.kind == K.INFUSION_STARTED)
        assert any(e.kind == K.CS_DRAWN and e.payload["drug"] == protocol.drug and e.seq < first.seq for e in events)
    if isinstance(dose, WeightDose):
        per_kg = float(plan["dose_mg_per_kg"])
        assert per_kg in dose.bounds_mg_per_kg
        assert float(plan["planned_infusion_min"]) in protocol.phases.infusion_bounds_min
        if per_kg > dose.soft_max_mg_per_kg:
            assert any(e.payload["dose_mg_per_kg"] == per_kg for e in confirmed)
        for seg in s.segments:  # every rate the pump ran at
            seg_per_kg = rate_dose_per_kg(seg.rate_mg_per_h, plan)
            assert seg_per_kg <= dose.bounds_mg_per_kg.high + EPS
            if seg_per_kg > dose.soft_max_mg_per_kg + EPS:
                assert any(e.payload["rate_mg_per_h"] in (seg.rate_mg_per_h, plan["rate_mg_per_h"])
                           for e in confirmed)
        # the dose given never passes what the plan and the titration allow over the time infused: the hard
        # maximum (the soft one without a confirmation) spread over the planned time; running past the planned
        # time is the nurse's cue (planned_time_reached), not the room's to stop
        stretch = max(1.0, s.infusion_elapsed_s(now) / s.planned_infusion_s)
        ceiling = dose.bounds_mg_per_kg.high if confirmed else dose.soft_max_mg_per_kg
        # the pump is programmed to 0.01 mg/h: a rate rounded up gives up to 0.005 mg more per hour infused
        # (1.875 → 1.88 mg/h over 4 h is 7.52 mg for a 7.5 mg plan; found by this test)
        resolution = 0.005 * s.infusion_elapsed_s(now) / 3600 + 0.01
        assert s.given_mg(now) <= ceiling * float(plan["weight_kg"]) * stretch + resolution
        if not s.titrated:
            assert s.given_mg(now) <= float(plan["total_dose_mg"]) * stretch + resolution
    else:
        assert float(plan["dose_mg"]) in dose.choices_mg
        assert plan["devices"] == dose.devices(float(plan["dose_mg"]))
        assert s.rate_mg_per_h in (None, 0.0) and not s.titrated
        assert s.given_mg(now) <= float(plan["dose_mg"]) + EPS
        if s.infusion_end_kind == "completed":  # every device given, none sooner than the protocol's interval
            assert s.infused_s >= (plan["devices"] - 1) * dose.device_interval_min * 60 - EPS
        devices = [e for e in events if e.kind == K.DOSE_DEVICE_GIVEN]
        ns = [e.payload["n"] for e in devices]  # from 2 for a dosing started with start_infusion (the first)
        assert not ns or (ns == list(range(ns[0], ns[0] + len(ns))) and ns[0] in (1, 2))
        if ns and s.infusion_end_kind == "completed":  # completed device by device: every one logged
            assert ns[-1] == plan["devices"]
        assert all(e.payload["n"] <= plan["devices"] for e in devices)
        times = ([s.infusion_started_at] if devices and devices[0].payload["n"] == 2 else []) + [e.ts for e in devices]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
        assert all(gap >= dose.device_interval_min * 60 - EPS for gap in gaps)  # never sooner than the interval
        if devices and s.infusion_end_kind is None:
            assert s.given_mg(now) == float(plan["dose_mg"]) * devices[-1].payload["n"] / plan["devices"]
    if s.phase == S.DISCHARGED:
        assert s.recovery_elapsed_s(s.closed_at) >= policy.min_recovery_min * 60
        assert policy.min_recovery_min >= protocol.discharge.min_after_last_dose_min
        assert s.scores["PADSS"] >= policy.min_padss_for_discharge
        if protocol.discharge.min_padss is not None:
            assert s.scores["PADSS"] >= protocol.discharge.min_padss


# Found by this test (fixed in domain/commands.py): complete_infusion's minute of leeway let a 2-device dose be
# "completed" 4:10 after the first device, the second sooner than the protocol's 5 min.
EARLY_DEVICE = ("esketamine-nasal", [
    (("open_session", {"patient_ref": "PT-9", "protocol": "esketamine-nasal", "weight_kg": 70}), 0),
    (PREPARE, 0), (("start_infusion", {}), 0), (("complete_infusion", {}), 250)])

# Found while adding devices one by one (fixed in domain/commands.py): "Complete" after one logged device counted
# the rest as given at that moment, however soon after the last logged one.
COMPLETED_AFTER_ONE_DEVICE = ("esketamine-nasal", [
    (("open_session", {"patient_ref": "PT-9", "protocol": "esketamine-nasal", "weight_kg": 70}), 0),
    (PREPARE, 0), (("give_device", {}), 0), (("complete_infusion", {}), 600)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(("ketamine-pain", [  # the rounded-up rate over a whole 4 h plan (see the pump's resolution above)
    (("open_session", {"patient_ref": "PT-9", "protocol": "ketamine-pain", "weight_kg": 30, "dose_mg_per_kg": 0.25}),
     0), (PREPARE, 0), (("start_infusion", {}), 0), (("complete_infusion", {}), 14399.0)]))
@example(EARLY_DEVICE)
@example(COMPLETED_AFTER_ONE_DEVICE)
@given(runs())
def test_random_commands_never_break_a_protocols_hard_rules(run):
    protocol_id, steps = run
    protocol = enabled(CONFIG.session, protocol_id)
    assert protocol is not None
    tmp = Path(tempfile.mkdtemp())
    try:
        clock = FakeClock()
        room = Room(CONFIG, tmp, clock)
        ControlledRecord(room)
        staff = StaffStore(room.db)
        for who, pin in (("rn.prop", NURSE_PIN), ("rn.wit", WITNESS_PIN)):
            staff.add(who, who, "nurse", HASHES[pin], clock.now())
        for (name, args), wait in steps:
            clock.advance(wait)
            before = room.state
            try:
                run_step(room, protocol, name, args)
            except Refused:
                if name != "prepare":
                    assert room.state.session == before.session  # a refusal changes nothing
            check_hard_rules(room, protocol)
        living = room.state
        assert replay(read_events(room.db)) == living
        assert verify_chain(room.db).ok
        room.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
