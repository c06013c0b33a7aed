"""Scripted sessions: a TOML list of timed steps, played against a Room at the room clock's speed.

    name = "Standard session"
    [[step]]
    at = "03:00"                 # mm:ss (or h:mm:ss) after the scenario starts, in room-clock time
    do = "start_infusion"        # a command of roomcontrol.domain.catalogue
    actor = "rn.ada"             # staff id, "patient" or "system"
    args = { }                   # the command's arguments; "@h:mm:ss" names a moment of the scenario (ISO time)

    [[staff]]                    # a simulated room with no accounts makes these (a witnessed waste needs two PINs)
    id = "rn.ada"
    name = "Ada Lovelace"
    role = "nurse"
    pin = "1357"

Later issues add steps that drive simulated devices (`do = "vitals.desaturation"`); a step whose `do` is not a
command of the catalogue is handed to the registered step handlers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from roomcontrol.domain.catalogue import CATALOGUE
from roomcontrol.domain.errors import Refused


class ScenarioError(Exception):
    """A scenario file that cannot be played, or a step the room refused; the message names the step."""


@dataclass(frozen=True)
class Step:
    number: int
    at_s: float
    do: str
    actor: str = "system"
    args: dict = field(default_factory=dict)

    @property
    def at_text(self) -> str:
        minutes, seconds = divmod(int(self.at_s), 60)
        return f"{minutes:02d}:{seconds:02d}"


@dataclass(frozen=True)
class StaffAccount:
    """A training room's account a scenario names (`[[staff]]`), made only in a simulated room with no accounts, so
    a witnessed waste is signed with two real PINs checked by the room as on the screen."""
    staff_id: str
    name: str
    role: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    staff: tuple[StaffAccount, ...] = ()

    @property
    def protocols(self) -> tuple[str, ...]:
        """The protocols its sessions are opened under (`open_session` steps' `protocol`), in order of first use."""
        named = (step.args.get("protocol") for step in self.steps if step.do == "open_session")
        return tuple(dict.fromkeys(p for p in named if isinstance(p, str)))


def with_protocols(config, scenario: Scenario, simulated: bool):
    """The room's config for playing `scenario`: a simulated room (demo, training, the headless runs of docs/)
    also offers the shipped protocols the scenario opens its sessions under; a real room plays only under the
    protocols its room.toml enables, and a scenario needing another one is refused before it starts."""
    from dataclasses import replace

    from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols

    have = {p.id for p in config.session.protocols}
    missing = tuple(p for p in scenario.protocols if p not in have)
    if not missing:
        return config
    if not simulated:
        raise ScenarioError(f"{scenario.name}: opens sessions under {', '.join(missing)}, which this room does not "
                            "enable; add it to [session] protocols in room.toml, or play it --simulate")
    errors: list[str] = []
    added = load_protocols(missing, SHIPPED_DIR, errors)
    if errors:
        raise ScenarioError(f"{scenario.name}: " + "; ".join(errors))
    return replace(config, session=replace(config.session, protocols=config.session.protocols + added))


def parse_at(text) -> float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    parts = str(text).split(":")
    if not 1 <= len(parts) <= 3 or not all(p.strip().replace(".", "", 1).isdigit() for p in parts):
        raise ValueError(f"at = {text!r}: must be seconds, mm:ss or h:mm:ss")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


def load_scenario(path: Path | str, extra_steps: tuple[str, ...] = ()) -> Scenario:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    steps, last = [], 0.0
    for number, entry in enumerate(raw.get("step", []), start=1):
        where = f"{path.name} step {number}"
        try:
            at = parse_at(entry.get("at", last))
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        do = entry.get("do")
        known = tuple(CATALOGUE) + tuple(extra_steps)
        if do not in known:
            raise ScenarioError(f"{where}: do = {do!r} is not a command; known: {', '.join(known)}")
        if at < last:
            raise ScenarioError(f"{where}: at {entry.get('at')} is earlier than the step before it")
        args = entry.get("args", {})
        if not isinstance(args, dict):
            raise ScenarioError(f"{where}: args must be a table")
        steps.append(Step(number, at, do, str(entry.get("actor", "system")), args))
        last = at
    if not steps:
        raise ScenarioError(f"{path}: no [[step]] entries")
    return Scenario(str(raw.get("name", path.stem)), tuple(steps), _staff(path, raw.get("staff", [])))


def _staff(path: Path, entries) -> tuple[StaffAccount, ...]:
    out = []
    for number, entry in enumerate(entries if isinstance(entries, list) else [entries], start=1):
        keys = ("id", "name", "role", "pin")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in keys):
            raise ScenarioError(f"{path.name} staff {number}: needs id, name, role and pin, each as text")
        out.append(StaffAccount(entry["id"], entry["name"], entry["role"], entry["pin"]))
    return tuple(out)


def scenario_time(value, origin):
    """Arguments naming a moment of the scenario: a text "@h:mm:ss" becomes the room clock's time then (ISO, UTC),
    for a field that takes a time (the REMS form's "ready to leave"); tables and lists are looked through."""
    from datetime import timedelta

    from roomcontrol.domain.timefmt import iso_utc
    if isinstance(value, str) and value.startswith("@"):
        return iso_utc(origin + timedelta(seconds=parse_at(value[1:])))
    if isinstance(value, dict):
        return {k: scenario_time(v, origin) for k, v in value.items()}
    if isinstance(value, list):
        return [scenario_time(v, origin) for v in value]
    return value


def play(scenario: Scenario, room, clock, *, on_step: Callable[[Step], None] | None = None,
         handlers: dict[str, Callable[[Step], None]] | None = None, stop=None) -> None:
    """Run each step when its time comes on `clock`; raise ScenarioError at the first refused step."""
    start, origin = clock.monotonic(), clock.now()
    handlers = handlers or {}
    held = hasattr(clock, "hold_at")  # a SteppedClock: stop time at each step, so it runs exactly on time
    try:
        for step in scenario.steps:
            if held:
                clock.hold_at(start + step.at_s)
                if not clock.wait_for(start + step.at_s, stop):
                    return
            else:
                wait = step.at_s - (clock.monotonic() - start)
                if wait > 0:
                    clock.sleep(wait)  # a FakeClock: instant
            _run_step(replace(step, args=scenario_time(step.args, origin)), room, handlers, on_step)
    finally:
        if held:
            clock.hold_at(None)


def _run_step(step: Step, room, handlers, on_step) -> None:
    if on_step:
        on_step(step)
    try:
        if step.do in handlers:
            handlers[step.do](step)
        else:
            room.command(step.do, step.actor, **step.args)
    except Refused as exc:
        raise ScenarioError(f"step {step.number} ({step.do} at {step.at_text}) was refused: {exc}") from None
