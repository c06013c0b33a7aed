"""Child process of the crash test: runs sessions forever and prints "seq phase" after each commit.

It picks each next command from the room's phase (crash_sessions.py), so after a SIGKILL and restart it carries
on from wherever the log says the room stood. Time is a FakeClock that starts after the last logged event.
"""

import sys
from datetime import timedelta

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
from roomcontrol.store.eventlog import read_events
from tests.core.crash_sessions import run_sessions


def main(data_dir: str) -> None:
    probe = Room(RoomConfig(), data_dir, FakeClock())
    last = list(read_events(probe.db, after_seq=probe.log.last_seq - 1))
    probe.close()
    clock = FakeClock(last[-1].ts + timedelta(seconds=1))
    run_sessions(Room(RoomConfig(), data_dir, clock), clock)


if __name__ == "__main__":
    main(sys.argv[1])
