"""`roomcontrol hub cs-log`: two real rooms record draws and witnessed wastes, sync to a real hub on loopback
(SQLite, and PostgreSQL when ROOMCONTROL_TEST_PG_URL is set), and the command writes one CSV row per drawn
session of the days asked for, an unreconciled (aborted) one included with its status."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest

from roomcontrol.cli.main import main
from roomcontrol.cli.staff import add_staff
from roomcontrol.clock import FakeClock
from roomcontrol.config.room import RoomConfig, SyncConfig
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.room import Room
from roomcontrol.engine.staff import StaffGate
from roomcontrol.sync import cli_support
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.store import add_room
from tests.core.helpers import OPEN_ARGS, PADSS_10, confirm_checks
from tests.sync.helpers import free_port

ADA, BO = ("rn.ada", "2468"), ("rn.bo", "1357")


def _room(folder, room_id: str, start: datetime) -> Room:
    for (who, pin), name in zip((ADA, BO), ("Ada Lee", "Bo Chen")):
        add_staff(folder, who, name, "nurse", pin)
    room = Room(RoomConfig(room_id=room_id), folder, FakeClock(start))
    StaffGate(room)
    ControlledRecord(room)
    room.command("unlock", ADA[0], staff_id=ADA[0], pin=ADA[1])
    return room


def _session(room: Room, patient: str, lot: str, waste_ml: float | None, explanation: str | None = None) -> None:
    c, clock = room.command, room.clock
    c("open_session", ADA[0], **{**OPEN_ARGS, "patient_ref": patient})
    c("record_draw", ADA[0], mg_per_ml=10, ml=5, lot=lot, expiry="2030-06")
    if waste_ml is None:
        c("abort_session", ADA[0], reason="patient declined")
        return
    confirm_checks(room, ADA[0])
    c("start_infusion", ADA[0])
    clock.advance(40 * 60)
    c("complete_infusion", ADA[0])
    c("record_waste", ADA[0], ml=waste_ml, pin=ADA[1], witness=BO[0], witness_pin=BO[1], explanation=explanation)
    clock.advance(30 * 60)
    c("record_assessment", ADA[0], scale="PADSS", items=PADSS_10)
    c("discharge", ADA[0], escort_confirmed=True)


def test_cs_log_over_two_rooms_from_the_synced_events(hubdb, hub_url, tmp_path, capsys):
    utc = timezone.utc
    one = _room(tmp_path / "r1", "room-1", datetime(2026, 1, 5, 9, 0, tzinfo=utc))
    _session(one, "PT-1", "KT1", 1.0)
    one.clock.advance(15 * 24 * 3600)  # 20 January: outside the days asked for
    _session(one, "PT-9", "KT9", 1.0)
    two = _room(tmp_path / "r2", "room-2", datetime(2026, 1, 6, 10, 0, tzinfo=utc))
    _session(two, "PT-2", "KT2", 0.6, explanation="0.4 mL lost priming the line")
    _session(two, "PT-3", "KT3", None)
    port = free_port()
    with ThreadedHub(hubdb, port=port):
        for room in (one, two):
            token = add_room(hubdb, room.config.room_id)
            config = RoomConfig(room_id=room.config.room_id, sync=SyncConfig(
                enabled=True, hub_url=f"http://127.0.0.1:{port}", token=token))
            assert cli_support.sync_now(room.db_path, config)["ok"]
            room.close()

    out = tmp_path / "cs.csv"
    assert main(["hub", "cs-log", "--db", hub_url, "--from", "2026-01-05", "--to", "2026-01-06",
                 "--out", str(out)]) == 0
    assert "3 sessions written to" in capsys.readouterr().out
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    picked = [{k: r[k] for k in ("date", "room", "patient_ref", "drug", "lot", "expiry", "drawn_mg", "given_mg",
                                 "wasted_mg", "by", "witness", "discrepancy_mg", "explanation", "status")}
              for r in rows]
    assert picked == [
        {"date": "2026-01-05", "room": "room-1", "patient_ref": "PT-1", "drug": "ketamine", "lot": "KT1",
         "expiry": "2030-06-30", "drawn_mg": "50", "given_mg": "40", "wasted_mg": "10", "by": "rn.ada",
         "witness": "rn.bo", "discrepancy_mg": "0", "explanation": "", "status": "reconciled"},
        {"date": "2026-01-06", "room": "room-2", "patient_ref": "PT-2", "drug": "ketamine", "lot": "KT2",
         "expiry": "2030-06-30", "drawn_mg": "50", "given_mg": "40", "wasted_mg": "6", "by": "rn.ada",
         "witness": "rn.bo", "discrepancy_mg": "4", "explanation": "0.4 mL lost priming the line",
         "status": "reconciled"},
        {"date": "2026-01-06", "room": "room-2", "patient_ref": "PT-3", "drug": "ketamine", "lot": "KT3",
         "expiry": "2030-06-30", "drawn_mg": "50", "given_mg": "", "wasted_mg": "", "by": "rn.ada",
         "witness": "", "discrepancy_mg": "", "explanation": "", "status": "NOT RECONCILED (aborted)"},
    ]
    assert all(r["session"] for r in rows)

    assert main(["hub", "cs-log", "--db", hub_url, "--from", "2026-01-20", "--to", "2026-01-20"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("date,room,session,patient_ref,drug,lot") and len(printed) == 2
    assert ",PT-9,ketamine,KT9," in printed[1]


def test_cs_log_refuses_days_in_the_wrong_order_and_a_non_date(tmp_path, capsys):
    db = str(tmp_path / "hub.db")
    assert main(["hub", "cs-log", "--db", db, "--from", "2026-01-06", "--to", "2026-01-05"]) != 0
    assert "--to 2026-01-05 is before --from 2026-01-06" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["hub", "cs-log", "--db", db, "--from", "5 Jan", "--to", "2026-01-05"])
    assert "'5 Jan' is not a date: use YYYY-MM-DD" in capsys.readouterr().err
