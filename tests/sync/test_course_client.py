"""Check-in's course from a real hub on loopback (SQLite and PostgreSQL): the course of a patient treated in another
room, the last dose and the comfort plan, which the next room's infusion scene then applies; and the room's own
log when the hub is down, too slow, refused or not trusted (TLS), with the notice saying so."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.domain.comfort import fitted, read_plan
from roomcontrol.engine.comfort_scene import room_playlists
from roomcontrol.store import database
from roomcontrol.sync.course_client import FROM_HUB, FROM_ROOM, NO_HUB, OFFLINE, CourseClient
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.course_store import set_rooms_may_read
from roomcontrol.sync.hub.store import add_room
from tests.core.helpers import CHECKLIST, NURSE, make_room
from tests.core.helpers import ambient_devices
from tests.sync.comfort_rooms import PATIENT, PLAN, earlier_session, phq9, push, room_config
from tests.sync.helpers import free_port


def test_check_in_in_another_room_sees_the_course_and_the_infusion_scene_takes_the_plan(hubdb, tmp_path):
    earlier_session(tmp_path / "r1", "room-1")
    with ThreadedHub(hubdb) as hub:
        push(tmp_path / "r1", "room-1", hub.url, add_room(hubdb, "room-1"))
        config = room_config("room-2", hub_url=hub.url, token=add_room(hubdb, "room-2"))
        client = CourseClient.from_config(database.db_path(tmp_path / "r2"), config)
        answer = client.lookup(PATIENT)
        unknown = client.lookup("PT-404")
    assert (answer.source, answer.notice) == (FROM_HUB, "")
    s = answer.summary
    assert s["infusions"] == 1 and s["last"]["room_id"] == "room-1" and s["last"]["mg_per_kg"] == 0.6
    assert any("ondansetron" in line for line in s["last"]["notable"])
    assert [p["score"] for p in s["phq9"]] == [18] and s["item9_flag"] is True
    assert s["comfort"] == PLAN.to_dict()
    assert (unknown.source, unknown.summary["infusions"], unknown.summary["last"]) == (FROM_HUB, 0, None)

    # room-2: the nurse takes the last dose, the plan from the course is loaded, the infusion scene applies it
    room = make_room(tmp_path / "r2", config)
    devices = ambient_devices(room, config)
    try:
        room.command("open_session", NURSE, patient_ref=PATIENT, weight_kg=80, course_no=s["infusions"] + 1,
                     dose_mg_per_kg=s["last"]["mg_per_kg"], planned_infusion_min=40)
        plan = fitted(read_plan(s["comfort"]), room_playlists()).to_dict()
        room.command("set_comfort_plan", NURSE, plan=plan, source="course")
        for item, extra in CHECKLIST:
            room.command("confirm_checklist", NURSE, item=item, **extra)
        room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
        room.command("start_infusion", NURSE)
        assert devices.status()["light_percent"] == 10  # the plan's, not the infusion scene's 12 %
        scene = list(room.log.events(kinds=["ambient.scene_applied"]))[-1].payload
        assert (scene["scene"], scene["light_percent"], scene["track"], scene["comfort"]) == \
            ("infusion", 10.0, "02_ocean.ogg", True)
        loaded = list(room.log.events(kinds=["comfort.plan_set"]))[-1]
        assert (loaded.actor, loaded.payload["source"]) == (NURSE, "course")
    finally:
        devices.close()
        room.close()


def _own_log_answer(answer, started: float) -> None:
    assert answer.source == FROM_ROOM and answer.notice == OFFLINE
    assert time.monotonic() - started < 5  # 1.5 s for the hub, then the room's own log
    s = answer.summary
    assert s["infusions"] == 1 and s["last"]["room_id"] == "room-2" and s["comfort"] == PLAN.to_dict()
    assert [p["score"] for p in s["phq9"]] == [8, 4]  # this room's own PHQ-9s of the patient, oldest first


def test_hub_down_or_too_slow_the_rooms_own_sessions_with_a_notice(tmp_path):
    clock = FakeClock()
    earlier_session(tmp_path, "room-2", phq9_items=phq9(1), clock=clock)
    clock.advance(7 * 24 * 3600)
    room = make_room(tmp_path, room_config("room-2"), clock)  # a week on: a second PHQ-9, in an open session
    room.command("open_session", NURSE, patient_ref=PATIENT, weight_kg=80)
    room.command("record_assessment", "patient", scale="PHQ-9", items=phq9(0, q9=0) | {"q1": 2, "q2": 2})
    room.close()
    down = CourseClient(database.db_path(tmp_path), f"http://127.0.0.1:{free_port()}", "rct_x")
    started = time.monotonic()
    answer = down.lookup(PATIENT)
    _own_log_answer(answer, started)
    assert "ConnectError" in answer.detail
    with socket.socket() as silent:  # accepts the connection, never answers: the 1.5 s timeout decides
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        slow = CourseClient(database.db_path(tmp_path), f"http://127.0.0.1:{silent.getsockname()[1]}", "rct_x")
        started = time.monotonic()
        answer = slow.lookup(PATIENT)
        assert time.monotonic() - started >= 1.4
        _own_log_answer(answer, started)
        assert "Timeout" in answer.detail
    none = CourseClient(database.db_path(tmp_path)).lookup(PATIENT)
    assert none.notice == NO_HUB and none.summary["infusions"] == 1
    first = CourseClient(database.db_path(tmp_path / "empty")).lookup(PATIENT)  # no log yet: nothing known
    assert first.summary["infusions"] == 0 and first.summary["last"] is None


def test_refused_by_the_hubs_policy_a_wrong_token_or_not_a_course_fall_back_too(hubdb, tmp_path):
    earlier_session(tmp_path, "room-2")
    token = add_room(hubdb, "room-2")
    with ThreadedHub(hubdb) as hub:
        wrong = CourseClient(database.db_path(tmp_path), hub.url, "rct_not_a_token").lookup(PATIENT)
        assert wrong.source == FROM_ROOM and wrong.notice.startswith("The hub refused the course")
        assert wrong.summary["infusions"] == 1
        set_rooms_may_read(hubdb, False)  # the clinic's hub keeps courses from the rooms
        denied = CourseClient(database.db_path(tmp_path), hub.url, token).lookup(PATIENT)
        assert denied.source == FROM_ROOM and denied.summary["infusions"] == 1
        assert denied.notice == ("The hub refused the course (this hub's policy does not let rooms read courses "
                                 "(course-policy --rooms allow)) — showing this room's own sessions")
        set_rooms_may_read(hubdb, True)
        # a server that is not the hub (its 404 has no course in it)
        other = CourseClient(database.db_path(tmp_path), hub.url + "/nowhere", token)
        answer = other.lookup(PATIENT)
        assert (answer.source, answer.notice) == (FROM_ROOM, OFFLINE)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_pushers_tls_trust_untrusted_is_offline(hubdb, tmp_path):
    cert, key = tmp_path / "hub.crt", tmp_path / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hub",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    earlier_session(tmp_path / "r1", "room-1")
    with ThreadedHub(hubdb, certfile=cert, keyfile=key) as hub:
        push_token = add_room(hubdb, "room-1")
        from roomcontrol.sync.pusher import SyncPusher
        pusher = SyncPusher(database.db_path(tmp_path / "r1"), "room-1", hub.url, push_token, verify=str(cert))
        assert pusher.sync_now().ok
        pusher.stop()
        token = add_room(hubdb, "room-2")
        untrusted = CourseClient(database.db_path(tmp_path / "r2"), hub.url, token).lookup(PATIENT)
        trusted = CourseClient(database.db_path(tmp_path / "r2"), hub.url, token, verify=str(cert)).lookup(PATIENT)
    assert untrusted.source == FROM_ROOM and "CERTIFICATE" in untrusted.detail.upper()
    assert trusted.source == FROM_HUB and trusted.summary["infusions"] == 1
