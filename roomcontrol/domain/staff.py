"""Staff accounts as pure rules: roles, what a PIN may look like, its slow salted hash, and lock-out counting.

No I/O and no clock reads: the salt and the time are passed in. The hash is scrypt (memory-hard) with a
per-user salt; only `PinHash.encode()` is ever stored, never the PIN.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused

ROLES = ("nurse", "admin")
PIN_MIN, PIN_MAX = 4, 8
MAX_FAILURES = 5            # wrong PINs in a row before the account is locked out
LOCKOUT_S = 5 * 60          # for this long
STAFF_ID_PATTERN = "letters, digits, '.', '_' or '-', 2–32 characters"

# scrypt cost: ~50 ms and 16 MiB on a room PC; slow enough that a stolen database does not give PINs away
# in seconds, fast enough for a nurse at the door. Stored with each hash, so it can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1

STAFF_UNLOCKED = K.STAFF_UNLOCKED
STAFF_LOCKED = K.STAFF_LOCKED
STAFF_PIN_REJECTED = K.STAFF_PIN_REJECTED
STAFF_LOCKED_OUT = K.STAFF_LOCKED_OUT


def check_staff_id(staff_id: str) -> str:
    ok = isinstance(staff_id, str) and 2 <= len(staff_id) <= 32 and staff_id[0].isalnum() and \
        all(c.isascii() and (c.isalnum() or c in "._-") for c in staff_id)
    if not ok or staff_id in ("patient", "system"):
        raise Refused(f"staff id {staff_id!r} is not allowed: use {STAFF_ID_PATTERN} (not 'patient' or 'system')")
    return staff_id


def check_role(role: str) -> str:
    if role not in ROLES:
        raise Refused(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def check_pin(pin: str) -> str:
    """A PIN is 4–8 digits and not one digit repeated or a plain run (1234, 9876)."""
    if not isinstance(pin, str) or not pin.isdigit() or not pin.isascii():
        raise Refused("a PIN is digits only")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise Refused(f"a PIN has {PIN_MIN}–{PIN_MAX} digits")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise Refused("that PIN is too easy to guess (one digit repeated or a run); choose another")
    return pin


@dataclass(frozen=True)
class PinHash:
    salt: bytes
    digest: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def encode(self) -> str:
        return f"scrypt${self.n}${self.r}${self.p}${self.salt.hex()}${self.digest.hex()}"

    @classmethod
    def decode(cls, text: str) -> "PinHash":
        algo, n, r, p, salt, digest = text.split("$")
        if algo != "scrypt":
            raise ValueError(f"unknown PIN hash {algo!r}")
        return cls(bytes.fromhex(salt), bytes.fromhex(digest), int(n), int(r), int(p))


def hash_pin(pin: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> PinHash:
    if len(salt) < 16:
        raise ValueError("the salt must be at least 16 bytes")
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    return PinHash(salt, digest, n, r, p)


def verify_pin(pin: str, stored: str) -> bool:
    h = PinHash.decode(stored)
    return hmac.compare_digest(hash_pin(pin, h.salt, h.n, h.r, h.p).digest, h.digest)


@dataclass(frozen=True)
class Attempts:
    """Wrong PINs in a row for one account, and until when it is locked out."""
    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def refuse_if_locked(self, now: datetime) -> None:
        if self.locked_until is not None and now < self.locked_until:
            minutes = max(1, round((self.locked_until - now).total_seconds() / 60))
            raise Refused(f"too many wrong PINs: this account is locked for {minutes} more min")

    def failed(self, now: datetime) -> "Attempts":
        failures = self.failures + 1
        if failures >= MAX_FAILURES:
            return Attempts(0, now + timedelta(seconds=LOCKOUT_S))
        return Attempts(failures, None)

    @property
    def left(self) -> int:
        return MAX_FAILURES - self.failures
