"""`roomcontrol run`: the room app, or the engine alone (--headless), optionally playing a scenario."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from roomcontrol.cli.common import CliError, config_for, data_dir_of, stop_on_signals
from roomcontrol.config import RoomConfig


def run(args) -> int:
    if args.scenario and not (args.headless or args.simulate):
        raise CliError("--scenario with the window is for training: add --simulate (or run it --headless)")
    if args.speed <= 0 or args.speed > 10000:
        raise CliError(f"--speed {args.speed:g}: must be above 0 and at most 10000")
    config = config_for(args)
    if args.headless:
        return _run_headless(config, data_dir_of(args), args.scenario, args.speed, _simulated(args))
    scenario = _load(args.scenario)  # a wrong file is one line now, before any window opens
    if scenario is not None:
        config = _with_protocols(config, scenario, _simulated(args))
    from roomcontrol.ui.starting import show_starting
    show_starting(config.room_name, kiosk=args.kiosk)  # the first frame, before the room is assembled
    if args.simulate:
        _demo_account(data_dir_of(args))
        if scenario is not None:
            _scenario_accounts(data_dir_of(args), scenario)
    from roomcontrol.ui.app import run_app
    if scenario is None:
        return run_app(config, data_dir_of(args), kiosk=args.kiosk)
    return _run_window_scenario(run_app, _for_speed(config, args.speed), data_dir_of(args), scenario, args.speed,
                                args.kiosk)


# The scenarios that ship with the app: scenarios/ beside the package (a git clone, or the bundle's folder).
SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def scenario_path(path: Path) -> Path:
    """A path as given; a bare name that is no file here (`standard-session`) names a shipped scenario."""
    if path.exists() or path.parent != Path("."):
        return path
    shipped = SCENARIOS_DIR / (path.name if path.suffix == ".toml" else f"{path.name}.toml")
    return shipped if shipped.is_file() else path


def _load(path: Path | None):
    from roomcontrol.engine.scenario import load_scenario
    return load_scenario(scenario_path(path), extra_steps=SCENARIO_STEPS) if path else None


def _simulated(args) -> bool:
    """--simulate, or no room.toml at all (a fully simulated room, room.example.toml says)."""
    return bool(args.simulate or args.config is None)


def _with_protocols(config: RoomConfig, scenario, simulated: bool) -> RoomConfig:
    from roomcontrol.engine.scenario import ScenarioError, with_protocols
    try:
        return with_protocols(config, scenario, simulated)
    except ScenarioError as exc:
        raise CliError(str(exc)) from None


def _clock(speed: float):
    from roomcontrol.clock import SteppedClock, SystemClock
    return SteppedClock(speed) if speed != 1.0 else SystemClock()


def _for_speed(config: RoomConfig, speed: float) -> RoomConfig:
    """Above 10× the simulated monitor reports every stride/3 s of scenario time (at most 10 s); judge staleness
    against that, with room to spare."""
    if speed <= 10:
        return config
    from types import SimpleNamespace

    from roomcontrol.devices.vitals.simulator import packet_stride
    stale = max(config.alarms.stale_after_s, packet_stride(SimpleNamespace(speed=speed)) * 3)
    return dataclasses.replace(config, alarms=dataclasses.replace(config.alarms, stale_after_s=stale))


def _run_window_scenario(run_app, config: RoomConfig, data_dir: Path, scenario, speed: float, kiosk: bool) -> int:
    """The scenario plays on a worker thread against the room the window shows (training: alarms on the real
    screen); the window stays open and usable when it ends."""
    from roomcontrol.engine.scenario_thread import start_scenario
    clock = _clock(speed)

    def started(screen) -> None:
        print(f"# scenario: {scenario.name} ({len(scenario.steps)} steps, speed {speed:g}) with the window",
              file=sys.stderr, flush=True)
        start_scenario(screen.runtime, scenario, clock,
                       handlers={"simulate": lambda step: _simulate(screen.runtime.devices, step)},
                       on_done=lambda reason: print(f"# scenario: {reason or 'finished'}", file=sys.stderr,
                                                    flush=True))

    return run_app(config, data_dir, kiosk=kiosk, clock=clock, on_started=started)


DEMO_STAFF = ("demo", "Demo nurse", "admin", "2468")  # the PIN is told on stderr and in the README, never shown


def _demo_account(data_dir: Path) -> None:
    """A simulated room with no staff yet (a first demo, a training PC) gets one demo account, so the screen can
    be tried at once. Never where any account exists: a real room's accounts are made with `roomcontrol staff`."""
    from roomcontrol.cli import staff
    if not staff.list_staff(data_dir):
        staff.add_staff(data_dir, *DEMO_STAFF)
        print(f"simulated room without staff accounts: made {DEMO_STAFF[1]!r} (admin); sign in with PIN "
              f"{DEMO_STAFF[3]}", file=sys.stderr)


