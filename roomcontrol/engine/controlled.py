"""The controlled-substance record on the engine: `record_draw` and the witnessed `record_waste`.

The waste carries both signatures at once: the nurse's PIN and the witness's (a second, different, active account),
checked by the same slow hash and wrong-PIN counting as the lock screen (engine/staff.py). The screen's path,
`record_waste()`, hashes both PINs on the `pin-check` worker so neither the GUI nor the engine thread waits; the
command by name (scripts, scenarios) checks them inline, as `unlock` does. The rules are the domain's
(domain/controlled.py); the dose given is the session's own fold, taken as it stands.
"""

from __future__ import annotations

from concurrent.futures import Future

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain import session as S
from roomcontrol.domain import staff as D
from roomcontrol.domain.controlled import draw_payload, waste_payload
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import session_drug
from roomcontrol.engine.room import CommandResult, Room
from roomcontrol.engine.staff import check_account, clear_failures, pin_checked, pin_matches, wrong_pin
from roomcontrol.store.staff import StaffStore

WITNESS = "witness: "


class ControlledRecord:
    def __init__(self, room: Room, store: StaffStore | None = None):
        self.room = room
        self.store = store or StaffStore(room.db)
        self._verified: tuple[bool, bool] | None = None  # the worker's verdict on (nurse, witness) PINs, once
        room.bind(C.RecordDraw, self._draw)
        room.bind(C.RecordWaste, self._waste)

    # -- engine thread -------------------------------------------------------------------------------------
    def _session(self, *phases: str) -> S.Session:
        s = self.room.state.open_session
        if s is None:
            raise Refused("no session is open in this room")
        if s.phase not in phases:
            raise Refused(f"the session is {s.phase.replace('_', '-')}; this needs it "
                          + " or ".join(p.replace("_", "-") for p in phases))
        return s

    def _draw(self, c: C.RecordDraw, actor: str, now) -> list:
        s = self._session(S.PRE_INFUSION, S.INFUSING, S.PAUSED)
        drug = session_drug(self.room.config.session, s.protocol)
        today = now.astimezone().date()  # a label's expiry is the room's own calendar day
        return [(K.CS_DRAWN, draw_payload(s.controlled, drug, c.drug, c.mg_per_ml, c.ml, c.lot, c.expiry, today))]

    def _prepared(self, c: C.RecordWaste, actor: str, now):
        """Everything but the PINs: the session's rules first (a same-person witness is refused before any PIN
        counts), then both accounts active and not locked out. Returns (payload, nurse row, witness row)."""
        s = self._session(S.RECOVERY)
        payload = waste_payload(s.controlled, s.given_mg(now), c.ml, c.witness, actor, c.explanation)
        nurse = check_account(self.store, actor, now)
        witness = check_account(self.store, c.witness, now, WITNESS)
        return payload, nurse, witness

    def _waste(self, c: C.RecordWaste, actor: str, now) -> list:
        payload, nurse, witness = self._prepared(c, actor, now)
        verdict = self._verified or (D.verify_pin(c.pin, nurse.pin_hash), D.verify_pin(c.witness_pin,
                                                                                       witness.pin_hash))
        wrong = [wrong_pin(self.room, self.store, row, now, whose)
                 for row, whose, ok in ((nurse, "", verdict[0]), (witness, WITNESS, verdict[1])) if not ok]
        if wrong:
            raise wrong[0] if len(wrong) == 1 else Refused(f"both PINs are wrong: {wrong[0]}; {wrong[1]}")
        for row in (nurse, witness):
            clear_failures(self.store, row)
        return [(K.CS_WASTED, payload)]

    # -- the screen ----------------------------------------------------------------------------------------
    def record_waste(self, command: C.RecordWaste, actor: str) -> Future:
        """The waste panel's path (`pin_checked`): both hashes on the pin-check worker, then the command runs on
        the engine thread with that verdict (guards and rules again: the room may have moved on). The future
        gives a CommandResult, or raises Refused."""
        def run_with(verdict: tuple[bool, bool]) -> CommandResult:
            self._verified = verdict
            try:
                return CommandResult(self.room.execute(C.checked(command), actor), self.room.snapshot())
            finally:
                self._verified = None

        return pin_checked(self.room, lambda: self._prepared(command, actor, self.room.clock.now()),
                           lambda p: (pin_matches(command.pin, p[1]), pin_matches(command.witness_pin, p[2])),
                           lambda _, verdict: run_with(verdict))
