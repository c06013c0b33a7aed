"""Build tests/fixtures/schemas/: a room database made by each earlier room schema version, and a hub database
made by each earlier hub schema version, each by that version's own code.

For each version the code of the last commit that wrote it is unpacked (`git archive`) into a temporary folder
and run there with this venv's Python: a scripted session (the scenario of that commit, --headless --simulate),
a staff account where the version has them, and for the hub a sync of that session plus one refused batch (a
report row). The database is then copied here, vacuumed (its rows unchanged, its free pages gone) so each
fixture stays small. tests/store/test_upgrades.py opens them with today's code.

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
    shutil.copy(fixture, scratch / "room.db")
    return json.loads(run(tree, "-c", _REPLAY_SCRIPT, str(scratch)).strip().splitlines()[-1])


def room_session(tree: Path, data: Path, version: int) -> Path:
    """That commit's standard session, headless on simulated devices, then (from v2) one staff account."""
    run(tree, "-m", "roomcontrol", "run", "--headless", "--simulate", "--scenario",
        "scenarios/standard-session.toml", "--speed", SPEED, "--data-dir", str(data))
    if version >= 2:
        run(tree, "-m", "roomcontrol", "staff", "add", "rn.ada", "--name", "Ada Lovelace", "--pin-stdin",
            "--data-dir", str(data), stdin="2468\n")
    return data / "room.db"


def settle(src: Path, dest: Path, version_sql: str, expected: int) -> dict:
    """Copy a finished database here, checkpointed and vacuumed; returns its counts for the record."""
    dest.unlink(missing_ok=True)
    conn = sqlite3.connect(src)
    try:
        got = int(conn.execute(version_sql).fetchone()[0])
        if got != expected:
            raise SystemExit(f"{src}: schema version {got}, expected {expected}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM INTO ?", [str(dest)])
    finally:
        conn.close()
    copy = sqlite3.connect(dest)
    copy.execute("PRAGMA journal_mode = DELETE")
    counts = {t: copy.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events", "vitals")}
    copy.close()
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
            facts = settle(db, OUT / f"room-v{version}.db", "PRAGMA user_version", version)
            replay = old_replay(tree, OUT / f"room-v{version}.db", Path(tmp) / f"room-v{version}-replay")
            made[f"room-v{version}"] = {"commit": commit, **facts, "replay": replay}
        for version, commit in HUB_COMMITS.items():
            tree, data = Path(tmp) / f"hub-v{version}", Path(tmp) / f"hub-v{version}-room"
            tree.mkdir()
            unpack(commit, tree)
            room_db = room_session(tree, data, 2)
            hub = Path(tmp) / f"hub-v{version}.db"
            run(tree, "-c", _HUB_SCRIPT, str(hub), str(room_db))
            made[f"hub-v{version}"] = {"commit": commit, **settle(
                hub, OUT / f"hub-v{version}.db", "SELECT value FROM hub_meta WHERE key = 'schema_version'", version)}
    (OUT / "fixtures.json").write_text(json.dumps(made, indent=2) + "\n", encoding="utf-8")
    for name, facts in made.items():
        print(f"{name}: {facts}")
    shutil.rmtree(OUT / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
