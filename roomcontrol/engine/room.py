"""The Room engine: one thread owns the session state and is the single writer of the event log.

Everything that changes state arrives on its inbox (commands from the UI or a scenario, readings from devices,
ticks). Listeners get each stored event and a snapshot every tick, as plain callbacks on the engine thread.
Without `start()` the engine runs inline in the caller's thread, which is how tests step it with a FakeClock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from roomcontrol import __version__
from roomcontrol.clock import SystemClock
from roomcontrol.config import RoomConfig
from roomcontrol.domain import kinds as K
from roomcontrol.domain import catalogue as C
from roomcontrol.domain.discharge_rules import last_vitals
from roomcontrol.domain.commands import DECIDES, decide, rules_for
from roomcontrol.domain.corrections import correct
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.protocol import Protocol, enabled
from roomcontrol.domain.session import RoomState, Session, apply
from roomcontrol.domain.vitals import HealthChange, Reading
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.monitoring import Monitoring
from roomcontrol.domain.wording import STATION
from roomcontrol.engine.advisories import Advisories
from roomcontrol.engine.responsiveness import ResponsivenessChecks
from roomcontrol.engine.schedule import ScheduleKeeper
from roomcontrol.engine.snapshot import RoomSnapshot, make_snapshot
from roomcontrol.store import database
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import EventLog, latest_session_start, read_events
from roomcontrol.store.vitals import VitalRow, VitalsWriter, read_vitals

log = logging.getLogger(__name__)
COMMAND_TIMEOUT_S = 30.0
TICK_S = 1.0  # snapshot and housekeeping period, in real seconds
# A sped-up clock (a scenario at --speed 3000) also ticks whenever this much room time has passed, so the room's
# timers (a check's 2 min answer window, a due BP) are judged to the clock's own step, not once per 50 room minutes.
CLOCK_TICK_S = 10.0

EventListener = Callable[[Event], None]
SnapshotListener = Callable[[RoomSnapshot], None]
Guard = Callable[[C.Command, str], None]


@dataclass(frozen=True)
class CommandResult:
    """What a command did: its stored events and the room right after, so the screen needs no second trip."""
    events: list[Event]
    snapshot: RoomSnapshot


class Room:
    def __init__(self, config: RoomConfig, data_dir: Path | str, clock=None):
        self.config = config
        self.clock = clock or SystemClock()
        self.db_path = database.db_path(data_dir)
        self.db = database.open_room_db(data_dir)
        self.log = EventLog(self.db, config.room_id)
        self.vitals = VitalsWriter(self.db)
        self.monitoring = Monitoring(config.alarms, new_id=lambda: uuid.uuid4().hex[:8])
        self.state = self._replay()
        self.storage_error: str | None = None
        self._event_listeners: list[EventListener] = []
        self._snapshot_listeners: list[SnapshotListener] = []
        self._inbox: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._owner = threading.get_ident()  # without a thread, this one steps the engine
        self._stopping = threading.Event()
        self._tick_hooks: list[Callable[[], None]] = []
        # command name → handler(command, actor, now) giving the stored events; every catalogue name by start()
        self._handlers: dict[str, Callable] = {}
        for cls in DECIDES:
            self._bind(cls, self._decide)
        self._bind(C.AcknowledgeAlarm, self._acknowledge)
        self._bind(C.PauseAlarmAudio, self._pause_audio)
        self._bind(C.CaptureBaseline, self._capture_baseline)
        self._bind(C.CorrectEvent, self._correct_event)
        self._guards: list[Guard] = []
        self.schedule = ScheduleKeeper(self)  # the protocol's due/overdue items (engine/schedule.py)
        self._deferred: list[Callable[[], None]] = []
        self._depth = 0  # nesting of _record, so deferred work runs once the outermost record is done
        self._plan_cued: str | None = None  # the session whose planned infusion time is already in the log
        self.via: str | None = None  # while a command runs: the channel it came by ("station"), None for the room's own
        self.checks = ResponsivenessChecks(self)  # the protocol's "tap if you're OK" check
        self.advisories = Advisories(self)        # the protocol's advisory rules
        try:
            self._record([NewEvent(K.ROOM_STARTED, {"version": __version__, "phase": self.state.phase,
                                                    "config": config.source},
                                   "system", self.state.open_session.session_id if self.state.open_session else None)])
        except StoreError:
            pass  # a full disk: the room still starts, resumes its session and shows the problem (storage_error)

    # -- replay -------------------------------------------------------------------------------------------
    def _replay(self) -> RoomState:
        """Rebuild the room from the log: only the last session can still be open, so fold from its start."""
        start = latest_session_start(self.db)
        state = RoomState()
        if start is not None:
            for event in read_events(self.db, after_seq=start - 1):
                state = apply(state, event)
                self.monitoring.fold(event)
        if state.last_seq < self.log.last_seq:
            state = replace(state, last_seq=self.log.last_seq)  # keeps the pending call
        return state

    # -- listeners ----------------------------------------------------------------------------------------
    def subscribe(self, on_event: EventListener | None = None, on_snapshot: SnapshotListener | None = None):
        if on_event:
            self._event_listeners.append(on_event)
        if on_snapshot:
            self._snapshot_listeners.append(on_snapshot)

    def add_tick_hook(self, hook: Callable[[], None]) -> None:
        """Run `hook` on the engine thread every tick (alarm timers, device health checks)."""
        self._tick_hooks.append(hook)

    # -- the inbox ----------------------------------------------------------------------------------------
    def send(self, command: C.Command, actor: str = "system", via: str | None = None) -> Future:
        """Ask the engine to run a typed command. The future gives its CommandResult, or raises Refused/StoreError.
        `via="station"`: a nurse's act from the clinic station (docs/STATION.md), allowed only for the catalogue's
        STATION_COMMANDS; every event it logs carries `"via": "station"` in its payload."""
        return self.call(lambda: self._result(C.checked(command), actor, via))

    def submit(self, name: str, actor: str = "system", /, **args) -> Future:
        """`send` by name (scenarios, scripts, tests): the arguments are checked against the catalogue first."""
        return self.call(lambda: self._result(C.parse(name, args), actor))

    def call(self, fn: Callable[[], object]) -> Future:
        """Run `fn` on the engine thread (inline when the engine has no thread) and return its future."""
        future: Future = Future()
        if self._thread is None and threading.get_ident() == self._owner:
            self.pump()
            self._run(fn, future)
        else:  # the engine thread, or (stepped by hand) the owner's next pump(), runs it
            self._inbox.put((fn, future))
        return future

    def pump(self) -> int:
        """Run what other threads had queued when it was called (only for an engine stepped by hand; the thread does
        this itself). What arrives meanwhile waits for the next pump: a device thread posting faster than the
        readings are stored (a simulator catching up with a clock moved 40 minutes) must not keep it going forever."""
        done = 0
        for _ in range(self._inbox.qsize()):
            try:
                fn, future = self._inbox.get_nowait()
            except queue.Empty:
                break
            self._run(fn, future)
            done += 1
        return done

    def command(self, name: str, actor: str = "system", /, **args) -> list[Event]:
        """Run a command by name and wait for its stored events (raises Refused with the reason)."""
        return self.submit(name, actor, **args).result(COMMAND_TIMEOUT_S).events

    @staticmethod
    def _run(fn, future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except BaseException as exc:  # the caller gets it; the engine goes on
            future.set_exception(exc)

    # -- engine-thread work -------------------------------------------------------------------------------
    def _result(self, command: C.Command, actor: str, via: str | None = None) -> CommandResult:
        if via is not None and (via != STATION or command.name not in C.STATION_COMMANDS):
            raise Refused(f"{command.name} cannot be sent from the {via}; only {', '.join(C.STATION_COMMANDS)}"
                          if via == STATION else f"unknown channel {via!r}")
        self.via = via
        try:
            return CommandResult(self.execute(command, actor), self.snapshot())
        finally:
            self.via = None

    def execute(self, command: C.Command, actor: str = "system") -> list[Event]:
        now = self.clock.now()
        for guard in self._guards:
            guard(command, actor)
        handler = self._handlers.get(command.name)
        if handler is None:
            raise Refused(f"{command.name} is not available in this room")
        return handler(command, actor, now)

    def _decide(self, command: C.Command, actor: str, now) -> list[Event]:
        # discharge weighs the active alarms and the last vitals (domain.discharge_rules)
        state = replace(self.state, alarms=self.monitoring.board.by_priority(),
                        vitals=last_vitals(self.monitoring.view.latest))
        return self._record(decide(state, command, actor, now, self.config.session, new_id=_new_session_id), now)

    def _acknowledge(self, command: C.AcknowledgeAlarm, actor: str, now) -> list[Event]:
        alarm_id = command.alarm_id
        if alarm_id is None and command.condition is not None:
            alarm = self.monitoring.board.for_condition(command.condition)
            if alarm is None:
                raise Refused(f"no {command.condition} alarm is active")
            alarm_id = alarm.alarm_id
        return self._record_pairs(self.monitoring.acknowledge(alarm_id or "", actor), actor, now)

    def _pause_audio(self, command: C.PauseAlarmAudio, actor: str, now) -> list[Event]:
        return self._record_pairs(self.monitoring.pause_audio(actor, now), actor, now)

    def _capture_baseline(self, command: C.CaptureBaseline, actor: str, now) -> list[Event]:
        return self.execute(C.RecordBaseline(**self.monitoring.baseline(now)), actor)

    def _correct_event(self, command: C.CorrectEvent, actor: str, now) -> list[Event]:
        """`correct_event(seq, reason, changes)`: the domain decides from the entry and its earlier corrections;
        the correction is logged in the entry's session, open or closed."""
        def find(seq):
            return next((e for e in self.log.events(after_seq=seq - 1, limit=1) if e.seq == seq), None)

        def corrections_of(event: Event):
            return self.log.events(kinds=(K.EVENT_CORRECTED,), session_id=event.session_id)

        return self._record([correct(command.args(), actor, find, corrections_of, self.config.session)], now)

    def bind(self, cls: type[C.Command], handler: Callable) -> None:
        """Handle a catalogue command here (ambient, staff, devices): `handler(command, actor, now)` returns
        (kind, payload) pairs to log, or raises Refused. It runs on the engine thread like every other command."""
        self._bind(cls, lambda command, actor, now: self._record_pairs(handler(command, actor, now), actor, now))

    def _bind(self, cls: type[C.Command], handler: Callable) -> None:
        if C.CATALOGUE.get(getattr(cls, "name", "")) is not cls:
            raise ValueError(f"{cls.__name__} is not a command of the catalogue")
        if cls.name in self._handlers:
            raise ValueError(f"{cls.name} already has a handler")
        self._handlers[cls.name] = handler

    def unbound(self) -> list[str]:
        return [name for name in C.CATALOGUE if name not in self._handlers]

    def add_command_guard(self, guard: Guard) -> None:
        """`guard(command, actor)` runs before every command and may refuse it (raise Refused), e.g. a locked
        screen."""
        self._guards.append(guard)

    def defer(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the engine thread once the events being recorded now are all stored and announced
        (listeners use it to log consequences, e.g. the scene a phase change brings)."""
        if self._depth:
            self._deferred.append(fn)
        else:
            _safe(fn)

    # -- readings and device health (called from device threads) -----------------------------------------
    def post_reading(self, reading: Reading) -> None:
        self.call(lambda: self._on_reading(reading))

    def post_health(self, change: HealthChange) -> None:
        self.call(lambda: self._on_health(change))

    def _on_reading(self, reading: Reading) -> None:
        now = self.clock.now()
        store, pairs = self.monitoring.reading(reading, now, self._armed)
        self.schedule.reading(reading)
        if store:
            session = self.state.open_session
            self.add_vital(VitalRow(reading.kind, reading.value, reading.unit, reading.received_ts,
                                    session.session_id if session else None, reading.device_ts,
                                    tuple(sorted(reading.flags)), reading.source))
        self._record_pairs(pairs, "system", now)
        if self._armed:
            self.advisories.reading(reading)

    def _on_health(self, change: HealthChange) -> None:
        now = self.clock.now()
        self._record_pairs(self.monitoring.health(change, now, self._armed), change.device, now)

    @property
    def _armed(self) -> bool:
        return self.state.open_session is not None

    def _record_pairs(self, pairs: list, actor: str, now) -> list[Event]:
        if not pairs:
            return []
        session = self.state.open_session
        sid = session.session_id if session else None
        return self._record([NewEvent(kind, payload, actor, sid) for kind, payload in pairs], now)

    def record(self, new: NewEvent) -> Event:
        """Log a room event that is not a session command (device, alarm, ambient, staff). Engine thread only."""
        return self._record([new])[0]

    def _record(self, news: list[NewEvent], now=None) -> list[Event]:
        self._depth += 1
        try:
            stored = self._record_now(news, now)
        finally:
            self._depth -= 1
        while not self._depth and self._deferred:
            _safe(self._deferred.pop(0))
        return stored

    def _record_now(self, news: list[NewEvent], now) -> list[Event]:
        if self.via is not None:  # the record says how the act arrived ("… from the station")
            news = [replace(n, payload={**n.payload, "via": self.via}) for n in news]
        try:
            stored = self.log.append_many(news, now or self.clock.now())
        except StoreError as exc:
            self.storage_error = str(exc)
            log.error("event not stored: %s", exc)
            raise
        self.storage_error = None
        was_open = self.state.open_session is not None
        for event in stored:
            self.state = apply(self.state, event)
            self.monitoring.fold(event)
            for listener in self._event_listeners:
                _safe(listener, event)
        if not was_open and self.state.open_session is not None:
            arms = self.monitoring.arm(now or self.clock.now())
            if arms:
                sid = self.state.open_session.session_id
                stored += self._record([NewEvent(k, p, "system", sid) for k, p in arms], now)
        if was_open and self.state.open_session is None:
            assert self.state.session is not None  # it was open: now closed, not gone
            closed = self.state.session.session_id
            clears = self.monitoring.disarm()
            if clears:
                stored += self._record([NewEvent(k, p, "system", closed) for k, p in clears], now)
        return stored

    def add_vital(self, row: VitalRow) -> None:
        self.vitals.add(row, self.clock.monotonic())
        if self.vitals.due(self.clock.monotonic()):
            self._flush_vitals()

    def _flush_vitals(self) -> None:
        try:
            self.vitals.flush()
        except StoreError as exc:
            self.storage_error = str(exc)
            log.error("vitals not stored yet: %s", exc)

    def history(self, room_events: int = 60) -> tuple[list[Event], list[dict]]:
        """What a screen shows on opening: the open session's events and stored vitals, or, with no session,
        the room's last `room_events` events. Engine thread (room.call), like every read of the database."""
        session = self.state.open_session
        if session is not None:
            return (list(self.log.events(session_id=session.session_id)),
                    list(read_vitals(self.db, session_id=session.session_id)))
        return list(self.log.events(after_seq=max(0, self.log.last_seq - room_events))), []

    def snapshot(self) -> RoomSnapshot:
        now = self.clock.now()
        snap = make_snapshot(self.config.room_id, self.config.room_name, self.state, now,
                             rules_for(self.state, self.config.session).min_recovery_min, self.storage_error,
                             self.monitoring)
        snap = replace(snap, due=self.schedule.due(now), start_nibp_note=self.schedule.start_nibp_note)
        pending = self.advisories.pending()
        return replace(snap, pre_dose=pending) if pending else snap

    def tick(self) -> RoomSnapshot:
        if self._thread is None:
            self.pump()
        if self.vitals.due(self.clock.monotonic()):
            self._flush_vitals()
        try:
            self._record_pairs(self.monitoring.tick(self.clock.now(), self._armed), "system", None)
            self._planned_time_check()
        except StoreError:
            pass  # already in storage_error, shown on screen
        for hook in self._tick_hooks:
            _safe(hook)
        snap = self.snapshot()
        for listener in self._snapshot_listeners:
            _safe(listener, snap)
        return snap

    def _planned_time_check(self) -> None:
        """Log `infusion.planned_time_reached` once, on the first tick the running infusion reaches its plan (the
        chime and the card's cue follow it). After a restart the log says whether it was already logged."""
        s = self.state.open_session
        if s is None or s.running_since is None or s.infusion_ended_at is not None or self._plan_cued == s.session_id:
            return
        now = self.clock.now()
        elapsed = s.infusion_elapsed_s(now)
        if elapsed < s.planned_infusion_s:
            return
        logged = self.log.events(kinds=(K.INFUSION_PLANNED_TIME_REACHED,), session_id=s.session_id, limit=1)
        if next(iter(logged), None) is None:
            self._record([NewEvent(K.INFUSION_PLANNED_TIME_REACHED,
                                   {"planned_infusion_min": s.plan["planned_infusion_min"],
                                    "infused_min": round(elapsed / 60.0, 2)}, "system", s.session_id)], now)
        self._plan_cued = s.session_id

    def protocol_of(self, s: Session | None) -> Protocol | None:
        """`s`'s protocol among the room's enabled ones; None without a session or a protocol (the room's own
        [session] values): how every engine part reads "the session's protocol"."""
        return enabled(self.config.session, s.protocol) if s else None

    # -- thread -------------------------------------------------------------------------------------------
    def start(self, *, partial: bool = False) -> "Room":
        """Run the engine thread. Every catalogue command must have its handler by now (devices and staff sign-in
        bind theirs); `partial` starts a room without some of its parts (tests of one part), refusing their
        commands."""
        missing = self.unbound()
        if missing and not partial:
            raise RuntimeError(f"no handler bound for {', '.join(missing)}")
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="room-engine", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        next_tick = time.monotonic()
        speed = getattr(self.clock, "speed", 1.0)
        sped_up = 1.0 < speed < float("inf")  # a FakeClock (tests step it) and real time keep the 1 s tick
        poll_s = min(TICK_S, CLOCK_TICK_S / speed) if sped_up else TICK_S
        next_clock_tick = self.clock.monotonic() + CLOCK_TICK_S
        while not self._stopping.is_set():
            try:
                fn, future = self._inbox.get(timeout=max(0.0, min(next_tick - time.monotonic(), poll_s)))
                self._run(fn, future)
            except queue.Empty:
                pass
            if time.monotonic() >= next_tick or (sped_up and self.clock.monotonic() >= next_clock_tick):
                self.tick()
                next_tick = time.monotonic() + TICK_S
                next_clock_tick = self.clock.monotonic() + CLOCK_TICK_S
        self.pump()  # answer what is still queued, so no caller waits forever

    def close(self) -> None:
        """Stop the thread, commit buffered vitals and close the database."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join(timeout=30)
            if self._thread.is_alive():  # never pull the database from under a thread still writing
                log.error("the engine thread did not stop; leaving the database to the process exit")
                return
            self._thread = None
        self._flush_vitals()
        self.db.conn.close()

    def __enter__(self) -> "Room":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _new_session_id() -> str:
    return str(uuid.uuid4())


def _safe(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # a broken listener must never stop the room
        log.exception("listener %r failed", fn)
