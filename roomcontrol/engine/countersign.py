"""A second person signs with their own PIN on the same screen, at the time (an administrator's discharge override).

`sign(staff_id, pin)` checks the PIN as the sign-in does (the slow hash on a worker thread, the account and the
outcome on the engine thread, a wrong PIN counted towards the lock-out and logged as staff.pin_rejected) without
signing anyone in or out. A good PIN leaves a signature good for SIGNATURE_S; the command guard then lets a
command naming that person in `signed_by` through, only if the person holds the role it needs (admin) and signed
within that time. The events the command logs carry the signer as their actor.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused

if TYPE_CHECKING:
    from roomcontrol.engine.staff import StaffGate

SIGNATURE_S = 300.0  # long enough to read the override back before holding Discharge, short enough to be "now"
SIGNER_ROLE = "admin"


class Countersign:
    def __init__(self, gate: "StaffGate"):
        self.gate, self.room = gate, gate.room
        self.signed: dict[str, tuple[str, str, datetime]] = {}  # staff id → (name, role, when)
        self.room.add_command_guard(self._guard)

    def sign(self, staff_id: str, pin: str) -> Future:
        """The future gives {"staff_id", "name", "role"} of who signed, or raises Refused (wrong PIN, locked out,
        not an administrator)."""
        from roomcontrol.engine.staff import check_account, pin_checked, pin_matches  # (staff.py makes this object)
        now = self.room.clock.now
        return pin_checked(self.room, lambda: check_account(self.gate.store, staff_id, now()),
                           lambda row: pin_matches(pin, row), lambda row, ok: self._conclude(row.staff_id, ok))

    def _conclude(self, staff_id: str, pin_ok: bool) -> dict:
        """Engine thread: count a wrong PIN (as the sign-in does), or keep the signature."""
        now = self.room.clock.now()
        from roomcontrol.engine.staff import check_account, clear_failures, wrong_pin
        row = check_account(self.gate.store, staff_id, now)
        if not pin_ok:
            raise wrong_pin(self.room, self.gate.store, row, now, f"{row.name}: ", countersign=True)
        clear_failures(self.gate.store, row)
        if row.role != SIGNER_ROLE:
            raise Refused(f"{row.name} is not an administrator: only an administrator may override")
        self.signed[staff_id] = (row.name, row.role, now)
        return {"staff_id": row.staff_id, "name": row.name, "role": row.role}

    def _guard(self, command: C.Command, actor: str) -> None:
        signer = getattr(command, "signed_by", None)
        if signer is None or actor == "system":  # a scenario's scripted act names its signer itself
            return
        held = self.signed.get(signer)
        now = self.room.clock.now()
        if held is None or held[1] != SIGNER_ROLE or now - held[2] > timedelta(seconds=SIGNATURE_S):
            raise Refused("the administrator's signature is missing or too old: sign with the PIN again")
