"""What the crash runs share (tests/core/test_crash.py with its child crash_child.py, and bench/faults.py's
kills): the command a room takes next, chosen from the phase its log says it is in; the child's loop that runs
sessions for ever and prints "seq phase" after each acknowledged command; and the parent's side, which starts
such a child, lets it run a while and SIGKILLs it, keeping the lines printed in full (the acknowledged ones)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

from tests.core.helpers import BASELINE, CHECKLIST, OPEN_ARGS, PADSS_10

ROOT = Path(__file__).resolve().parents[2]
ACTOR = "rn.crash"


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


def run_sessions(room, clock, pause_s: float = 0.0) -> None:
    """The child: print where the room stands, then for ever the next command (its wait jumped over on `clock`)
    and "seq phase" once the engine acknowledged it. `pause_s` between commands gives a real room's devices and
    engine tick their turn."""
    print(f"{room.log.last_seq} {room.state.phase}", flush=True)
    while True:
        name, args, wait = next_command(room)
        clock.advance(wait)
        events = room.command(name, ACTOR, **args)
        print(f"{events[-1].seq} {room.state.phase}", flush=True)
        if pause_s:
            time.sleep(pause_s)


class ChildDidNotStart(RuntimeError):
    """The child printed nothing before the start timeout; the message is the end of its stderr."""


def run_and_kill(argv: list[str], after_s: float, start_timeout_s: float = 30.0,
                 on_started: Callable[[], None] | None = None) -> list[tuple[int, str]]:
    """Start `argv` (from the project root, which it may import), wait until it printed its first line, call
    `on_started`, let it run `after_s` more and SIGKILL it. Returns the (seq, phase) lines printed in full: a
    half-printed last line was not acknowledged yet."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + start_timeout_s
    while not lines and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)  # wait until the child is up, then let it run a random while
    if not lines:
        proc.kill()
        proc.wait()
        raise ChildDidNotStart(proc.stderr.read()[-2000:])
    if on_started is not None:
        on_started()
    time.sleep(after_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=5)
    proc.stderr.close()
    return [(int(seq), phase) for seq, phase in (line.split() for line in lines if line.endswith("\n"))]