def _scenario_accounts(data_dir: Path, scenario) -> None:
    """The scenario's [[staff]] in a simulated room that has no accounts of its own yet (none, or only the demo
    nurse: a training PC, a test's data dir), so its steps can sign with PINs (a witnessed waste); a room with
    accounts keeps its own, untouched (a step needing a PIN is then refused, naming the account)."""
    from roomcontrol.cli import staff
    have = {a["staff_id"] for a in staff.list_staff(data_dir)}
    if not scenario.staff or have - {DEMO_STAFF[0]} - {a.staff_id for a in scenario.staff}:
        return  # a room with its own accounts
    for a in scenario.staff:
        if a.staff_id not in have:  # played before in this data dir: made then
            staff.add_staff(data_dir, a.staff_id, a.name, a.role, a.pin)
    print(f"# simulated room: the scenario's accounts {', '.join(a.staff_id for a in scenario.staff)}",
          file=sys.stderr, flush=True)


def _run_headless(config: RoomConfig, data_dir: Path, scenario_path: Path | None, speed: float,
                  simulated: bool = False) -> int:
    from roomcontrol.engine.runtime import start_room
    from roomcontrol.engine.scenario import play
    from roomcontrol.host.inhibit import hold_awake

    scenario = _load(scenario_path)
    clock = _clock(speed)
    config = _for_speed(config, speed)
    if scenario is not None:
        config = _with_protocols(config, scenario, simulated)
    if scenario is not None and simulated:
        _scenario_accounts(data_dir, scenario)
    stop = stop_on_signals()
    # No staff gate: nobody signs in without a screen, and a scenario's steps name the nurse who acts.
    with start_room(config, data_dir, clock=clock, staff_gate=False, listeners=[_print_event]) as runtime, \
            hold_awake() as awake:
        room = runtime.room
        print(f"# room {config.room_id} ({config.room_name}), database {room.db_path}, phase {room.state.phase}",
              flush=True)
        print(f"# {awake.describe()}", flush=True)
        if scenario:
            print(f"# scenario: {scenario.name} ({len(scenario.steps)} steps, speed {speed:g})", flush=True)
            play(scenario, room, clock, stop=stop,
                 handlers={"simulate": lambda step: _simulate(runtime.devices, step)})
        else:
            stop.wait()
    return 0


SCENARIO_STEPS = ("simulate",)


def _simulate(devices, step) -> None:
    """`do = "simulate"`: a scripted event in the simulated monitor (desaturation, hypertension, sensor_off...)."""
    add_event = getattr(devices.vitals, "add_event", None)
    if add_event is None:
        raise CliError(f"scenario step {step.number}: simulate needs the simulated vitals driver (--simulate)")
    args = dict(step.args)
    add_event(args.pop("event"), float(args.pop("duration_s", 60)), **args)


def _print_event(event) -> None:
    row = event.to_json()
    payload = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
    print(f"{row['ts']} #{event.seq:<5} {event.kind:<22} {event.actor:<10} {payload}", flush=True)
