"""`roomcontrol demo clinic` as a user runs it: one command prints the hub, the rooms, the demo nurse's id and PIN
and the station URL; the PIN signs in at the station; the rooms are live on the hub; Ctrl-C stops it all cleanly
(exit 0, the temporary folder gone)."""

from __future__ import annotations

import json
import os
import re
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_until(proc: subprocess.Popen, marker: str, timeout_s: float) -> str:
    """The demo's standard output up to the line with `marker`, read on a thread (a pipe's reads block)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    out, deadline = "", time.monotonic() + timeout_s
    while marker not in out:
        try:
            out += lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no {marker!r} from the demo within {timeout_s:g} s; it printed:\n{out}")
    return out


def test_demo_clinic_prints_what_to_open_and_stops_cleanly_on_ctrl_c():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "roomcontrol", "demo", "clinic", "--rooms", "2", "--port",
                             str(port), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        out = _read_until(proc, "Ctrl-C", 60)
        url = f"http://127.0.0.1:{port}"
        assert f"station:  {url}/station" in out
        staff_id, pin = re.search(r"staff id '(\S+)', PIN (\d+)", out).groups()
        folder = Path(re.search(r"database SQLite (\S+)/hub\.db\)", out).group(1))
        assert folder.is_dir()
        with httpx.Client(base_url=url, timeout=5) as client:
            assert client.get("/station").status_code == 200
            signed = client.post("/api/v1/station/signin", json={"staff_id": staff_id, "pin": pin})
            assert signed.status_code == 200 and signed.json()["name"] == "Ann Lee"
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        # The two simulated rooms are live on the hub (their own tokens, their live channel).
        with connect(f"ws://127.0.0.1:{port}/api/v1/station/live", additional_headers={"Cookie": cookie},
                     open_timeout=5) as ws:
            deadline, live = time.monotonic() + 20, set()
            while live != {"room-1", "room-2"} and time.monotonic() < deadline:
                message = json.loads(ws.recv(timeout=5))
                rooms = message.get("rooms") or ([message["room"]] if message.get("type") == "room" else [])
                live |= {r["room_id"] for r in rooms if r.get("contact") == "live"}
            assert live == {"room-1", "room-2"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
