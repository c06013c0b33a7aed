"""SIGKILL the room at random moments: the database stays sound and every acknowledged event is there."""

import random
import sys
from pathlib import Path

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.domain.session import replay
from roomcontrol.engine.room import Room
from roomcontrol.store import database
from roomcontrol.store.eventlog import read_events, verify_chain
from tests.core import crash_sessions
from tests.core.test_session_property import LEGAL

KILLS = 20


def run_and_kill(data_dir: Path, after_s: float) -> list[tuple[int, str]]:
    """tests/core/crash_child.py on `data_dir`, SIGKILLed `after_s` after it started: its acknowledged lines."""
    return crash_sessions.run_and_kill([sys.executable, "-u", "-m", "tests.core.crash_child", str(data_dir)], after_s)


@pytest.mark.slow
def test_sigkill_at_random_moments(tmp_path):
    rng = random.Random(20261124)
    sessions_done = 0
    for kill in range(KILLS):
        acked = run_and_kill(tmp_path, rng.uniform(0.02, 0.5))
        db = database.connect(tmp_path / "room.db", readonly=True)
        assert database.integrity_check(db) == "ok"
        result = verify_chain(db)
        assert result.ok, f"kill {kill}: {result.reason}"
        stored = {e.seq: e for e in read_events(db)}
        for seq, _ in acked:
            assert seq in stored, f"kill {kill}: seq {seq} was acknowledged but is not in the log"
        db.conn.close()
        last_seq, last_phase = acked[-1]
        room = Room(RoomConfig(), tmp_path, FakeClock())
        resumed = room.state.phase
        if max(stored) == last_seq:
            assert resumed == last_phase, f"kill {kill}: resumed {resumed}, the child last said {last_phase}"
        else:  # committed but killed before it could print: one step further at most
            assert resumed in LEGAL[last_phase], f"kill {kill}: {last_phase} → {resumed}"
        assert replay(read_events(room.db)).session == room.state.session
        sessions_done = sum(1 for e in read_events(room.db, kinds=["session.discharged"]))
        room.close()
    assert sessions_done >= 1  # the kills landed across whole sessions, not only in the first steps
