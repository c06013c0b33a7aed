"""Partition test: a real room syncing to a real hub through a fault-injecting TCP proxy, for minutes.

    room database  <- writer thread (events and vitals, as the engine writes them)
         |
    pusher process (SyncPusher, killable)  ->  FaultProxy (asyncio, loopback)  ->  hub process (killable)

Faults, one at a time, each for a random while, with healthy gaps between them:
  drop          every open connection is reset and new ones are refused (closed at once)
  blackhole     connections stay open and swallow every byte, nothing is forwarded or answered
  delay         every chunk is forwarded late (200-1500 ms)
  cut_request   each request is forwarded half-way, then both sides are reset (the hub never sees the end)
  cut_response  the hub answers, the room gets half of it, then both sides are reset (a lost ack: a resend)
  kill_hub      kill -9 of the hub process, restarted after the fault
  kill_pusher   kill -9 of the pusher process (between two cursor writes, wherever it is), restarted after
At the end the network heals, the writer stops, the backlog drains, and the hub is checked against the room:
every event once with the room's id and hash, the hub's chain recomputed intact, every vitals row once with
the room's id, kind, ts and value. The last line: "faults N, events E, vitals V, lost 0, duplicated 0".

Run: .venv/bin/python bench/partition.py [--seconds 300] [--seed 1] [--pg postgresql://...]
tests/sync/test_partition.py runs it for ~20 s in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ROOM = "room-1"
FAULTS = ("drop", "blackhole", "delay", "cut_request", "cut_response", "kill_hub", "kill_pusher")


# -- the proxy -------------------------------------------------------------------------------------------------
class FaultProxy:
    """A TCP proxy on loopback whose behaviour (`mode`) can change at any moment, for open connections too."""

    def __init__(self, target_port: int, rng: random.Random):
        self.target_port = target_port
        self.rng = rng
        self.mode = "pass"
        self.port = _free_port()
        self._loop = asyncio.new_event_loop()
        self._conns: set[asyncio.StreamWriter] = set()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        self._started.wait(10)
        return self

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode == "drop":
            self._loop.call_soon_threadsafe(self._reset_all)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._started.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._reset_all()

    def _reset_all(self) -> None:
        for w in list(self._conns):
            w.transport.abort()
        self._conns.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "drop":
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:  # the hub is dead: the room sees a reset, as from a real router
            writer.transport.abort()
            return
        self._conns.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer, writer, "cut_request"),
                             self._pipe(up_reader, writer, up_writer, "cut_response"))
        self._conns.difference_update((writer, up_writer))

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, other: asyncio.StreamWriter,
                    cut_mode: str) -> None:
        try:
            while chunk := await src.read(65536):
                mode = self.mode
                if mode == "blackhole":
                    continue  # swallowed; the connection stays open
                if mode == "delay":
                    await asyncio.sleep(self.rng.uniform(0.2, 1.5))
                if mode == cut_mode:
                    dst.write(chunk[: max(1, len(chunk) // 2)])
                    await dst.drain()
                    dst.transport.abort()
                    other.transport.abort()
                    return
                dst.write(chunk)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            if not dst.transport.is_closing():
                dst.transport.abort()


# -- the processes ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


class Hub:
    def __init__(self, db_url: str, port: int, log: Path):
        self.db_url, self.port, self.log = db_url, port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import httpx
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "roomcontrol.sync.hub", "serve", "--db", self.db_url,
                                          "--port", str(self.port), "--log-level", "warning"], cwd=ROOT,
                                         stdout=out, stderr=out)

        def up() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited (log: {self.log})")
            try:
                return httpx.get(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False
        _wait(up, 30, "the hub")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


class Pusher:
    """The room's pusher in a process of its own, so it can be killed -9 like a room PC losing power."""

    def __init__(self, room_path: Path, url: str, token: str, backoff_max_s: float, log: Path):
        self.args = [sys.executable, __file__, "pusher", str(room_path), url, token, str(backoff_max_s)]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=out)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None


def pusher_role(room_path: str, url: str, token: str, backoff_max_s: str) -> None:
    from roomcontrol.sync.pusher import SyncPusher
    SyncPusher(room_path, ROOM, url, token, batch_size=50, interval_s=1.0, timeout_s=2.0,
               backoff_max_s=float(backoff_max_s)).start()
    threading.Event().wait()


