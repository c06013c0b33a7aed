"""Staff rules (roomcontrol.domain.staff): ids, roles, PIN shape, the stored hash and lock-out counting."""

from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.staff import (LOCKOUT_S, MAX_FAILURES, Attempts, PinHash, check_pin, check_role,
                                      check_staff_id, hash_pin, verify_pin)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
SALT = bytes(range(16))
FAST = dict(n=2 ** 4, r=1, p=1)  # a cheap scrypt cost for tests; stored with the hash like the real one


@pytest.mark.parametrize("staff_id", ["ab", "nurse.kim", "a_b-c", "x" * 32])
def test_good_staff_ids(staff_id):
    assert check_staff_id(staff_id) == staff_id


@pytest.mark.parametrize("staff_id", ["a", "x" * 33, ".kim", "kim ok", "kïm", "patient", "system", 7])
def test_bad_staff_ids(staff_id):
    with pytest.raises(Refused, match="is not allowed"):
        check_staff_id(staff_id)


def test_roles():
    assert check_role("admin") == "admin"
    with pytest.raises(Refused, match="role must be one of nurse, admin, got 'doctor'"):
        check_role("doctor")


@pytest.mark.parametrize("pin", ["2580", "13579", "90210788"])
def test_good_pins(pin):
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin, match", [
    ("12a4", "digits only"), (1234, "digits only"), ("١٢٣٤٥", "digits only"),
    ("123", "4–8 digits"), ("123456789", "4–8 digits"),
    ("7777", "too easy"), ("3456", "too easy"), ("8765", "too easy"),
])
def test_bad_pins(pin, match):
    with pytest.raises(Refused, match=match):
        check_pin(pin)


def test_hash_round_trip_and_verify():
    stored = hash_pin("2580", SALT, **FAST).encode()
    assert stored.startswith("scrypt$16$1$1$" + SALT.hex() + "$")
    assert "2580" not in stored
    assert PinHash.decode(stored) == hash_pin("2580", SALT, **FAST)
    assert verify_pin("2580", stored)
    assert not verify_pin("2581", stored)


def test_hash_refuses_a_short_salt_and_decode_an_unknown_algorithm():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        hash_pin("2580", b"short", **FAST)
    with pytest.raises(ValueError, match="unknown PIN hash 'md5'"):
        PinHash.decode("md5$1$1$1$00$00")


def test_lock_out_after_max_failures_for_lockout_s():
    attempts = Attempts()
    for n in range(1, MAX_FAILURES):
        attempts = attempts.failed(NOW)
        assert attempts.failures == n and attempts.left == MAX_FAILURES - n and not attempts.locked(NOW)
        attempts.refuse_if_locked(NOW)  # not locked yet: no refusal
    attempts = attempts.failed(NOW)
    until = NOW + timedelta(seconds=LOCKOUT_S)
    assert attempts == Attempts(0, until)
    assert attempts.locked(NOW) and not attempts.locked(until)
    with pytest.raises(Refused, match="locked for 5 more min"):
        attempts.refuse_if_locked(NOW)
    with pytest.raises(Refused, match="locked for 1 more min"):  # never "0 more min"
        attempts.refuse_if_locked(until - timedelta(seconds=5))
    attempts.refuse_if_locked(until)
