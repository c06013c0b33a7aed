"""The engine: replay after restart, threaded inbox, listeners, snapshots and the scripted scenario."""

from pathlib import Path

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig, load_config
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.room import Room
from roomcontrol.engine.scenario import ScenarioError, load_scenario, play
from tests.records.session_factory import FeedingClock
from roomcontrol.store.eventlog import verify_chain
from tests.core.helpers import NURSE, make_room, walk_to

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "standard-session.toml"


@pytest.mark.parametrize("phase", ["pre_infusion", "infusing", "paused", "recovery", "discharged"])
def test_restart_resumes_the_open_session_in_its_phase_with_its_timers(tmp_path, phase):
    clock = FakeClock()
    room = make_room(tmp_path, clock=clock)
    walk_to(room, phase)
    clock.advance(90)
    before = room.snapshot()
    room.close()
    again = Room(RoomConfig(), tmp_path, clock)
    after = again.snapshot()
    assert again.state.session == room.state.session  # the same fold, from disk
    assert after.phase == phase
    assert after.infusion_elapsed_s == before.infusion_elapsed_s
    assert after.recovery_elapsed_s == before.recovery_elapsed_s
    assert after.last_seq == before.last_seq + 1        # + room.started
    assert verify_chain(again.db).ok
    again.close()


def test_time_passes_while_the_app_is_down(tmp_path):
    """Killed mid-infusion for 5 minutes: the infusion kept running at the pump, so its timer did too."""
    clock = FakeClock()
    room = make_room(tmp_path, clock=clock)
    walk_to(room, "infusing")
    clock.advance(600)
    room.close()
    clock.advance(300)
    again = Room(RoomConfig(), tmp_path, clock)
    assert again.snapshot().infusion_elapsed_s == 900
    again.close()


