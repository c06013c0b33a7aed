"""`roomcontrol demo clinic`: a whole clinic on one machine — the hub, a demo nurse, N simulated rooms with the
live channel to the station — so the station page can be tried (and tested, and photographed) in one command.

Everything is real: the hub is the real FastAPI hub on loopback over SQLite in a temporary folder (or the database
given), each room is a headless room runtime with simulated devices, its own token and its own event log, pushing
its log and keeping its live channel open exactly as a room PC does. Nothing is faked for the page.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roomcontrol.cli.common import CliError, stop_on_signals

DEMO_NURSE_ID, DEMO_NURSE_NAME = "ann", "Ann Lee"
ALARMS_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "alarms-session.toml"
ALARMS_SPEED = 10.0  # the alarms scenario's desaturation comes 6 scenario-minutes in: 36 s at this speed
STEP_TIMEOUT_S = 10.0
# What the demo rooms are doing: infusing, getting ready, infusing... (patients as the clinic would type them).
PATIENTS = ("Jane Doe", "Oscar Diaz", "Mia Chen", "Ravi Patel", "Lena Berg", "Tom Hughes", "Ana Silva",
            "Ken Ito", "Eva Novak", "Sam Cole")


@dataclass
class DemoRoom:
    room_id: str
    name: str
    token: str
    data_dir: Path
    runtime: Any = None  # roomcontrol.engine.runtime.RoomRuntime once started

    def close(self) -> None:
        if self.runtime is not None:
            runtime, self.runtime = self.runtime, None
            runtime.close()


@dataclass
class Clinic:
    """A hub and its rooms on loopback. `start()` then `close()` (or use it as a context manager).

    `db_url`: the hub's database (default: SQLite in the clinic's folder; a postgresql:// URL works as for
    `hub serve`). `room_options`: extra room.toml tables merged into every room's configuration (tests shorten
    alarm delays with it). `alarms_room`: play scenarios/alarms-session.toml in the last room."""
    rooms: int = 3
    port: int = 0
    host: str = "127.0.0.1"
    folder: Path | None = None
    db_url: str | None = None
    alarms_room: bool = True
    sessions: bool = True
    room_options: dict[str, Any] = field(default_factory=dict)
    hub_live: dict[str, Any] = field(default_factory=dict)
    nurse_pin: str = field(default_factory=lambda: f"{secrets.randbelow(10 ** 6):06d}")
    room_list: list[DemoRoom] = field(default_factory=list)
    hub: Any = None
    _own_folder: bool = False
    _scenario_stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return self.hub.url

    @property
    def station_url(self) -> str:
        return f"{self.hub.url}/station"

    def start(self) -> "Clinic":
        from roomcontrol.sync.hub.db import HubDB
        from roomcontrol.sync.hub.server import ThreadedHub
        from roomcontrol.sync.hub.staff import add_staff
        from roomcontrol.sync.hub.store import add_room

        if not 1 <= self.rooms <= 40:
            raise CliError(f"--rooms {self.rooms}: from 1 to 40")
        if self.folder is None:
            self.folder, self._own_folder = Path(tempfile.mkdtemp(prefix="roomcontrol-clinic-")), True
        db = HubDB(self.db_url or str(self.folder / "hub.db"))
        try:
            add_staff(db, DEMO_NURSE_ID, DEMO_NURSE_NAME, "nurse", self.nurse_pin)
            for i in range(1, self.rooms + 1):
                room_id = f"room-{i}"
                self.room_list.append(DemoRoom(room_id, f"Room {i}", add_room(db, room_id),
                                               self.folder / room_id))
            self.hub = ThreadedHub(db, self.host, self.port, live=self.hub_live or None).start()
            for i, room in enumerate(self.room_list):
                self.start_room(room, alarms=self.alarms_room and i == len(self.room_list) - 1, index=i)
        except BaseException:
            self.close()
            raise
        return self

    def config_of(self, room: DemoRoom):
        from roomcontrol.config.room import parse_config
        raw: dict[str, Any] = {
            "room": {"id": room.room_id, "name": room.name, "clinic": "Demo clinic"},
            "sync": {"enabled": True, "hub_url": self.hub.url, "token": room.token, "interval_s": 2},
            "station": {"enabled": True, "show_patient": "initials"},
        }
        for table, values in self.room_options.items():
            raw[table] = {**raw.get(table, {}), **values}
        errors: list[str] = []
        config = parse_config(raw, errors, source=f"demo clinic ({room.room_id})")
        if errors:
            raise CliError("; ".join(errors))
        return config.simulated()

    def start_room(self, room: DemoRoom, *, alarms: bool = False, index: int = 0) -> DemoRoom:
        """Start (or start again) one room's runtime: simulated devices, sync and the live channel to the hub."""
        from roomcontrol.cli.run import SCENARIO_STEPS, _clock, _for_speed, _simulate
        from roomcontrol.engine.runtime import start_room
        from roomcontrol.engine.scenario import load_scenario
        from roomcontrol.engine.scenario_thread import start_scenario

        config = self.config_of(room)
        if alarms and not ALARMS_SCENARIO.is_file():  # an installed package without the repository's scenarios/
            print(f"no {ALARMS_SCENARIO}: {room.room_id} desaturates in 40 s instead", file=sys.stderr)
            self.start_room(room, index=0)
            room.runtime.devices.vitals.add_event("desaturation", 180, start_in_s=40, magnitude=1.5)
            return room
        if alarms:
            scenario = load_scenario(ALARMS_SCENARIO, extra_steps=SCENARIO_STEPS)
            clock = _clock(ALARMS_SPEED)
            runtime = start_room(_for_speed(config, ALARMS_SPEED), room.data_dir, clock=clock, audio=False)
            room.runtime = runtime
            start_scenario(runtime, scenario, clock, stop=self._scenario_stop,
                           handlers={"simulate": lambda step: _simulate(runtime.devices, step)})
            return room
        room.runtime = runtime = start_room(config, room.data_dir, audio=False)
        # The demo nurse works at the bedside as scripted (no one signs in at a headless room's screen).
        if runtime.gate is not None:
            runtime.gate.scripted = frozenset({DEMO_NURSE_ID})
        if self.sessions and runtime.room.state.phase == "idle":
            _begin_session(runtime.room, PATIENTS[index % len(PATIENTS)], index, infuse=index % 2 == 0)
        return room

    def room(self, room_id: str) -> DemoRoom:
        return next(r for r in self.room_list if r.room_id == room_id)

    def close(self) -> None:
        self._scenario_stop.set()
        for room in self.room_list:
            try:
                room.close()
            except Exception as exc:  # one room's trouble must not keep the others (or the hub) running
                print(f"closing {room.room_id}: {exc}", file=sys.stderr)
        if self.hub is not None:
            self.hub.stop()
            self.hub = None
        if self._own_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Clinic":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def _begin_session(room, patient: str, index: int, *, infuse: bool) -> None:
    """Check a demo patient in (and start the infusion), as the demo nurse, through the engine's commands."""
    def do(name: str, **args) -> None:
        room.submit(name, DEMO_NURSE_ID, **args).result(timeout=STEP_TIMEOUT_S)

    do("open_session", patient_ref=patient, course_no=1 + index % 6, weight_kg=60 + 4 * index,
       dose_mg_per_kg=0.5, planned_infusion_min=40)
    do("confirm_checklist", item="consent")
    do("confirm_checklist", item="npo", hours_since_solids=8, hours_since_clear_fluids=3)
    if not infuse:
        return
    do("confirm_checklist", item="escort")
    do("confirm_checklist", item="pregnancy_screen", result="negative")
    do("confirm_checklist", item="iv_access")
    do("record_baseline", heart_rate=74, spo2=98, nibp_systolic=124, nibp_diastolic=78)
    do("start_infusion")


