"""Shared test helpers: a room on a fake clock, a running room with its devices, and a session walked up to a
given phase."""

from __future__ import annotations

from dataclasses import replace

from roomcontrol.cli.staff import add_staff
from roomcontrol.clock import FakeClock, SystemClock
from roomcontrol.config import RoomConfig
from roomcontrol.config.room import parse_config
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.room import Room
from roomcontrol.engine.runtime import RoomRuntime, start_room
from roomcontrol.store.errors import StoreError

NURSE, NURSE_PIN = "rn.ada", "2468"  # the PIN the ui fixtures give the same account (tests/ui/helpers.py)
WITNESS, WITNESS_PIN = "rn.wit", "1357"
# Esketamine devices as the esketamine protocol's draw_before_dose records them: 28 mg in 0.2 mL each (140 mg/mL).
DEVICE_MG_PER_ML, DEVICE_LOT, DEVICE_EXPIRY = 140, "EK2291", "2030-06"
OPEN_ARGS = dict(patient_ref="PT-7", weight_kg=80, dose_mg_per_kg=0.5, planned_infusion_min=40)
CHECKLIST = [("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
             ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})]
BASELINE = dict(heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
PADSS_10 = dict(vital_signs=2, activity=2, nausea_vomiting=2, pain=2, bleeding=2)
SHIPPED_PROTOCOLS = ("ketamine-depression", "ketamine-pain", "esketamine-nasal")


def protocols_config(protocols=SHIPPED_PROTOCOLS) -> RoomConfig:
    """A room whose [session] enables these shipped protocols (the first the default), read as room.toml is."""
    errors: list[str] = []
    config = parse_config({"session": {"protocols": list(protocols)}}, errors, source="test")
    assert not errors, errors
    return config


def draw_first_config(protocols=("ketamine-depression",)) -> RoomConfig:
    """`protocols_config` with each protocol's draw_before_dose on (the shipped ketamine ones have it off)."""
    config = protocols_config(protocols)
    drawn_first = tuple(replace(p, draw_before_dose=True) for p in config.session.protocols)
    return replace(config, session=replace(config.session, protocols=drawn_first))


def make_room(tmp_path, config: RoomConfig | None = None, clock: FakeClock | None = None) -> Room:
    return Room(config or RoomConfig(), tmp_path, clock or FakeClock())


def ambient_devices(room: Room, config: RoomConfig | None = None, *, audio: bool = False) -> RoomDevices:
    """The room's lighting, diffuser, sound if asked (and comfort link) started, without the simulated monitor: on a
    FakeClock a free-running simulator advances the test's clock itself (its sleep() moves time), floods the engine
    and starves the other threads (the sound player took 20 s to open)."""
    devices = RoomDevices(room, config or room.config, audio=audio)
    devices.vitals = None
    return devices.start()


def running_room(data_dir, config: RoomConfig | None = None, clock=None, *, audio: bool = True) -> RoomRuntime:
    """A started room with its devices, on the system clock unless told; no staff gate, so commands name the
    nurse directly as a scenario does."""
    return start_room(config or RoomConfig(), data_dir, clock=clock or SystemClock(), audio=audio, staff_gate=False)


def confirm_checks(room: Room, actor: str = NURSE, baseline=BASELINE) -> None:
    """The room's own checklist confirmed (as OPEN_ARGS's session needs it) and a baseline recorded."""
    for item, extra in CHECKLIST:
        room.command("confirm_checklist", actor, item=item, **extra)
    room.command("record_baseline", actor, **baseline)


def walk_to(room: Room, phase: str) -> None:
    """Drive a fresh room to `phase` through the real commands."""
    clock = room.clock
    room.command("open_session", NURSE, **OPEN_ARGS)
    if phase == "pre_infusion":
        return
    confirm_checks(room)
    room.command("start_infusion", NURSE)
    if phase == "infusing":
        return
    if phase == "paused":
        room.command("pause_infusion", NURSE, reason="bathroom")
        return
    clock.advance(40 * 60)
    room.command("complete_infusion", NURSE)
    if phase == "recovery":
        return
    clock.advance(30 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    room.command("discharge", NURSE, escort_confirmed=True)
    assert phase == "discharged"


def discharged(room: Room, recovery_min: float = 31) -> str:
    """After the dose: `recovery_min` of recovery, PADSS 10, the discharge (escort confirmed, or a protocol's rules
    met); the room closed.
    Gives the session's id."""
    room.clock.advance(recovery_min * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    if room.state.session.protocol is None:
        room.command("discharge", NURSE, escort_confirmed=True)
    else:  # the protocol's discharge rules: MOAA/S, CADSS, a BP since the dose, the escort named
        from tests.core.discharge_help import ESCORT, meet_rules
        meet_rules(room)
        room.command("discharge", NURSE, **ESCORT)
    sid = room.state.session.session_id
    room.close()
    return sid


def open_esketamine(room: Room, baseline=BASELINE, *, draw: bool = True, **open_args) -> None:
    """Open a session under the esketamine protocol, confirm its checks, record a baseline and (`draw`) the devices
    drawn, as the protocol's draw_before_dose requires: ready to dose."""
    room.command("open_session", NURSE, protocol="esketamine-nasal", **open_args)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        room.command("confirm_checklist", NURSE, item=item)
    room.command("record_baseline", NURSE, **baseline)
    if draw:
        draw_devices(room)


def controlled_record(room: Room) -> None:
    """The room's draw and waste commands bound (a bare make_room binds only the core's; a runtime binds them)."""
    if "record_draw" in room.unbound():
        ControlledRecord(room)


def draw_devices(room: Room, actor: str = NURSE) -> None:
    """The devices of the open session's dose recorded as drawn (cs.drawn)."""
    controlled_record(room)
    mg = float(room.state.open_session.plan["dose_mg"])
    room.command("record_draw", actor, mg_per_ml=DEVICE_MG_PER_ML, ml=round(mg / DEVICE_MG_PER_ML, 3),
                 lot=DEVICE_LOT, expiry=DEVICE_EXPIRY)


def reconcile(room: Room) -> None:
    """In recovery: what was drawn and not given recorded as wasted by NURSE under a witness's PIN (both accounts
    made here when the room's database has none), so discharge does not wait for the controlled substance."""
    controlled_record(room)
    data_dir = room.db_path.parent
    for who, name, pin in ((NURSE, "Ada Lovelace", NURSE_PIN), (WITNESS, "Wit Ness", WITNESS_PIN)):
        try:
            add_staff(data_dir, who, name, "nurse", pin)
        except StoreError:
            pass  # the test's own account (the ui fixtures add NURSE with NURSE_PIN)
    s = room.state.open_session
    left_mg = s.controlled.drawn_mg - s.given_mg(room.clock.now())
    room.command("record_waste", NURSE, ml=round(left_mg / s.controlled.mg_per_ml, 3), pin=NURSE_PIN,
                 witness=WITNESS, witness_pin=WITNESS_PIN)


def dose_esketamine(room: Room, minutes: float = 5, **open_args) -> None:
    """`open_esketamine` (the devices drawn), then the first device and, `minutes` later, the dose complete and the
    draw reconciled: the room in recovery."""
    open_esketamine(room, **open_args)
    room.command("start_infusion", NURSE)
    room.clock.advance(minutes * 60)
    room.command("complete_infusion", NURSE)
    reconcile(room)
