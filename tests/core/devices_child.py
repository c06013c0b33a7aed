"""Child process for the diffuser crash test: a room with an LCUS relay on the given port, driven into the
infusion (whose scene mists), then left running until it is killed."""

import sys
import time

from roomcontrol.clock import SystemClock
from roomcontrol.config.room import parse_config
from tests.core.helpers import running_room, walk_to


def main(data_dir: str, port: str, walk: str) -> None:
    errors: list[str] = []
    config = parse_config({"devices": {"diffuser": {"driver": "lcus_relay", "url": port},
                                       "audio": {"driver": "none"}}}, errors)
    assert not errors, errors
    runtime = running_room(data_dir, config, _Jump(SystemClock()) if walk == "yes" else None)
    room = runtime.room
    if walk == "yes":
        walk_to(room, "infusing")
    print("ready", flush=True)
    while True:
        time.sleep(1)


class _Jump:
    """System time that walk_to may advance (it skips the 40 minutes of infusion)."""
    speed = 1.0

    def __init__(self, clock):
        self.clock, self.offset = clock, 0.0

    def now(self):
        from datetime import timedelta
        return self.clock.now() + timedelta(seconds=self.offset)

    def monotonic(self):
        return self.clock.monotonic() + self.offset

    def advance(self, s):
        self.offset += s

    def sleep(self, s):
        time.sleep(s)


if __name__ == "__main__":
    main(*sys.argv[1:4])
