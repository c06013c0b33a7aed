"""Staff sign-in on the room: the `unlock` and `lock` commands, lock-out after repeated wrong PINs.

Both run on the engine thread (bound with `room.bind`), so the PIN's slow hash is checked
off the GUI thread and every outcome is logged in order with the rest of the room: `staff.unlocked`,
`staff.locked`, `staff.pin_rejected` (the PIN itself is never logged) and `staff.locked_out`.
Wrong-PIN counters live in the staff table, so a restart does not reset a lock-out.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.domain.wording import STATION
from roomcontrol.engine.countersign import Countersign
from roomcontrol.engine.room import CommandResult, Room
from roomcontrol.store.staff import StaffStore


_PIN_CHECKS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pin-check")


class StationGuard:
    """An act from the clinic station (the room already refused any command outside STATION_COMMANDS): the hub
    vouches for the nurse who signed in there, so she need not be signed in at this room's screen, and the room's
    lock stays as it is. An account this room's staff table has disabled is refused all the same (the directory
    may reach the room before the hub's own sessions end); an account the room does not know yet (the directory
    not pulled since it was added) is the hub's word. The staff gate asks it; a room without one (the headless
    runner) installs it as its guard, so its station acts are checked the same way."""

    def __init__(self, room: Room, store: StaffStore | None = None):
        self.room = room
        self.store = store or StaffStore(room.db)

    def __call__(self, command: C.Command, actor: str) -> None:
        if self.room.via != STATION:
            return
        if actor in ("system", "patient"):
            raise Refused("an act from the station is a nurse's: it needs her staff id")
        row = self.store.get(actor)
        if row is not None and not row.active:
            raise Refused(f"{actor}'s account is disabled in this room")


class StaffGate:
    def __init__(self, room: Room):
        self.room = room
        self.store = StaffStore(room.db)
        self.signed_in: dict | None = None  # {"staff_id", "name", "role"} of who unlocked last
        # The nurses a trainer's scenario names (`run --simulate --scenario` with the window): their scripted acts
        # pass the sign-in check and are logged under their own ids, whoever is signed in at the screen.
        self.scripted: frozenset[str] = frozenset()
        self._station = StationGuard(room, self.store)
        room.bind(C.Unlock, self._unlock)
        room.bind(C.Lock, self._lock)
        room.add_command_guard(self._guard)
        self.countersign = Countersign(self)  # a second PIN on the same screen (discharge overrides)

    def _guard(self, command: C.Command, actor: str) -> None:
        """The lock is the engine's, not only the screen's: nothing clinical happens unless a nurse is signed in,
        and every act is recorded under the nurse who is. Who may send what is the catalogue's audience."""
        if self.room.via == STATION:  # the hub vouches for who acts; the account's state here still counts
            return self._station(command, actor)
        if command.audience == C.ANYONE or actor == "system":
            return
        if actor == "patient":
            if not command.patient_may():
                raise Refused("that needs a nurse to sign in")
            return
        if actor in self.scripted:
            return
        if self.signed_in is None:
            raise Refused("the screen is locked: sign in first")
        if actor != self.signed_in["staff_id"]:
            raise Refused(f"{self.signed_in['name']} is signed in, not {actor}")
        if command.needs_admin() and self.signed_in.get("role") != "admin":
            raise Refused("only an administrator may override this; ask one to sign in")

    def staff_list(self) -> Future:
        """Active accounts (id, name, role) for the sign-in screen, read on the engine thread."""
        return self.room.call(lambda: [r.public() for r in self.store.all(active_only=True)])

    # -- commands (engine thread) -------------------------------------------------------------------------
    def _unlock(self, command: C.Unlock, actor: str, now) -> list:
        """The `unlock` command (scripts, tests): checks the PIN inline. The screen uses `unlock()` instead."""
        row = self._check(command.staff_id, now)
        return self._conclude(row, D.verify_pin(command.pin, row.pin_hash), now)

    def unlock(self, staff_id: str, pin: str) -> Future:
        """The screen's sign-in (the PIN path of `pin_checked`), so readings and alarms never wait behind the
        hash. The future gives a CommandResult, as a command's does, or raises Refused."""
        now = self.room.clock.now
        return pin_checked(self.room, lambda: self._check(staff_id, now()),
                           lambda row: pin_matches(pin, row),
                           lambda row, ok: CommandResult(self._record(self._conclude(row, ok, now()), row.staff_id),
                                                         self.room.snapshot()))

    def _check(self, staff_id, now):
        return check_account(self.store, staff_id, now)

    def _conclude(self, row, pin_ok: bool, now) -> list:
        """Engine thread: count a wrong PIN (and lock out), or sign the nurse in. Re-reads the account, since
        the PIN was checked on another thread meanwhile."""
        row = self._check(row.staff_id, now)
        staff_id = row.staff_id
        if not pin_ok:
            raise wrong_pin(self.room, self.store, row, now)
        clear_failures(self.store, row)
        pairs = []
        if self.signed_in and self.signed_in["staff_id"] != staff_id:
            pairs.append((D.STAFF_LOCKED, {"staff_id": self.signed_in["staff_id"], "reason": "another sign-in"}))
        self.signed_in = {"staff_id": row.staff_id, "name": row.name, "role": row.role}
        pairs.append((D.STAFF_UNLOCKED, {**self.signed_in}))
        return pairs

    def _record(self, pairs: list, actor: str) -> list:
        """Log as the `unlock` command would: under the nurse who signs in."""
        session = self.room.state.open_session
        sid = session.session_id if session else None
        return [self.room.record(NewEvent(kind, payload, actor, sid)) for kind, payload in pairs]

    def _lock(self, command: C.Lock, actor: str, now) -> list:
        if self.signed_in is None:
            return []
        who, self.signed_in = self.signed_in["staff_id"], None
        return [(D.STAFF_LOCKED, {"staff_id": who, "reason": command.reason})]


