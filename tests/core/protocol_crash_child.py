"""Child process of the protocol replay test: opens a session under a protocol, doses (titrating an infusion twice
around a pause; for a nasal dose, two of its three devices), prints what the room holds as one JSON line, then waits to
be killed (SIGKILL: no close, no last write). Time is a FakeClock from a fixed start, so the parent can reopen the
room at the very moment the child stood."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone

from roomcontrol.clock import FakeClock
from roomcontrol.domain.nasal import device_status
from roomcontrol.engine.room import Room
from tests.core.helpers import BASELINE, SHIPPED_PROTOCOLS, draw_devices, protocols_config

START = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
NURSE = "rn.kill"
SHIPPED = SHIPPED_PROTOCOLS


def held(room: Room) -> dict:
    """What a restart must give back: the protocol, the plan's time, the segments, the dose given, the timers."""
    s = room.state.open_session
    now = room.clock.now()
    snap = room.snapshot()
    return {"now": now.isoformat(), "phase": s.phase, "protocol": [s.protocol, s.protocol_version, s.protocol_title],
            "planned_s": s.planned_infusion_s, "elapsed_s": s.infusion_elapsed_s(now), "given_mg": s.given_mg(now),
            "rate_mg_per_h": s.rate_mg_per_h, "titrated": s.titrated,
            "segments": [[seg.start.isoformat(), seg.end.isoformat() if seg.end else None, seg.rate_mg_per_h,
                          seg.planned] for seg in s.segments],
            "remaining_s": snap.infusion_remaining_s, "dose_given_mg": snap.dose_given_mg,
            "plan": s.plan, "device": device_status(s, now), "drawn_mg": s.controlled.drawn_mg}


def dose(room: Room, clock: FakeClock, protocol_id: str) -> None:
    protocol = next(p for p in room.config.session.protocols if p.id == protocol_id)
    fixed = protocol.fixed_dose is not None
    room.command("open_session", NURSE, protocol=protocol_id, patient_ref="PT-KILL", weight_kg=80,
                 **({"dose_mg": 84} if fixed else {}))
    for item in protocol.checks:
        extra = {"hours_since_solids": 8, "hours_since_clear_fluids": 3} if item == "npo" else {}
        room.command("confirm_checklist", NURSE, item=item, **extra)
    room.command("record_baseline", NURSE, **BASELINE)
    if protocol.draw_before_dose:  # esketamine: the devices drawn before the first
        draw_devices(room, NURSE)
    clock.advance(60)
    if fixed:  # device by device: the first starts the dosing, the second 6 min later (due at 5)
        room.command("give_device", NURSE)
        clock.advance(6 * 60)
        room.command("give_device", NURSE)
        clock.advance(2 * 60)  # the third is due 3 min from now
        return
    room.command("start_infusion", NURSE)
    rate = room.state.open_session.rate_mg_per_h
    clock.advance(10 * 60)
    room.command("change_rate", NURSE, rate_mg_per_h=round(rate * 1.2, 2), reason="tolerating well: up")
    clock.advance(5 * 60)
    room.command("pause_infusion", NURSE, reason="nausea")
    clock.advance(2 * 60)
    room.command("resume_infusion", NURSE)
    clock.advance(3 * 60)
    room.command("change_rate", NURSE, rate_mg_per_h=rate, reason="dissociating: back to the plan")
    clock.advance(90)


def main(data_dir: str, protocol_id: str) -> None:
    clock = FakeClock(START)
    room = Room(protocols_config(), data_dir, clock)
    dose(room, clock, protocol_id)
    print(json.dumps(held(room)), flush=True)
    while True:  # killed here, mid-dose, with the session open
        time.sleep(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
