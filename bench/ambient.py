#!/usr/bin/env python3
"""CPU cost of the ambient layer, as a fraction of one core, against an idle baseline from the same run.

    .venv/bin/python bench/ambient.py [--seconds 5]

Measures process CPU time (time.process_time: every thread, SDL's mixing thread included) over wall time for:
idle (nothing running), a DMX fade (EnttecDmxPro refreshing at 30 Hz into a pseudo-terminal, drained),
the player playing a shipped track (SDL "disk" driver writing to a temp file, the realistic worst case
without a sound card), and music plus a looping high-priority alarm with ducking.
"""

from __future__ import annotations

import argparse
import os
import select
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="rc-bench-")
os.environ["SDL_AUDIODRIVER"] = "disk"
os.environ["SDL_DISKAUDIOFILE"] = os.path.join(_tmp, "out.raw")
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

from roomcontrol.devices.audio import DEFAULT_ASSETS, AudioConfig, AudioPlayer  # noqa: E402
from roomcontrol.devices.lighting import EnttecDmxPro, LightingConfig  # noqa: E402


def cpu_fraction(seconds: float, during=None) -> float:
    c0, w0 = time.process_time(), time.perf_counter()
    end = w0 + seconds
    while time.perf_counter() < end:
        if during:
            during()
        time.sleep(0.05)
    return (time.process_time() - c0) / (time.perf_counter() - w0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    s = ap.parse_args().seconds
    rows = []
    idle = cpu_fraction(s)
    rows.append(("idle baseline", idle))

    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            if select.select([master], [], [], 0.05)[0]:
                os.read(master, 65536)
    threading.Thread(target=drain, daemon=True).start()
    cfg = LightingConfig.from_dict({"zones": {"ceiling": {"kind": "dimmer", "channel": 1},
                                              "cove": {"kind": "rgb", "channel": 2}}})
    light = EnttecDmxPro(os.ttyname(slave), cfg).start()
    light.apply({"ceiling": 1.0, "cove": (1.0, (1.0, 0.5, 0.2))}, seconds=s * 10)
    f0 = light.frames_sent
    rows.append(("DMX fade, 30 Hz refresh", cpu_fraction(s)))
    fps = (light.frames_sent - f0) / s
    light.apply({"ceiling": 0.3, "cove": 0.3}, seconds=0)
    time.sleep(0.2)
    rows.append(("DMX idle, 1 s keep-alive", cpu_fraction(s)))
    light.close()

    player = AudioPlayer(AudioConfig(volume=0.5, fade_s=0.0)).start()
    player.load_playlist(DEFAULT_ASSETS / "calm", play=True)
    time.sleep(1.5)                                      # decode happens first; measure steady playback
    rows.append(("music playing (calm pad)", cpu_fraction(s)))
    player.play_alarm("high")
    rows.append(("music + looping high alarm, ducked", cpu_fraction(s)))
    player.close()
    stop.set()

    print(f"{'case':40} {'CPU (1 core)':>12} {'x idle':>8}")
    for name, frac in rows:
        ratio = frac / idle if idle > 0 else float("inf")
        print(f"{name:40} {frac * 100:11.2f}% {ratio:8.1f}")
    print(f"DMX frames per second during the fade: {fps:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
