"""The course at the hub (issue #16, docs/COURSE.md): three real rooms play a session each for one patient (and one
for another patient), their pushers sync them to a real hub on loopback, and the course endpoints answer from the
synced logs — paged, with the access policy and the read log. SQLite and PostgreSQL (hub_url)."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess

import httpx
import pytest

from roomcontrol.cli.main import main as cli_main
from roomcontrol.domain.course import build_course
from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.records.course import course_bundle, fetch_course
from roomcontrol.records.errors import RecordError
from roomcontrol.records.fhir import validate_bundle
from roomcontrol.sync.hub import course_store
from roomcontrol.sync.hub.__main__ import main as hub_main
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.store import add_reader, add_room, read_events, read_vitals
from tests.store.test_upgrades import build_fixture
from tests.sync.course_rooms import PATIENT, play_course, sync_rooms



@pytest.fixture(scope="module")
def rooms(tmp_path_factory):
    return play_course(tmp_path_factory.mktemp("rooms"))


@pytest.fixture
def synced(hubdb, rooms):
    dirs, ids, other = rooms
    with ThreadedHub(hubdb) as hub:
        sync_rooms(hubdb, dirs, hub.url)
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
    assert course["comfort"]["light"] == 10 and course["comfort"]["note"] == "likes to hold a stone"

    # The hub's answer is the domain's fold of the same synced events: nothing the hub adds or loses.
    events, vitals = [], []
    for room_id in ("room-1", "room-2", "room-3"):
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
    assert cli_main(["hub", "course-policy", "--db", hubdb.url, "--rooms", "deny"]) == 0
    assert hub_main(["course-policy", "--db", hubdb.url]) == 0
    assert capsys.readouterr().out.splitlines() == ["rooms may not read a patient's course summary"] * 2
    assert get(hub, tokens["room"], summary).status_code == 403
    assert cli_main(["hub", "course-reads", "--db", hubdb.url, "--patient", "nobody"]) == 0
    assert capsys.readouterr().out.strip() == "no course reads"


def test_a_hub_database_from_before_the_course_indexes_the_sessions_it_holds(tmp_path):
    """Schema 3 → 4: the sessions already synced are found by patient reference after the upgrade."""
    path = tmp_path / "hub.db"
    build_fixture("hub-v3", path)
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


def test_the_course_exports_fhir_csv_and_pdf_from_the_hub(synced, tmp_path, capsys):
    """`roomcontrol course` reads the course from the hub with a reader token: the FHIR Bundle holds each session's
    resources as its own bundle does, with the PHQ-9 / GAD-7 totals over the course as LOINC Observations."""
    hub, tokens, ids, other = synced
    export = fetch_course(hub.url, tokens["reader"], PATIENT)
    assert [r.session_id for r in export.records] == ids and export.open_sessions == []
    bundle = course_bundle(export)
    validate_bundle(bundle)
    assert bundle["type"] == "transaction" and course_bundle(export) == bundle  # the same course, the same JSON
    resources = [e["resource"] for e in bundle["entry"]]
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])
    assert sum(r["resourceType"] == "Procedure" for r in resources) == 3
    totals = {code: [r["valueInteger"] for r in resources if r["resourceType"] == "Observation"
                     and r["code"]["coding"][0]["code"] == code] for code in ("44261-6", "70274-6")}
    assert totals == {"44261-6": [20, 14, 9], "70274-6": [15, 12, 8]}
    assert all(r["subject"]["identifier"]["value"] == PATIENT for r in resources)
    with pytest.raises(RecordError, match="answered 403 .*reads only the course summary"):
        fetch_course(hub.url, tokens["room"], PATIENT)
    with pytest.raises(RecordError, match="answered 404"):
        fetch_course(hub.url, tokens["reader"], "PT-404")

    pdf, fhir, out = tmp_path / "course.pdf", tmp_path / "course.json", tmp_path / "csv"
    assert cli_main(["course", PATIENT, "--hub", hub.url, "--token", tokens["reader"], "--pdf", str(pdf),
                     "--fhir", str(fhir), "--csv", str(out), "--clinic", "Lakeside Ketamine Clinic"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert json.loads(fhir.read_text(encoding="utf-8"))["entry"] == bundle["entry"]
    sessions = list(csv.DictReader((out / "course-PT-1042-sessions.csv").open(encoding="utf-8")))
    assert [r["session_id"] for r in sessions] == ids and sessions[0]["spo2_min"] == "84.0"
    assert sessions[0]["medications"] == "ondansetron 4 mg IV" and sessions[0]["pauses"] == "1"
    scores = list(csv.DictReader((out / "course-PT-1042-scores.csv").open(encoding="utf-8")))
    assert [(r["scale"], r["score"], r["change_from_first_pct"]) for r in scores] == [
        ("PHQ-9", "20", "0.0"), ("PHQ-9", "14", "-30.0"), ("PHQ-9", "9", "-55.0"),
        ("GAD-7", "15", "0.0"), ("GAD-7", "12", "-20.0"), ("GAD-7", "8", "-46.7")]
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for shown in ("Course record", PATIENT, "20 → 9 (-55 %) — RESPONSE", "FLAGGED: 1 on 5 Mar 2026",
                  "PHQ-9 AND GAD-7 OVER THE COURSE", "KETAMINE PER SESSION", "room-3", "ondansetron",
                  "silence", "warm at 10 % (2700 K)", "“likes to hold a stone”"):
        assert shown in text, shown
    assert "colour temp k" not in text and "prefers silence" not in text  # the plan in words, not its keys
    assert cli_main(["course", PATIENT, "--hub", hub.url, "--token", tokens["reader"]]) != 0  # nothing to write
