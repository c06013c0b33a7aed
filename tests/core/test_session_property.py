"""Property: random command sequences never reach an illegal phase, and replaying the log equals living it."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.domain import session as S
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.session import replay
from roomcontrol.engine.room import Room
from roomcontrol.store.eventlog import read_events, verify_chain
from tests.core.helpers import BASELINE, OPEN_ARGS, PADSS_10

COMMANDS = st.one_of(
    st.just(("open_session", OPEN_ARGS)),
    st.sampled_from(["consent", "npo", "escort", "pregnancy_screen", "iv_access", "bogus"]).map(
        lambda i: ("confirm_checklist", {"item": i, **({"hours_since_solids": 9, "hours_since_clear_fluids": 9}
                                                        if i == "npo" else {})})),
    st.just(("record_baseline", BASELINE)),
    st.just(("start_infusion", {})),
    st.just(("pause_infusion", {"reason": "break"})),
    st.just(("resume_infusion", {})),
    st.sampled_from([30, 90, 150]).map(lambda r: ("change_rate", {"rate_mg_per_h": r, "reason": "titrate",
                                                                  "high_dose_confirmed": r == 150})),
    st.just(("complete_infusion", {})),
    st.just(("stop_infusion", {"reason": "early"})),
    st.just(("record_assessment", {"scale": "PADSS", "items": PADSS_10})),
    st.just(("discharge", {"escort_confirmed": True})),
    st.just(("abort_session", {"reason": "test"})),
    st.just(("note_symptom", {"symptom": "nausea"})),
    # a correction of the latest entry of a kind (resolved to its seq when run), or of any seq
    st.sampled_from([("assessment.recorded", {"items": {"pain": 1}}), ("assessment.recorded", {"items": {"pain": 0}}),
                     ("vitals.baseline", {"heart_rate": 75}), ("symptom.noted", {"symptom": "dizziness"}),
                     (7, {"heart_rate": 75})]).map(
        lambda t: ("correct_event", {"seq": t[0], "reason": "chart fix", "changes": t[1]})),
)
STEPS = st.lists(st.tuples(COMMANDS, st.sampled_from([0, 1, 59, 600, 1800, 2400])), max_size=40)

# phase → the phases its next event may lead to (one command may log several events, e.g. completed+recovery)
LEGAL = {
    "idle": {"idle", "pre_infusion"},
    "pre_infusion": {"pre_infusion", "infusing", "aborted"},
    "infusing": {"infusing", "paused", "recovery", "aborted"},
    "paused": {"paused", "infusing", "recovery", "aborted"},
    "recovery": {"recovery", "discharged", "aborted"},
    "discharged": {"discharged", "pre_infusion"},
    "aborted": {"aborted", "pre_infusion"},
}


def check_invariants(state: S.RoomState, policy) -> None:
    s = state.session
    assert state.phase in S.PHASES
    if s is None:
        return
    if s.phase in (S.INFUSING, S.PAUSED, S.RECOVERY, S.DISCHARGED):
        assert s.infusion_started_at is not None
        assert set(policy.required_checklist) <= s.checklist and s.baseline is not None
    assert (s.running_since is not None) == (s.phase == S.INFUSING)
    if s.phase == S.DISCHARGED:
        assert s.scores["PADSS"] >= policy.min_padss_for_discharge
        assert s.recovery_elapsed_s(s.closed_at) >= policy.min_recovery_min * 60
    if s.phase == S.RECOVERY:
        assert s.infusion_ended_at is not None and s.recovery_started_at is not None
    assert s.infused_s >= 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_random_commands_stay_legal_and_replay_equals_living(steps):
    tmp = Path(tempfile.mkdtemp())
    try:
        clock = FakeClock()
        room = Room(RoomConfig(), tmp, clock)
        policy = room.config.session
        for (name, args), wait in steps:
            clock.advance(wait)
            before = room.state.phase
            if isinstance(args.get("seq"), str):
                seqs = [e.seq for e in read_events(room.db, kinds=(args["seq"],))]
                args = {**args, "seq": seqs[-1] if seqs else 10_000}
            try:
                room.command(name, "rn.prop", **args)
            except Refused:
                assert room.state.phase == before  # a refusal changes nothing
            assert room.state.phase in LEGAL[before]
            check_invariants(room.state, policy)
        living = room.state
        assert replay(read_events(room.db)) == living          # the whole log folded from scratch
        room.close()
        again = Room(RoomConfig(), tmp, clock)                 # what a restart rebuilds
        assert again.state.session == living.session
        assert verify_chain(again.db).ok
        again.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
