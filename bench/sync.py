"""Sync benchmark: catch-up of a 100,000-event backlog through the real hub, against plain batched HTTP posts.

Both sides run in the same run, over loopback, into the same hub database file (SQLite, WAL, synchronous=FULL),
with the same batch size and the same uvicorn + JSON stack:

- sync:  SyncPusher.sync_now() in a room process -> the real hub process (token, validation, hash chain and seq
         check, idempotency, cursor write in the room after every ack);
- plain: a loop that SELECTs the same rows from the same room database and POSTs them as bare JSON arrays to a
         bare Starlette endpoint that json-decodes them and INSERTs them (no token, no validation, no hash check,
         no idempotency, no cursor): the floor of "batched HTTP posts into that database".

The ratio sync/plain in events/s is the figure (target >= 0.5). The room process also reports its peak RSS
growth while catching up (VmHWM - VmRSS before; target <= 50 MB): the pusher holds one batch, never the backlog.
Resume after an outage (issue 13): the real hub process is killed for `--outage` seconds while a room's pusher
(default settings: back-off 1 s doubling to 8 s) keeps trying; the figure is the time from the hub answering
again to the hub holding everything logged until then, for an idle room (a few events at the start of the
outage, then quiet) and a busy room (events and vitals all along, as a session writes them), against the target
of 10 s.
Run: .venv/bin/python bench/sync.py [--events 100000] [--batch 500] [--rounds 2] [--outage 30] [--resume-only]
     [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROOM = "room-1"
PLAIN_ROOM = "bench-plain"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


# -- child roles ---------------------------------------------------------------------------------------------
def make_room(path: Path, n: int) -> None:
    from roomcontrol.domain.events import NewEvent
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import EventLog
    db = database.connect(path)
    log = EventLog(db, ROOM)
    kinds = [("medication.given", {"drug": "ondansetron", "dose": 4, "unit": "mg", "route": "IV"}),
             ("ambient.changed", {"target": "light", "value": 12.5}),
             ("note.added", {"text": "patient comfortable, eyes closed, music at 35 %"}),
             ("alarm.raised", {"alarm_id": "a-17", "condition": "spo2_low", "priority": "high", "value": 89})]
    for start in range(0, n, 1000):
        news = [NewEvent(kinds[i % 4][0], {**kinds[i % 4][1], "i": i}, "rn.ada", "session-1")
                for i in range(start, min(n, start + 1000))]
        log.append_many(news, T0 + timedelta(seconds=start))
    db.conn.close()


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def push(room_path: str, url: str, token: str, batch: int) -> None:
    from roomcontrol.sync.pusher import SyncPusher
    pusher = SyncPusher(room_path, ROOM, url, token, batch_size=batch, interval_s=3600)
    pusher._open_outbox()
    base = _rss_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to now, so it measures the catch-up alone
    start = time.perf_counter()
    result = pusher.sync_now()
    elapsed = time.perf_counter() - start
    peak = _rss_kb("VmHWM")
    pusher.stop()
    print(json.dumps({"ok": result.ok, "error": result.error, "events": result.sent_events,
                      "duplicates": result.duplicate_events, "batches": result.batches, "elapsed": elapsed,
                      "rss_base_kb": base, "rss_growth_kb": peak - base}))


def plain_push(room_path: str, url: str, batch: int) -> None:
    import httpx
    conn = sqlite3.connect(room_path)
    client = httpx.Client(base_url=url, timeout=60)
    after, sent = 0, 0
    start = time.perf_counter()
    while True:
        rows = conn.execute("SELECT seq, id, room_id, session_id, ts, kind, actor, payload, prev_hash, hash FROM events "
                            "WHERE seq > ? ORDER BY seq LIMIT ?", [after, batch]).fetchall()
        if not rows:
            break
        # The leanest plain form: the stored columns as JSON arrays, payload text as a string, nothing decoded.
        body = json.dumps({"events": rows}, separators=(",", ":"))
        response = client.post("/plain", content=body, headers={"Content-Type": "application/json"})
        response.raise_for_status()
        after, sent = rows[-1][0], sent + len(rows)
    elapsed = time.perf_counter() - start
    print(json.dumps({"events": sent, "elapsed": elapsed}))


def plain_server(db_url: str, port: int) -> None:
    """The baseline: uvicorn + Starlette, json.loads, one executemany per batch, into the hub's events table."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from roomcontrol.sync.hub.db import HubDB
    db = HubDB(db_url)

    def insert(rows: list[dict]) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with db.connect() as c, c.write():
            c.executemany("INSERT INTO events (room_id, seq, id, session_id, ts, kind, actor, payload, prev_hash, "
                          "hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [(PLAIN_ROOM, *r[:2], *r[3:], now) for r in rows])

    async def plain(request):
        from starlette.concurrency import run_in_threadpool
        rows = json.loads(await request.body())["events"]
        await run_in_threadpool(insert, rows)
        return JSONResponse({"stored": len(rows)})

    async def health(request):
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/plain", plain, methods=["POST"]), Route("/api/v1/health", health)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# -- the run -------------------------------------------------------------------------------------------------
def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(args: list[str], port: int) -> subprocess.Popen:
    import httpx
    proc = subprocess.Popen([sys.executable, *map(str, args)], cwd=ROOT)
    for _ in range(400):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("a server did not start")


def resume_after_outage(hub_db: str, token: str, outage_s: float, busy: bool, tmp: Path) -> float:
    """Seconds from the hub's return to the whole backlog at the hub (see the module's docstring)."""
    import threading

    from roomcontrol.domain.events import NewEvent
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import EventLog
    from roomcontrol.store.vitals import VitalRow, VitalsWriter
    from roomcontrol.sync.hub import store as hubstore
    from roomcontrol.sync.hub.db import HubDB
    from roomcontrol.sync.pusher import SyncPusher

    room_path = tmp / f"resume-{'busy' if busy else 'idle'}.db"
    db = database.connect(room_path)
    log, vitals = EventLog(db, ROOM), VitalsWriter(db)
    lock = threading.Lock()

    def write(events: int, readings: int) -> None:
        with lock:
            now = datetime.now(timezone.utc)
            log.append_many([NewEvent("note.added", {"text": "x"}, "rn.ada", "s-1") for _ in range(events)], now)
            for _ in range(readings):
                vitals.add(VitalRow("heart_rate", 72.0, "/min", now, "s-1"), 0.0)
            vitals.flush()

    write(20, 20)
    port = _free_port()
    hub_args = ["-m", "roomcontrol.sync.hub", "serve", "--db", hub_db, "--port", port, "--log-level", "warning"]
    hub = _server(hub_args, port)
    pusher = SyncPusher(room_path, ROOM, f"http://127.0.0.1:{port}", token).start()
    hubdb = HubDB(hub_db)
    stop = threading.Event()

    def session() -> None:  # a busy room: 10 events and 20 readings a second, the engine notifying the pusher
        while not stop.wait(0.1):
            write(1, 2)
            pusher.notify()

    writer = threading.Thread(target=session, daemon=True)
    try:
        _until(lambda: hubstore.head(hubdb, ROOM)["last_seq"] == 20, "the first sync")
        hub.kill()
        hub.wait()
        write(5, 5)  # logged as the hub went away
        pusher.notify()
        if busy:
            writer.start()
        time.sleep(outage_s)
        hub = _server(hub_args, port)
        back = time.perf_counter()
        with lock:  # what was logged up to the hub's return
            last_seq = log.last_seq
            last_vid = db.execute("SELECT max(id) FROM vitals").fetchone()[0]
        _until(lambda: (hubstore.head(hubdb, ROOM)["last_seq"] >= last_seq
                        and hubstore.head(hubdb, ROOM)["last_vitals_id"] >= last_vid), "the backlog at the hub",
               step_s=0.01)
        return time.perf_counter() - back
    finally:
        stop.set()
        if writer.is_alive():
            writer.join(5)
        pusher.stop()
        hub.terminate()
        hub.wait()
        hubdb.close()
        db.conn.close()


def _until(predicate, what: str, timeout_s: float = 300, step_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(step_s)


def _child(*args) -> dict:
    out = subprocess.run([sys.executable, __file__, *map(str, args)], cwd=ROOT, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("make-room", "push", "plain-push", "plain-server"):
        role, rest = sys.argv[1], sys.argv[2:]
        if role == "make-room":
            make_room(Path(rest[0]), int(rest[1]))
        elif role == "push":
            push(rest[0], rest[1], rest[2], int(rest[3]))
        elif role == "plain-push":
            plain_push(rest[0], rest[1], int(rest[2]))
        else:
            plain_server(rest[0], int(rest[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pg", help="a postgresql:// URL: use it as the hub database instead of SQLite")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the hub is down in the resume runs")
    parser.add_argument("--resume-only", action="store_true", help="only the resume-after-outage figures")
    args = parser.parse_args()
    ok = True if args.resume_only else throughput(args)
    return 0 if resume(args) and ok else 1


def resume(args) -> bool:
    from roomcontrol.sync.cli_support import hub_add_room
    target = 10.0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for busy in (False, True):
            hub_db = args.pg or str(Path(tmp) / f"hub-resume-{busy}.db")
            if args.pg:
                _drop_rooms(args.pg)
            token = hub_add_room(hub_db, ROOM)
            seconds = resume_after_outage(hub_db, token, args.outage, busy, Path(tmp))
            ok &= seconds <= target
            print(f"resume after a {args.outage:.0f} s outage, {'busy' if busy else 'idle'} room: {seconds:5.1f} s "
                  f"from the hub's return to the whole backlog at the hub; ratio to the 10 s target "
                  f"{seconds / target:.2f}  {'ok' if seconds <= target else 'ABOVE TARGET'}")
        if args.pg:
            _drop_rooms(args.pg)
    return ok


def throughput(args) -> bool:

    from roomcontrol.sync.cli_support import hub_add_room
    plains, syncs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        room_path = tmp / "room.db"
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "make-room", str(room_path), str(args.events)], cwd=ROOT, check=True)
        print(f"room database: {args.events:,} events in {time.perf_counter() - t:.1f} s "
              f"({room_path.stat().st_size / 1e6:.0f} MB); hub database: {'PostgreSQL' if args.pg else 'SQLite'}; "
              f"batches of {args.batch}; {args.rounds} rounds, alternating, each into a fresh hub database")
        for n in range(args.rounds):
            hub_db = args.pg or str(tmp / f"hub-{n}.db")
            if args.pg:
                _drop_rooms(args.pg)
            token = hub_add_room(hub_db, ROOM)
            port = _free_port()
            server = _server([__file__, "plain-server", hub_db, port], port)
            try:
                plains.append(_child("plain-push", room_path, f"http://127.0.0.1:{port}", args.batch))
            finally:
                server.terminate()
                server.wait()
            port = _free_port()
            hub = _server(["-m", "roomcontrol.sync.hub", "serve", "--db", hub_db, "--port", port, "--log-level",
                           "warning"], port)
            try:
                syncs.append(_child("push", room_path, f"http://127.0.0.1:{port}", token, args.batch))
            finally:
                hub.terminate()
                hub.wait()
            sync, plain = syncs[-1], plains[-1]
            assert sync["ok"], sync["error"]
            assert sync["events"] == args.events == plain["events"], (sync, plain)
            print(f"  round {n + 1}: plain {plain['events'] / plain['elapsed']:8,.0f} events/s, "
                  f"sync {sync['events'] / sync['elapsed']:8,.0f} events/s, "
                  f"ratio {(sync['events'] / sync['elapsed']) / (plain['events'] / plain['elapsed']):.2f}, "
                  f"room RSS growth {sync['rss_growth_kb'] / 1024:.1f} MB")
        if args.pg:
            _drop_rooms(args.pg)

    # Best of the rounds on each side: the machine's other load only ever slows a round down.
    plain = min(plains, key=lambda r: r["elapsed"])
    sync = min(syncs, key=lambda r: r["elapsed"])
    plain_rate, sync_rate = plain["events"] / plain["elapsed"], sync["events"] / sync["elapsed"]
    ratio = sync_rate / plain_rate
    growth_mb = max(r["rss_growth_kb"] for r in syncs) / 1024
    print(f"plain batched HTTP posts:  {plain_rate:9,.0f} events/s (best, {plain['elapsed']:.1f} s)")
    print(f"sync (pusher -> hub):      {sync_rate:9,.0f} events/s (best, {sync['elapsed']:.1f} s, {sync['batches']} "
          f"batches, {sync['duplicates']} duplicates)")
    print(f"ratio sync/plain:          {ratio:9.2f}   (target >= 0.5)  {'ok' if ratio >= 0.5 else 'BELOW TARGET'}")
    print(f"room peak RSS growth:      {growth_mb:9.1f} MB (worst round; target <= 50 MB, base "
          f"{sync['rss_base_kb'] / 1024:.0f} MB)  {'ok' if growth_mb <= 50 else 'ABOVE TARGET'}")
    return ratio >= 0.5 and growth_mb <= 50


def _drop_rooms(url: str) -> None:
    import psycopg
    with psycopg.connect(url, autocommit=True) as c:
        if c.execute("SELECT to_regclass('rooms')").fetchone()[0] is None:
            return  # a fresh database: the hub creates its tables
        for table in ("events", "vitals", "reports"):
            c.execute(f"DELETE FROM {table} WHERE room_id IN (%s, %s)", [ROOM, PLAIN_ROOM])
        c.execute("DELETE FROM rooms WHERE room_id = %s", [ROOM])


if __name__ == "__main__":
    sys.exit(main())