class Writer(threading.Thread):
    """The engine's part: events (hash-chained, in small commits) and vitals, as a running session writes them."""

    def __init__(self, room_path: Path, rng: random.Random):
        super().__init__(name="room-writer", daemon=True)
        self.room_path, self.rng = room_path, rng
        self.stop_event = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from roomcontrol.domain.events import NewEvent
        from roomcontrol.store import database
        from roomcontrol.store.eventlog import EventLog
        from roomcontrol.store.vitals import VitalRow, VitalsWriter
        db = database.connect(self.room_path)
        log, vitals = EventLog(db, ROOM), VitalsWriter(db)
        n = 0
        try:
            while not self.stop_event.wait(self.rng.uniform(0.02, 0.2)):
                now = datetime.now(timezone.utc)
                k = self.rng.randint(1, 6)
                log.append_many([NewEvent("note.added", {"text": f"note {n + i}", "n": n + i}, "rn.ada", "s-1")
                                 for i in range(k)], now)
                n += k
                for i in range(self.rng.randint(0, 8)):
                    vitals.add(VitalRow(self.rng.choice(["heart_rate", "spo2"]), float(self.rng.randint(60, 99)),
                                        "/min", now, "s-1"), 0.0)
                vitals.flush()
        except BaseException as exc:  # noqa: BLE001 - reported by run()
            self.error = exc
        finally:
            db.conn.close()


# -- the run ---------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    faults: Counter = field(default_factory=Counter)
    events: int = 0
    vitals: int = 0
    lost: int = 0
    duplicated: int = 0
    altered: int = 0
    chain_ok: bool = False
    drain_s: float = 0.0

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    def last_line(self) -> str:
        return (f"faults {self.total_faults}, events {self.events}, vitals {self.vitals}, lost {self.lost}, "
                f"duplicated {self.duplicated}")


def run(seconds: float, seed: int = 1, pg: str | None = None, fault_s: tuple[float, float] = (1.0, 6.0),
        gap_s: tuple[float, float] = (0.5, 3.0), backoff_max_s: float = 8.0, workdir: Path | None = None,
        say=print) -> Outcome:
    from roomcontrol.sync.cli_support import hub_add_room
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        tmp_path = Path(tmp)
        room_path = tmp_path / "room.db"
        from roomcontrol.store import database
        database.connect(room_path).conn.close()
        hub_db = pg or str(tmp_path / "hub.db")
        if pg:
            _drop_room(pg)
        token = hub_add_room(hub_db, ROOM)
        hub = Hub(hub_db, _free_port(), tmp_path / "hub.log")
        hub.start()
        proxy = FaultProxy(hub.port, rng).start()
        pusher = Pusher(room_path, f"http://127.0.0.1:{proxy.port}", token, backoff_max_s, tmp_path / "pusher.log")
        pusher.start()
        writer = Writer(room_path, random.Random(seed + 1))
        writer.start()
        outcome = Outcome()
        try:
            end = time.monotonic() + seconds
            deck: list[str] = []
            while time.monotonic() < end or outcome.total_faults < len(FAULTS):  # every kind at least once
                time.sleep(rng.uniform(*gap_s))
                if not deck:  # every kind once per round, in a random order
                    deck = rng.sample(FAULTS, len(FAULTS))
                fault = deck.pop()
                duration = rng.uniform(*fault_s)
                outcome.faults[fault] += 1
                if fault == "kill_hub":
                    hub.kill()
                    time.sleep(duration)
                    hub.start()
                elif fault == "kill_pusher":
                    pusher.kill()
                    time.sleep(duration)
                    pusher.start()
                else:
                    proxy.set_mode(fault)
                    time.sleep(duration)
                    proxy.set_mode("pass")
            writer.stop_event.set()
            writer.join(10)
            if writer.error:
                raise writer.error
            t = time.monotonic()
            room_events, room_vitals = _room_rows(room_path)
            last_seq = room_events[-1][0] if room_events else 0
            last_vid = room_vitals[-1][0] if room_vitals else 0
            _wait(lambda: _hub_caught_up(hub_db, last_seq, last_vid), 120, "the hub to catch up")
            outcome.drain_s = time.monotonic() - t
            _check(hub_db, room_events, room_vitals, outcome)
        finally:
            writer.stop_event.set()
            pusher.kill()
            proxy.close()
            hub.kill()
            if pg:
                _drop_room(pg)
    return outcome