def clinic(args) -> int:
    """`roomcontrol demo clinic`: run until Ctrl-C, then close the rooms (their last push) and the hub."""
    stop = stop_on_signals()
    folder = Path(args.data_dir) if args.data_dir else None
    c = Clinic(rooms=args.rooms, port=args.port, folder=folder, db_url=args.db, alarms_room=not args.quiet)
    print(f"starting a hub and {args.rooms} simulated rooms…", file=sys.stderr, flush=True)
    c.start()
    try:
        print(f"hub:      {c.url} (database {c.hub.db.describe()})")  # never a password
        print(f"rooms:    {', '.join(r.room_id for r in c.room_list)}"
              + ("" if args.quiet else f" ({c.room_list[-1].room_id} plays the alarms scenario at "
                                        f"{ALARMS_SPEED:g}x: a desaturation in about 40 s)"))
        print(f"nurse:    staff id {DEMO_NURSE_ID!r}, PIN {c.nurse_pin}  ({DEMO_NURSE_NAME})")
        print(f"station:  {c.station_url}")
        print("Ctrl-C stops everything.", flush=True)
        stop.wait()
    finally:
        print("stopping the rooms and the hub…", file=sys.stderr, flush=True)
        c.close()
    return 0


def run(args) -> int:
    if args.demo_command == "clinic":
        return clinic(args)
    raise CliError(f"unknown demo {args.demo_command!r}")
