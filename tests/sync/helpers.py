"""Helpers for the sync tests: room databases with real chained events, hub processes that can be SIGKILLed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from roomcontrol.domain.events import NewEvent
from roomcontrol.store import database
from roomcontrol.store.eventlog import EventLog
from roomcontrol.store.vitals import VitalRow, VitalsWriter
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB

ROOT = Path(__file__).resolve().parents[2]
ROOM = "room-1"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


class RoomDB:
    """The room's database with the engine's single writer (EventLog, VitalsWriter), as the engine uses them."""

    def __init__(self, path: Path, room_id: str = ROOM):
        self.path = path
        self.db = database.connect(path)
        self.log = EventLog(self.db, room_id)
        self.vitals = VitalsWriter(self.db)

    def log_events(self, n: int, ts: datetime = T0, chunk: int = 500, session_id: str | None = "s-1") -> None:
        done = 0
        while done < n:
            k = min(chunk, n - done)
            self.log.append_many([NewEvent("note.added", {"text": f"note {done + i}", "n": done + i, "w": 1.25},
                                           "rn.ada", session_id) for i in range(k)], ts)
            done += k

    def log_vitals(self, n: int, ts: datetime = T0) -> None:
        for i in range(n):
            self.vitals.add(VitalRow("heart_rate", 60.0 + i % 40, "/min", ts + timedelta(seconds=i), "s-1",
                                     flags=("artifact",) if i % 7 == 0 else ()), 0.0)
        self.vitals.flush()

    def close(self) -> None:
        self.db.conn.close()


def _all_pages(read, key: str) -> list[dict]:
    """Every row a paged hub read gives, page after page (the way a report tool would read it)."""
    out, after = [], 0
    while page := read(after):
        out += page
        after = page[-1][key]
    return out


def all_hub_events(db: HubDB, room_id: str = ROOM) -> list[dict]:
    return _all_pages(lambda after: hubstore.read_events(db, room_id, after_seq=after, limit=5000), "seq")


def all_hub_vitals(db: HubDB, room_id: str = ROOM) -> list[dict]:
    return _all_pages(lambda after: hubstore.read_vitals(db, room_id, after_id=after, limit=5000), "vital_id")


def assert_exactly_once(db: HubDB, room_path: Path, room_id: str = ROOM) -> list[dict]:
    """The hub holds every room event once, in seq order 1..N, with the room's id, ts and hash."""
    room = database.connect(room_path, readonly=True)
    try:
        local = [tuple(r) for r in room.execute("SELECT seq, id, ts, hash FROM events ORDER BY seq")]
    finally:
        room.conn.close()
    hub = all_hub_events(db, room_id)
    assert [(e["seq"], e["id"], e["ts"], e["hash"]) for e in hub] == local
    assert len({e["id"] for e in hub}) == len(hub)
    head = hubstore.head(db, room_id)
    assert head["last_seq"] == len(local)
    return hub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout_s: float = 20.0, step_s: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step_s)


class HubZygote:
    """tests/sync/hub_zygote.py: forks ready-imported hub processes (see there why)."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.sync.hub_zygote"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def spawn(self, db_url: str, port: int, hold_s: float, log_path: Path) -> int:
        self.proc.stdin.write(f"{db_url} {port} {hold_s} {log_path}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


class HubProcess:
    """A real hub process on a fixed loopback port (forked by a HubZygote); `kill()` is SIGKILL."""

    def __init__(self, zygote: HubZygote, db_url: str, port: int, hold_s: float, log_path: Path):
        self.zygote, self.db_url, self.port, self.hold_s = zygote, db_url, port, hold_s
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.pid: int | None = None

    def start(self, timeout_s: float = 20.0) -> "HubProcess":
        self.pid = self.zygote.spawn(self.db_url, self.port, self.hold_s, self.log_path)
        deadline = time.monotonic() + timeout_s
        while True:
            if not _alive(self.pid):
                raise RuntimeError(f"the hub exited (log: {self.log_path})")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("the hub did not come up")
            time.sleep(0.01)

    def kill(self) -> None:
        if self.pid is not None and _alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
            wait_until(lambda: not _alive(self.pid), what="the hub process to die")
        self.pid = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def served_hub(db_url: str, *args: str, stop_timeout_s: float = 15.0):
    """`python -m roomcontrol.sync.hub serve` on `db_url` and a free loopback port (`args` added) in a process of
    its own, once its health answers: yields (the process, its port, its URL); terminated afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "roomcontrol.sync.hub", "serve", "--db", db_url, "--port",
                             str(port), "--log-level", "warning", *args], cwd=ROOT)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(url + P.HEALTH_PATH, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(up, what="the hub to come up")
        yield proc, port, url
    finally:
        proc.terminate()
        proc.wait(stop_timeout_s)