def _room_rows(room_path: Path) -> tuple[list[tuple], list[tuple]]:
    from roomcontrol.store import database
    db = database.connect(room_path, readonly=True)
    try:
        events = [tuple(r) for r in db.execute("SELECT seq, id, hash FROM events ORDER BY seq")]
        vitals = [tuple(r) for r in db.execute("SELECT id, kind, ts, value FROM vitals ORDER BY id")]
    finally:
        db.conn.close()
    return events, vitals


def _hub_caught_up(hub_db: str, events: int, vitals: int) -> bool:
    from roomcontrol.sync.hub import store as hubstore
    from roomcontrol.sync.hub.db import HubDB
    db = HubDB(hub_db)
    try:
        head = hubstore.head(db, ROOM) or {}
        return (head.get("last_seq") or 0) >= events and (head.get("last_vitals_id") or 0) >= vitals
    finally:
        db.close()


def _pages(read, key: str) -> list[dict]:
    out: list[dict] = []
    after = 0
    while page := read(after):
        out += page
        after = page[-1][key]
    return out


def _check(hub_db: str, room_events: list[tuple], room_vitals: list[tuple], outcome: Outcome) -> None:
    """Count what the hub lacks (lost), holds twice (duplicated) or holds differently (altered)."""
    from roomcontrol.sync.hub import store as hubstore
    from roomcontrol.sync.hub.db import HubDB
    db = HubDB(hub_db)
    try:
        hub_events = _pages(lambda a: hubstore.read_events(db, ROOM, after_seq=a, limit=5000), "seq")
        hub_vitals = _pages(lambda a: hubstore.read_vitals(db, ROOM, after_id=a, limit=5000), "vital_id")
        outcome.chain_ok = bool(hubstore.verify_room(db, ROOM).get("ok"))
    finally:
        db.close()
    outcome.events, outcome.vitals = len(room_events), len(room_vitals)
    by_id = Counter(e["id"] for e in hub_events)
    hub_e = {e["seq"]: (e["seq"], e["id"], e["hash"]) for e in hub_events}
    hub_v = Counter(v["vital_id"] for v in hub_vitals)
    hub_v_rows = {v["vital_id"]: (v["vital_id"], v["kind"], v["ts"], v["value"]) for v in hub_vitals}
    outcome.lost = sum(1 for e in room_events if e[0] not in hub_e) + sum(1 for v in room_vitals
                                                                          if v[0] not in hub_v)
    outcome.duplicated = (sum(n - 1 for n in by_id.values()) + sum(n - 1 for n in hub_v.values())
                          + max(0, len(hub_events) - len(room_events)) + max(0, len(hub_v) - len(room_vitals)))
    outcome.altered = sum(1 for e in room_events if e[0] in hub_e and hub_e[e[0]] != e) + \
        sum(1 for v in room_vitals if v[0] in hub_v_rows and hub_v_rows[v[0]] != v)


def _drop_room(url: str) -> None:
    import psycopg
    with psycopg.connect(url, autocommit=True) as c:
        if c.execute("SELECT to_regclass('rooms')").fetchone()[0] is None:
            return  # a fresh database: the hub creates its tables
        for table in ("events", "vitals", "reports"):
            c.execute(f"DELETE FROM {table} WHERE room_id = %s", [ROOM])
        c.execute("DELETE FROM rooms WHERE room_id = %s", [ROOM])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "pusher":
        pusher_role(*sys.argv[2:6])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", help="a postgresql:// URL for the hub database instead of SQLite")
    args = parser.parse_args()
    start = time.monotonic()
    outcome = run(args.seconds, args.seed, args.pg)
    faults = ", ".join(f"{k} {v}" for k, v in sorted(outcome.faults.items()))
    print(f"{time.monotonic() - start:.0f} s on {'PostgreSQL' if args.pg else 'SQLite'}, seed {args.seed}; "
          f"faults by kind: {faults}")
    print(f"backlog drained {outcome.drain_s:.1f} s after the last fault healed; hub chain "
          f"{'intact' if outcome.chain_ok else 'BROKEN'}; altered {outcome.altered}")
    print(outcome.last_line())
    return 0 if outcome.lost == outcome.duplicated == outcome.altered == 0 and outcome.chain_ok else 1


if __name__ == "__main__":
    sys.exit(main())