def test_threaded_engine_serialises_commands_from_many_threads(tmp_path):
    import threading
    room = make_room(tmp_path).start(partial=True)
    seen = []
    room.subscribe(on_event=seen.append)
    room.command("open_session", NURSE, patient_ref="PT-1", weight_kg=70)

    def notes(n):
        for i in range(25):
            room.command("add_note", f"rn.{n}", text=f"{n}-{i}")
    threads = [threading.Thread(target=notes, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    room.close()
    assert [e.seq for e in seen] == list(range(seen[0].seq, seen[0].seq + 101))
    again = make_room(tmp_path)
    assert verify_chain(again.db).checked == again.log.last_seq
    again.close()


def test_refusal_crosses_the_thread_and_the_engine_goes_on(tmp_path):
    room = make_room(tmp_path).start(partial=True)
    with pytest.raises(Refused, match="no session is open"):
        room.command("start_infusion", NURSE)
    assert room.command("add_note", NURSE, text="still here")[0].kind == "note.added"
    room.close()


def test_a_broken_listener_does_not_stop_the_room(tmp_path):
    room = make_room(tmp_path)
    room.subscribe(on_event=lambda e: 1 / 0)
    room.command("open_session", NURSE, patient_ref="PT-1", weight_kg=70)
    assert room.state.phase == "pre_infusion"
    room.close()


def test_ticks_publish_snapshots(tmp_path):
    room = make_room(tmp_path)
    snaps = []
    room.subscribe(on_snapshot=snaps.append)
    walk_to(room, "infusing")
    room.clock.advance(60)
    room.tick()
    assert snaps[-1].phase == "infusing" and snaps[-1].infusion_remaining_s == 39 * 60
    room.close()


def test_standard_scenario_plays_through_every_phase(tmp_path):
    clock = FeedingClock()  # a monitor's readings every 10 s and a BP every 5 min: the scenario charts them
    room = make_room(tmp_path, load_config(None), clock=clock)  # the default room: its protocol's checks answered
    clock.room = room
    kinds = []
    room.subscribe(on_event=lambda e: kinds.append(e.kind))
    play(load_scenario(SCENARIO), room, clock)
    assert room.state.phase == "discharged"
    assert kinds.count("responsiveness.asked") == kinds.count("responsiveness.answered") == 3
    s = room.state.session
    assert s.infused_s == 40 * 60 and len(s.pauses) == 1 and s.scores["PADSS"] == 10
    assert kinds.count("checklist.confirmed") == 5
    # the protocol's rules met by real steps: MOAA/S charted, the scheduled BPs validated, no admin override
    assert s.scores["MOAA/S"] == 5 and kinds.count("vitals.validated") == 4
    assert "discharge.rule_overridden" not in kinds
    for kind in ("symptom.noted", "medication.given", "infusion.paused", "infusion.resumed",
                 "infusion.completed", "recovery.started", "session.discharged"):
        assert kind in kinds
    room.close()


def test_a_refused_step_names_itself(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[step]]\nat = "00:10"\ndo = "start_infusion"\n')
    room = make_room(tmp_path)
    with pytest.raises(ScenarioError, match=r"step 1 \(start_infusion at 00:10\) was refused: no session is open"):
        play(load_scenario(bad), room, room.clock)
    room.close()


@pytest.mark.parametrize("text,match", [
    ('[[step]]\ndo = "fly"\n', "not a command"),
    ('[[step]]\nat = "ten"\ndo = "add_note"\n', "must be seconds, mm:ss"),
    ('[[step]]\nat = "02:00"\ndo = "add_note"\n[[step]]\nat = "01:00"\ndo = "add_note"\n', "earlier than"),
    ('name = "x"\n', "no \\[\\[step\\]\\]"),
    ('[[step\n', "not valid TOML"),
])
def test_bad_scenarios_are_refused_with_the_step(tmp_path, text, match):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


def test_a_full_disk_is_shown_and_the_room_goes_on(tmp_path):
    """SQLite's max_page_count makes the database full exactly as a full disk does."""
    from roomcontrol.store.errors import DiskFull
    from roomcontrol.store.vitals import VitalRow
    room = make_room(tmp_path)
    walk_to(room, "infusing")
    pages = room.db.execute("PRAGMA page_count").fetchone()[0]
    room.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull):
        for n in range(200):
            room.command("add_note", NURSE, text="x" * 2000)
    snap = room.snapshot()
    assert "full" in snap.storage_error and snap.phase == "infusing"
    for _ in range(50):  # vitals keep arriving: kept in memory, not lost, no crash
        room.add_vital(VitalRow("heart_rate", 70.0, "/min", room.clock.now()))
        room.clock.advance(1)
    room.tick()
    assert room.snapshot().storage_error
    room.db.execute("PRAGMA max_page_count = 1000000")  # space again
    room.command("add_note", NURSE, text="disk cleaned up")
    room.tick()
    assert room.snapshot().storage_error is None and room.vitals.pending == 0
    from roomcontrol.store.vitals import read_vitals
    assert len(list(read_vitals(room.db, kind="heart_rate"))) == 50  # every reading stored in the end
    room.close()


def test_the_room_starts_and_resumes_on_a_full_disk(tmp_path):
    """Fill the database to a disk with no room left (valid events, ever smaller), then start the room again."""
    from roomcontrol.domain.events import NewEvent
    from roomcontrol.store.errors import DiskFull
    room = make_room(tmp_path)
    walk_to(room, "infusing")
    pages = room.db.execute("PRAGMA page_count").fetchone()[0]
    room.db.execute(f"PRAGMA max_page_count = {pages}")
    sid = room.state.session.session_id
    for size in (2000, 500, 100, 10):
        try:
            while True:
                room.log.append(NewEvent("note.added", {"text": "x" * size}, NURSE, sid), room.clock.now())
        except DiskFull:
            pass
    room.close()
    from roomcontrol.store import database
    real_connect = database.connect

    def full_connect(path, **kw):  # the page limit is per connection: the disk stays full for the new room
        db = real_connect(path, **kw)
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db
    database.connect = full_connect
    try:
        again = make_room(tmp_path, clock=room.clock)
    finally:
        database.connect = real_connect
    snap = again.snapshot()
    assert snap.phase == "infusing" and snap.storage_error and "full" in snap.storage_error
    again.close()
