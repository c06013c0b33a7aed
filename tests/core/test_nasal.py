"""domain/nasal.py: a fixed dose given device by device — which device is next, when it is due, the card's line,
and the refusals in the nurse's words (an infusion has no devices; none sooner than the protocol's interval)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.nasal import device_status, given_devices, next_device, upcoming
from roomcontrol.domain.session import Session
from tests.core.helpers import NURSE, draw_devices
from tests.core.test_protocol_show import room  # noqa: F401  (a room offering the shipped protocols)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
NASAL = {"weight_kg": 70.0, "dose_mg": 84.0, "devices": 3, "device_interval_min": 5.0, "total_dose_mg": 84.0,
         "planned_infusion_min": 10.0, "rate_mg_per_h": None}


def session(**kw) -> Session:
    return replace(Session("s", T0, "PT", 1, dict(NASAL)), **kw)


def test_the_next_device_and_when_it_is_due():
    s = session()
    assert given_devices(s) == 0 and device_status(s, T0) is None
    first = next_device(s, T0)
    assert (first.n, first.of, first.mg, first.due_at, first.last) == (1, 3, 28.0, None, False)
    started = session(infusion_started_at=T0, running_since=T0)        # started with start_infusion: device 1
    assert given_devices(started) == 1
    assert upcoming(started).n == 2 and upcoming(started).due_at == T0 + timedelta(minutes=5)
    assert device_status(started, T0 + timedelta(seconds=108)) == "Device 2 of 3 in 3:12"
    assert device_status(started, T0 + timedelta(minutes=5)) == "Device 2 of 3 due now"
    with pytest.raises(Refused, match=r"device 2 of 3 is due 0:01 from now: the protocol gives its devices 5 min "
                                      r"apart"):
        next_device(started, T0 + timedelta(seconds=299.5))
    two = replace(started, device_n=2, last_device_at=T0 + timedelta(minutes=6))
    last = next_device(two, T0 + timedelta(minutes=11))
    assert (last.n, last.last, last.payload) == (3, True, {"n": 3, "of": 3, "mg": 28.0})
    done = replace(two, device_n=3)
    assert upcoming(done) is None and device_status(done, T0) is None
    with pytest.raises(Refused, match="every device of this dose has been given"):
        next_device(done, T0)
    ended = replace(started, infusion_ended_at=T0 + timedelta(minutes=10))  # completed or stopped
    assert upcoming(ended) is None
    assert device_status(replace(started, plan={**NASAL, "devices": None}), T0) is None  # not a nasal plan


def test_an_infusion_has_no_devices(room):  # noqa: F811
    room.command("open_session", NURSE, protocol="ketamine-depression", patient_ref="PT-1", weight_kg=70)
    with pytest.raises(Refused, match="devices are given in a fixed-dose \\(intranasal\\) session; this one is an "
                                      "infusion at a rate"):
        room.command("give_device", NURSE)


def test_the_first_device_needs_the_protocols_checks_and_completing_needs_every_device(room):  # noqa: F811
    room.command("open_session", NURSE, protocol="esketamine-nasal", patient_ref="PT-2", weight_kg=70, dose_mg=56)
    with pytest.raises(Refused, match="cannot start the infusion: not yet confirmed: consent, escort, "
                                      "medications reviewed, identity confirmed"):
        room.command("give_device", NURSE)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        room.command("confirm_checklist", NURSE, item=item)
    room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
    with pytest.raises(Refused, match=r"Record the esketamine drawn \(lot, expiry\) before the first dose: this "
                                      "protocol requires it"):
        room.command("give_device", NURSE)  # draw_before_dose: the devices' draw first
    assert room.state.session.device_n == 0 and room.state.phase == "pre_infusion"
    draw_devices(room)
    kinds = [e.kind for e in room.command("give_device", NURSE)]
    assert kinds == ["infusion.started", "dose.device_given"]
    assert room.state.session.given_mg(room.clock.now()) == 28.0
    room.clock.advance(10 * 60)
    with pytest.raises(Refused, match='1 of 2 nasal devices given: give the next with "Device given" when it is '
                                      'due, or stop with a reason'):
        room.command("complete_infusion", NURSE)
    kinds = [e.kind for e in room.command("give_device", NURSE)]
    assert kinds == ["dose.device_given", "infusion.completed", "recovery.started"]
    done = [e for e in room.log.events() if e.kind == "infusion.completed"][-1]
    assert done.payload["given_mg"] == 56.0 and room.state.phase == "recovery"


def test_a_high_pre_dose_bp_holds_the_first_device_as_it_holds_a_start(room):  # noqa: F811
    room.command("open_session", NURSE, protocol="esketamine-nasal", patient_ref="PT-3", weight_kg=70, dose_mg=56)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        room.command("confirm_checklist", NURSE, item=item)
    room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=152, nibp_diastolic=94)
    draw_devices(room)
    with pytest.raises(Refused, match=r"Blood pressure above 140/90 .* BP 152/94\. Decide first"):
        room.command("give_device", NURSE)
    room.command("decide_pre_dose", NURSE, decision="proceed", reason="white-coat; prescriber consulted")
    assert [e.kind for e in room.command("give_device", NURSE)] == ["infusion.started", "dose.device_given"]