def check_account(store: StaffStore, staff_id, now, whose: str = ""):
    """The active, not locked-out account of `staff_id`, or Refused (`whose`: "witness: " before a message)."""
    row = store.get(staff_id) if isinstance(staff_id, str) else None
    if row is None or not row.active:
        raise Refused(f"{whose}unknown or disabled staff account")
    try:
        D.Attempts(row.failures, parse_iso(row.locked_until) if row.locked_until else None).refuse_if_locked(now)
    except Refused as exc:
        raise Refused(f"{whose}{exc}") from None
    return row


def pin_matches(pin, row) -> bool:
    """The slow salted hash (~0.1 s of scrypt): on the pin-check worker for a screen, inline for a command."""
    return isinstance(pin, str) and D.verify_pin(pin, row.pin_hash)


def pin_checked(room: Room, prepare, verify, conclude) -> Future:
    """A screen's PIN path (sign-in, a countersignature, a witnessed waste): `prepare()` on the engine thread (the
    accounts, the rules), `verify(prepared)` — the slow hash — on the pin-check worker so neither the GUI nor the
    engine thread waits, then `conclude(prepared, verdict)` on the engine thread, in order with everything else
    (the accounts and the room may have moved on meanwhile). The future gives conclude's result, or raises what
    a step raised."""
    out: Future = Future()

    def then(step):
        def done(f: Future) -> None:
            exc = f.exception()
            out.set_exception(exc) if exc else step(f.result())
        return done

    def prepared(p) -> None:
        _PIN_CHECKS.submit(lambda: verify(p)).add_done_callback(
            then(lambda verdict: room.call(lambda: conclude(p, verdict)).add_done_callback(then(out.set_result))))

    room.call(prepare).add_done_callback(then(prepared))
    return out


def clear_failures(store: StaffStore, row) -> None:
    """A good PIN ends the run of wrong ones."""
    if row.failures or row.locked_until:
        store.set_attempts(row.staff_id, 0, None)


def wrong_pin(room: Room, store: StaffStore, row, now, whose: str = "", **noted) -> Refused:
    """Engine thread: count a wrong PIN for `row`'s account as the lock screen does (logged, never the PIN; a
    lock-out after MAX_FAILURES in a row) and give the refusal to raise. `noted`: added to the logged payload
    (e.g. countersign=True: the PIN was a second person's signature, not a sign-in)."""
    attempts = D.Attempts(row.failures, parse_iso(row.locked_until) if row.locked_until else None)
    after = attempts.failed(now)
    store.set_attempts(row.staff_id, after.failures, after.locked_until)
    log_system(room, D.STAFF_PIN_REJECTED, {"staff_id": row.staff_id, "failures": after.failures or D.MAX_FAILURES,
                                               **noted})
    if after.locked(now):
        log_system(room, D.STAFF_LOCKED_OUT, {"staff_id": row.staff_id, "seconds": D.LOCKOUT_S})
        try:
            after.refuse_if_locked(now)
        except Refused as exc:
            return Refused(f"{whose}{exc}")
    return Refused(f"{whose}wrong PIN; {after.left} {'try' if after.left == 1 else 'tries'} left before a "
                   f"{D.LOCKOUT_S // 60} min lock-out")


def log_system(room: Room, kind: str, payload: dict) -> None:
    session = room.state.open_session
    room.record(NewEvent(kind, payload, "system", session.session_id if session else None))
