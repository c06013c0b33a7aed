"""Child process of the crash test: runs sessions forever and prints "seq phase" after each commit.

It picks each next command from the room's phase, so after a SIGKILL and restart it carries on from wherever
the log says the room stood. Time is a FakeClock that starts after the last logged event.
"""

import sys
from datetime import timedelta

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
from roomcontrol.store.eventlog import read_events
from tests.core.helpers import BASELINE, CHECKLIST, OPEN_ARGS, PADSS_10


def next_command(room):
    s = room.state.open_session
    phase = room.state.phase
    if s is None:
        return "open_session", OPEN_ARGS, 0
    if phase == "pre_infusion":
        for item, extra in CHECKLIST:
            if item not in s.checklist:
                return "confirm_checklist", {"item": item, **extra}, 5
        if s.baseline is None:
            return "record_baseline", BASELINE, 5
        return "start_infusion", {}, 5
    if phase == "infusing":
        if s.infusion_elapsed_s(room.clock.now()) >= s.planned_infusion_s:
            return "complete_infusion", {}, 1
        if len(s.pauses) == 0 and s.infusion_elapsed_s(room.clock.now()) > 600:
            return "pause_infusion", {"reason": "break"}, 60
        return "add_note", {"text": "observing"}, 120
    if phase == "paused":
        return "resume_infusion", {}, 60
    if "PADSS" not in s.scores:
        return "record_assessment", {"scale": "PADSS", "items": PADSS_10}, 1900
    return "discharge", {"escort_confirmed": True}, 5


def main(data_dir: str) -> None:
    probe = Room(RoomConfig(), data_dir, FakeClock())
    last = list(read_events(probe.db, after_seq=probe.log.last_seq - 1))
    probe.close()
    clock = FakeClock(last[-1].ts + timedelta(seconds=1))
    room = Room(RoomConfig(), data_dir, clock)
    print(f"{room.log.last_seq} {room.state.phase}", flush=True)
    while True:
        name, args, wait = next_command(room)
        clock.advance(wait)
        events = room.command(name, "rn.crash", **args)
        print(f"{events[-1].seq} {room.state.phase}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
