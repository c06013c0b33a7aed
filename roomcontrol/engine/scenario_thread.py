"""A scenario played on a worker thread against a room whose screen is open (training: a trainer shows an alarm on
the real screen). The GUI thread never waits: each step goes through the engine's inbox like a tap would."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from roomcontrol.engine.scenario import Scenario, ScenarioError, Step, play

log = logging.getLogger(__name__)
ACTORS_NOT_STAFF = ("system", "patient")


def start_scenario(runtime, scenario: Scenario, clock, *, stop: threading.Event | None = None,
                   handlers: dict[str, Callable[[Step], None]] | None = None,
                   on_done: Callable[[str | None], None] | None = None) -> threading.Thread:
    """Play `scenario` on a daemon thread; `on_done(None)` when it ends, `on_done(reason)` when a step is refused
    or the room closes under it. The nurses it names act as scripted (StaffGate.scripted), logged under their ids."""
    stop = stop or threading.Event()
    if runtime.gate is not None:
        runtime.gate.scripted = frozenset(s.actor for s in scenario.steps if s.actor not in ACTORS_NOT_STAFF)

    def halt_if_stopped(step: Step) -> None:
        if stop.is_set():
            raise ScenarioError(f"stopped before step {step.number}")

    def run() -> None:
        reason = None
        try:
            play(scenario, runtime.room, clock, stop=stop, handlers=handlers, on_step=halt_if_stopped)
        except ScenarioError as exc:
            reason = str(exc)
        except Exception as exc:  # the room closed under it (the window was closed): say so, do not crash
            reason = f"scenario stopped: {exc}"
            log.info("scenario %s stopped: %s", scenario.name, exc)
        if on_done:
            on_done(reason)

    thread = threading.Thread(target=run, name="scenario", daemon=True)
    thread.start()
    return thread
