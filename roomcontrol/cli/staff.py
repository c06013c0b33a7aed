"""`roomcontrol staff add|list|disable`: staff accounts of this room's database.

Each function opens the room database (migrating it when needed), does one thing and closes it; a running room
sees the change at its next sign-in. A PIN is stored only as a slow salted hash (scrypt, a salt per account).
"""

from __future__ import annotations

import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path

from roomcontrol.cli.common import CliError
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.store import database
from roomcontrol.store.staff import StaffStore


NO_TERMINAL = "no terminal to ask the PIN: pass --pin-stdin and pipe it"


def read_pin(pin_stdin: bool, stdin=None) -> str:
    """The new account's PIN: one line of standard input with --pin-stdin, else asked twice on the terminal.
    Without a terminal (a script, a pipe, a service) it is refused in one line (CliError, exit 2)."""
    stdin = stdin or sys.stdin
    if pin_stdin:
        pin = stdin.readline().strip()
        if not pin:
            raise CliError("--pin-stdin: no PIN on standard input")
        return pin
    if not (stdin.isatty() if hasattr(stdin, "isatty") else False):
        raise CliError(NO_TERMINAL)
    import getpass
    try:
        pin = getpass.getpass("PIN: ")
        again = getpass.getpass("PIN again: ")
    except EOFError:
        raise CliError(NO_TERMINAL) from None
    if again != pin:
        raise CliError("the two PINs differ")
    return pin


def add_staff(data_dir: Path | str, staff_id: str, name: str, role: str, pin: str) -> dict:
    """Add an account; raises Refused (bad id, role or PIN) or StoreError (the id exists, the disk...)."""
    D.check_staff_id(staff_id)
    D.check_role(role)
    D.check_pin(pin)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Refused("a name of 1–80 characters is required")
    pin_hash = D.hash_pin(pin, secrets.token_bytes(16)).encode()
    with _store(data_dir) as store:
        return store.add(staff_id, name, role, pin_hash, datetime.now(timezone.utc)).public()


def list_staff(data_dir: Path | str) -> list[dict]:
    """Every account, disabled ones too (staff_id, name, role, active, created_ts); never the hash."""
    with _store(data_dir) as store:
        return [r.public() for r in store.all()]


def disable_staff(data_dir: Path | str, staff_id: str) -> bool:
    """Disable an account (it is never deleted: the log still names it). False if there is no such id."""
    with _store(data_dir) as store:
        return store.disable(staff_id)


class _store:
    def __init__(self, data_dir):
        self.db = database.open_room_db(data_dir)

    def __enter__(self) -> StaffStore:
        return StaffStore(self.db)

    def __exit__(self, *exc) -> None:
        self.db.conn.close()
