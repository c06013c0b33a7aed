"""Build tests/fixtures/schemas/: a room database made by each earlier room schema version, and a hub database
made by each earlier hub schema version, each by that version's own code, kept as an SQL text dump.

For each version the code of the last commit that wrote it is unpacked (`git archive`) into a temporary folder
and run there with this venv's Python: a scripted session (the scenario of that commit, --headless --simulate),
a staff account where the version has them, and for the hub a sync of that session plus one refused batch (a
report row). The database is then written here as SQL text (NAME.sql: its PRAGMA user_version, its tables as that
code created them, every row, its indexes and triggers), so a fixture diffs as text and git holds no binary
database; the dump is checked to build back into the same rows. tests/store/test_upgrades.py builds each into a
temporary database (build_fixture) and opens that with today's code.

    .venv/bin/python scripts/make_schema_fixtures.py        # rebuilds every fixture (about a minute)

When a schema version is added, add the last commit of the version it replaces to ROOM_COMMITS / HUB_COMMITS.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "schemas"
# Room schema version → the last commit that wrote it (git log -G'MIGRATIONS' -- roomcontrol/store/database.py).
ROOM_COMMITS = {
    1: "2368df4",  # the parent of 77609ae, which added _v2 (staff)
    2: "ce78bf1",  # the parent of 18398d2, which added _v3 (sync_quarantine)
    3: "5b07959",  # the base of session 3, before st-staff's _v4
}
# Hub schema version → the last commit that wrote it (git log -G'SCHEMA_VERSION' -- roomcontrol/sync/hub/db.py).
HUB_COMMITS = {1: "f91bfdc", 2: "5b07959",  # parents of 8eac0b8 (made schema 2) and of the staff directory (3)
               3: "4329ae6"}  # the base of session 4, before the course index (4)
SPEED = "2000"   # the scenario's clock speed: few enough vitals that a fixture stays well under 200 KB
TIMEOUT_S = 300
HEADER = "scripts/make_schema_fixtures.py; tests/store/test_upgrades.py builds it into a database"

# Run inside the old tree: its hub, its sync client, one session synced and a batch it refuses (a report row).
_HUB_SCRIPT = r"""
import sys, httpx
from roomcontrol.config.room import SyncConfig
from roomcontrol.sync.cli_support import hub_add_room, sync_now
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
hub_path, room_db = sys.argv[1], sys.argv[2]
token = hub_add_room(hub_path, "room-1")
db = HubDB(hub_path)
with ThreadedHub(db) as hub:
    result = sync_now(room_db, SyncConfig(enabled=True, hub_url=hub.url, token=token))
    assert result["ok"], result
    gap = {"events": [{"seq": 10 ** 6, "id": "00000000-0000-4000-8000-000000000000", "room_id": "room-1", "session_id": None,
                       "ts": "2026-01-01T00:00:00.000Z", "kind": "note.added", "actor": "rn.ada", "payload": {},
                       "prev_hash": "0" * 64, "hash": "0" * 64}], "vitals": []}
    r = httpx.post(f"{hub.url}/api/v1/rooms/room-1/batches", json=gap, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409, r.text
db.close()
"""

# Run inside the old tree on a copy of its fixture: what that code's own replay makes of the session (the test
# checks today's replay and record against it).
_REPLAY_SCRIPT = r"""
import json, sys
from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
room = Room(RoomConfig(), sys.argv[1])
s = room.state.session
print(json.dumps({"phase": room.state.phase, "session_id": s.session_id, "patient_ref": s.patient_ref,
                  "plan": s.plan, "infused_s": s.infused_s, "scores": s.scores, "checklist": sorted(s.checklist),
                  "pauses": len(s.pauses)}))
room.close()
"""


def unpack(commit: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True,
                             timeout=TIMEOUT_S).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=TIMEOUT_S)


def run(tree: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree), "QT_QPA_PLATFORM": "offscreen", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([sys.executable, *args], cwd=tree, env=env, input=stdin, text=True, capture_output=True,
                          timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def old_replay(tree: Path, fixture: Path, scratch: Path) -> dict:
    scratch.mkdir()
    built = sqlite3.connect(scratch / "room.db")  # the fixture as the test builds it
    built.executescript(fixture.read_text(encoding="utf-8"))
    built.close()
    return json.loads(run(tree, "-c", _REPLAY_SCRIPT, str(scratch)).strip().splitlines()[-1])


def room_session(tree: Path, data: Path, version: int) -> Path:
    """That commit's standard session, headless on simulated devices, then (from v2) one staff account."""
    run(tree, "-m", "roomcontrol", "run", "--headless", "--simulate", "--scenario",
        "scenarios/standard-session.toml", "--speed", SPEED, "--data-dir", str(data))
    if version >= 2:
        run(tree, "-m", "roomcontrol", "staff", "add", "rn.ada", "--name", "Ada Lovelace", "--pin-stdin",
            "--data-dir", str(data), stdin="2468\n")
    return data / "room.db"


def dump_sql(conn: sqlite3.Connection, header: str) -> str:
    """The database as SQL text: a comment, its PRAGMA user_version (the room's schema version; sqlite3's dump
    leaves it out), then sqlite3's own dump (tables and rows, indexes, triggers, the AUTOINCREMENT counters)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return "\n".join([f"-- {header}", f"PRAGMA user_version = {version};", *conn.iterdump()]) + "\n"


def _rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def settle(src: Path, dest: Path, version_sql: str, expected: int, header: str) -> dict:
    """Write a finished database here as SQL text, checked to build back into the same rows and schema version;
    returns its counts for the record."""
    conn = sqlite3.connect(src)
    try:
        got = int(conn.execute(version_sql).fetchone()[0])
        if got != expected:
            raise SystemExit(f"{src}: schema version {got}, expected {expected}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        text = dump_sql(conn, header)
        rebuilt = sqlite3.connect(":memory:")
        rebuilt.executescript(text)
        if _rows(rebuilt) != _rows(conn) or int(rebuilt.execute(version_sql).fetchone()[0]) != expected:
            raise SystemExit(f"{src}: its SQL dump does not build back into the same database")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events", "vitals")}
        rebuilt.close()
    finally:
        conn.close()
    dest.write_text(text, encoding="utf-8")
    return {"file": dest.name, "bytes": dest.stat().st_size, **counts}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    made = {}
    with tempfile.TemporaryDirectory(prefix="rc-fixtures-") as tmp:
        for version, commit in ROOM_COMMITS.items():
            tree, data = Path(tmp) / f"room-v{version}", Path(tmp) / f"room-v{version}-data"
            tree.mkdir()
            unpack(commit, tree)
            db = room_session(tree, data, version)
            facts = settle(db, OUT / f"room-v{version}.sql", "PRAGMA user_version", version,
                           f"room schema v{version}, made by commit {commit}'s own code ({HEADER})")
            replay = old_replay(tree, OUT / f"room-v{version}.sql", Path(tmp) / f"room-v{version}-replay")
            made[f"room-v{version}"] = {"commit": commit, **facts, "replay": replay}
        for version, commit in HUB_COMMITS.items():
            tree, data = Path(tmp) / f"hub-v{version}", Path(tmp) / f"hub-v{version}-room"
            tree.mkdir()
            unpack(commit, tree)
            room_db = room_session(tree, data, 2)
            hub = Path(tmp) / f"hub-v{version}.db"
            run(tree, "-c", _HUB_SCRIPT, str(hub), str(room_db))
            made[f"hub-v{version}"] = {"commit": commit, **settle(
                hub, OUT / f"hub-v{version}.sql", "SELECT value FROM hub_meta WHERE key = 'schema_version'", version,
                f"hub schema v{version}, made by commit {commit}'s own code ({HEADER})")}
    (OUT / "fixtures.json").write_text(json.dumps(made, indent=2) + "\n", encoding="utf-8")
    for name, facts in made.items():
        print(f"{name}: {facts}")
    shutil.rmtree(OUT / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
