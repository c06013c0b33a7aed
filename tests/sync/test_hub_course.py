"""The course at the hub (issue #16, docs/COURSE.md): three real rooms play a session each for one patient (and one
for another patient), their pushers sync them to a real hub on loopback, and the course endpoints answer from the
synced logs — paged, with the access policy and the read log. SQLite and PostgreSQL (hub_url)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.domain.course import COMFORT_PLAN_SAVED, build_course
from roomcontrol.domain.events import NewEvent
from roomcontrol.engine.room import Room
from roomcontrol.engine.scenario import load_scenario, play
from roomcontrol.store import database
from roomcontrol.store.eventlog import EventLog
from roomcontrol.sync.hub import course_store
from roomcontrol.sync.hub.__main__ import main as hub_main
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.store import add_reader, add_room, read_events, read_vitals
from roomcontrol.sync.pusher import SyncPusher
from tests.records.session_factory import STANDARD, FeedingClock

PATIENT = "PT-1042"
DAY0 = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
PHQ_LINE = 'args = { scale = "PHQ-9", items = { q1 = 2, q2 = 2, q3 = 1, q4 = 2, q5 = 1, q6 = 1, q7 = 1, q8 = 0, q9 = 0 } }'
GAD_STEP = '\n\n[[step]]\nat = "02:10"\ndo = "record_assessment"\nactor = "patient"\nargs = {{ scale = "GAD-7", items = {{ {} }} }}'
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"


def _items(n: int, total: int, q9: int = 0) -> str:
    """n items summing to `total` (item 9 of PHQ-9 set apart), each 0..3."""
    values = [0] * n
    left = total - q9
    for i in range(n - (1 if q9 or n == 9 else 0)):
        values[i] = min(3, left)
        left -= values[i]
    if n == 9:
        values[8] = q9
    return ", ".join(f"q{i + 1} = {v}" for i, v in enumerate(values))


def play_session(data_dir: Path, room_id: str, start: datetime, phq: int, gad: int, *, q9: int = 0,
                 patient: str = PATIENT, tmp: Path) -> str:
    """The standard scenario (nausea, a pause, SpO2 dip) in a real room fed monitor readings, with this PHQ-9 and
    GAD-7 at check-in. Returns the session id."""
    text = STANDARD.read_text(encoding="utf-8").replace(PATIENT, patient)
    text = text.replace(PHQ_LINE, f'args = {{ scale = "PHQ-9", items = {{ {_items(9, phq, q9)} }} }}'
                        + GAD_STEP.format(_items(7, gad)))
    scenario = tmp / f"{room_id}-{start:%d%H}.toml"
    scenario.write_text(text, encoding="utf-8")
    clock = FeedingClock(start)
    room = Room(RoomConfig(room_id=room_id, room_name=room_id), data_dir, clock)
    clock.room = room
    try:
        clock.sleep(60)
        play(load_scenario(scenario), room, clock)
        clock.sleep(30)
        return room.state.session.session_id
    finally:
        room.close()


@pytest.fixture(scope="module")
def rooms(tmp_path_factory):
    """Three rooms' logs: PT-1042 on day 0 (room-1), day 3 (room-2), day 7 (room-3); PT-9 on day 4 (room-2); and
    the comfort plan saved at the room-2 discharge, as the comfort part logs it."""
    tmp = tmp_path_factory.mktemp("rooms")
    dirs = {r: tmp / r for r in ("room-1", "room-2", "room-3")}
    ids = [play_session(dirs["room-1"], "room-1", DAY0, 20, 15, tmp=tmp),
           play_session(dirs["room-2"], "room-2", DAY0 + timedelta(days=3), 14, 12, q9=1, tmp=tmp),
           play_session(dirs["room-3"], "room-3", DAY0 + timedelta(days=7), 9, 8, tmp=tmp)]
    other = play_session(dirs["room-2"], "room-2", DAY0 + timedelta(days=4), 5, 4, patient="PT-9", tmp=tmp)
    db = database.connect(database.db_path(dirs["room-2"]))
    EventLog(db, "room-2").append_many([NewEvent(COMFORT_PLAN_SAVED, {"plan": {"light": 10, "prefers_silence": True}},
                                                 "rn.ada", ids[1])], DAY0 + timedelta(days=3, hours=2))
    db.conn.close()
    return dirs, ids, other


def _sync(hubdb: HubDB, dirs: dict[str, Path], hub_url: str) -> None:
    for room_id, data_dir in dirs.items():
        pusher = SyncPusher(database.db_path(data_dir), room_id, hub_url, add_room(hubdb, room_id), batch_size=200)
        result = pusher.sync_now()
        pusher.stop()
        assert result.ok, result


@pytest.fixture
def synced(hubdb, rooms):
    dirs, ids, other = rooms
    with ThreadedHub(hubdb) as hub:
        _sync(hubdb, dirs, hub.url)
        tokens = {"reader": add_reader(hubdb, "chart"), "room": add_room(hubdb, "room-4")}
        yield hub, tokens, ids, other


def get(hub, token: str | None, path: str, **params) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(hub.url + path, headers=headers, params=params, timeout=30)


def test_a_course_across_three_rooms_from_their_synced_logs(synced, hubdb):
    hub, tokens, ids, _other = synced
    r = get(hub, tokens["reader"], f"/api/v1/patients/{PATIENT}/course")
    assert r.status_code == 200, r.text
    course = r.json()
    assert course["total"] == course["infusions"] == 3 and course["next_cursor"] is None
    assert [s["session_id"] for s in course["sessions"]] == ids
    assert [s["room_id"] for s in course["sessions"]] == ["room-1", "room-2", "room-3"]
    first = course["sessions"][0]
    assert first["date"] == "2026-03-02" and first["outcome"] == "discharged"
    assert first["weight_kg"] == 72.5 and first["planned_mg"] == 36.25 and first["given_mg"] == 36.2
    assert len(first["pauses"]) == 1 and first["infused_s"] == 2400.0
    assert first["spo2_min"] == 84.0 and first["peaks"]["sys"] >= 140 and first["baseline"]["sys"] == 124.0
    assert first["cadss_peak"] == 9 and first["alarms"]["total"] >= 1
    assert [m["drug"] for m in first["medications"]] == ["ondansetron"]
    assert "SpO₂ low 84 %" in first["notable"]
    assert [p["score"] for p in course["phq9"]] == [20, 14, 9] and [p["item9"] for p in course["phq9"]] == [0, 1, 0]
    assert [p["score"] for p in course["gad7"]] == [15, 12, 8]
    assert course["response"]["phq9"] == {"first": 20, "latest": 9, "change_pct": -55.0, "response": True}
    assert course["response"]["gad7"] == {"first": 15, "latest": 8, "change_pct": -46.7, "response": False}
    assert course["item9_flag"] is True
    assert course["comfort"] == {"light": 10, "prefers_silence": True}

    # The hub's answer is the domain's fold of the same synced events: nothing the hub adds or loses.
    events, vitals = [], []
    for room_id in ("room-1", "room-2", "room-3"):
        from roomcontrol.domain.events import Event
        from roomcontrol.domain.timefmt import parse_iso
        events += [Event(e["seq"], e["id"], e["room_id"], e["session_id"], parse_iso(e["ts"]), e["kind"], e["actor"],
                         e["payload"]) for e in read_events(hubdb, room_id, limit=10 ** 6)]
        vitals += [{**v, "room_id": room_id} for v in read_vitals(hubdb, room_id, limit=10 ** 6)]
    direct = build_course(PATIENT, events, vitals).to_json()
    assert direct["sessions"] == course["sessions"] and direct["phq9"] == course["phq9"]

    s = get(hub, tokens["reader"], f"/api/v1/patients/{PATIENT}/course/summary").json()
    assert s["infusions"] == 3 and s["last"] == course["sessions"][-1] and s["phq9"] == course["phq9"]
    assert s["as_of"] == course["as_of"]


def test_paging_walks_the_course_oldest_first(synced):
    hub, tokens, ids, _other = synced
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = get(hub, tokens["reader"], f"/api/v1/patients/{PATIENT}/course", **params).json()
        assert page["total"] == 3 and len(page["phq9"]) == 3  # every page: the whole course's counts and scores
        seen += [s["session_id"] for s in page["sessions"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and pages == 2
    bad = get(hub, tokens["reader"], f"/api/v1/patients/{PATIENT}/course", cursor="bm90LWEtY3Vyc29y")
    assert bad.status_code == 422 and "not one this hub gave out" in bad.json()["detail"]
    assert get(hub, tokens["reader"], f"/api/v1/patients/{PATIENT}/course", limit=0).status_code == 422


def test_an_unknown_patient_is_a_first_infusion(synced):
    hub, tokens, _ids, _other = synced
    for path in ("/api/v1/patients/PT-404/course/summary", "/api/v1/patients/PT-404/course"):
        r = get(hub, tokens["reader"], path)
        assert r.status_code == 404 and r.json()["infusions"] == 0 and r.json()["last"] is None
        assert r.json()["error"] == "not_found"
    other = get(hub, tokens["reader"], "/api/v1/patients/PT-9/course").json()
    assert other["total"] == 1 and other["phq9"][0]["score"] == 5


def test_access_rooms_read_the_summary_only_by_policy_and_every_read_is_logged(synced, hubdb, capsys):
    hub, tokens, _ids, _other = synced
    summary = f"/api/v1/patients/{PATIENT}/course/summary"
    for token in (None, "rct_not-a-token"):  # refused before any work: nothing logged, nothing read
        r = get(hub, token, summary)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert course_store.read_log(hubdb) == []

    assert get(hub, tokens["room"], summary).status_code == 200  # check-in in a room of the clinic
    full = get(hub, tokens["room"], f"/api/v1/patients/{PATIENT}/course")
    assert full.status_code == 403 and "reads only the course summary" in full.json()["detail"]
    assert get(hub, tokens["room"], "/api/v1/rooms/room-1/events").status_code == 401  # not another room's log

    course_store.set_rooms_may_read(hubdb, False)
    denied = get(hub, tokens["room"], summary)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    assert get(hub, tokens["reader"], summary).status_code == 200  # readers are not limited by it
    course_store.set_rooms_may_read(hubdb, True)
    assert get(hub, tokens["room"], "/api/v1/patients/PT-404/course/summary").status_code == 404

    log = [(r["who_kind"], r["who"], r["patient_ref"], r["what"], r["answer"])
           for r in reversed(course_store.read_log(hubdb))]
    assert log == [("room", "room-4", PATIENT, "summary", "ok"), ("room", "room-4", PATIENT, "course", "refused"),
                   ("room", "room-4", PATIENT, "summary", "refused"), ("reader", "chart", PATIENT, "summary", "ok"),
                   ("room", "room-4", "PT-404", "summary", "not_found")]
    assert [r["answer"] for r in course_store.read_log(hubdb, who="room-4", patient_ref=PATIENT)] == [
        "refused", "refused", "ok"]

    assert hub_main(["course-reads", "--db", hubdb.url, "--who", "room-4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and "PT-404" in out[0] and out[-1].split()[1:] == ["room", "room-4", PATIENT, "summary", "ok"]
    assert hub_main(["course-policy", "--db", hubdb.url, "--rooms", "deny"]) == 0
    assert hub_main(["course-policy", "--db", hubdb.url]) == 0
    assert capsys.readouterr().out.splitlines() == ["rooms may not read a patient's course summary"] * 2
    assert get(hub, tokens["room"], summary).status_code == 403
    assert hub_main(["course-reads", "--db", hubdb.url, "--patient", "nobody"]) == 0
    assert capsys.readouterr().out.strip() == "no course reads"


def test_a_hub_database_from_before_the_course_indexes_the_sessions_it_holds(tmp_path):
    """Schema 3 → 4: the sessions already synced are found by patient reference after the upgrade."""
    path = tmp_path / "hub.db"
    shutil.copy(FIXTURES / "hub-v3.db", path)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT value FROM hub_meta WHERE key = 'schema_version'").fetchone() == ("3",)
    raw.close()
    db = HubDB(path)
    try:
        course = course_store.read_summary(db, PATIENT)
        assert course is not None and course.total == 1 and course.latest.outcome == "discharged"
        assert course.latest.given_mg > 0 and [p.score for p in course.phq9] == [10]
    finally:
        db.close()
