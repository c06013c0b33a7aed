"""Issue 15, Show: replay after a crash keeps the protocol and its timers. A child process opens a session under
each shipped protocol, titrates (an infusion) or gives devices (a nasal dose) and is killed with SIGKILL mid-dose;
the room reopened at that moment has the same protocol, planned time, segments and dose given, and runs on from
there: the dose completes at the plan's time, and a room closed again in recovery (no discharge) still holds the
protocol's minimum monitoring time before it lets the patient go."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.room import Room
from roomcontrol.store.eventlog import verify_chain
from tests.core.discharge_help import ESCORT, meet_rules, rems_form
from tests.core.helpers import PADSS_10, reconcile
from tests.core.protocol_crash_child import SHIPPED, held, protocols_config

ROOT = Path(__file__).resolve().parents[2]


def killed_mid_dose(data_dir: Path, protocol_id: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-u", "-m", "tests.core.protocol_crash_child", str(data_dir),
                             protocol_id], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    return json.loads(line)


@pytest.mark.parametrize("protocol_id", SHIPPED)
def test_a_session_killed_mid_dose_comes_back_with_its_protocol_segments_and_dose_given(tmp_path, protocol_id):
    before = killed_mid_dose(tmp_path, protocol_id)
    clock = FakeClock(datetime.fromisoformat(before["now"]))
    room = Room(protocols_config(), tmp_path, clock)
    protocol = next(p for p in room.config.session.protocols if p.id == protocol_id)
    after = held(room)
    assert after == before
    assert after["protocol"] == [protocol.id, protocol.version, protocol.title]
    if protocol.fixed_dose is None:  # two rate changes around a pause: four segments, two at a changed rate
        assert after["titrated"] and len(after["segments"]) == 4
        assert [seg[3] for seg in after["segments"]] == [True, False, False, False]
    else:  # 84 mg: three devices 5 min apart, two given (the second at 6 min), the third's timer running
        assert after["plan"]["devices"] == 3 and after["given_mg"] == 56.0 and after["planned_s"] == 600.0
        assert after["device"] == "Device 3 of 3 in 3:00"
        assert after["drawn_mg"] == 84.0  # the draw draw_before_dose asked for, back from the log

    s = room.state.open_session
    if protocol.fixed_dose is not None:  # the third device no sooner than 5 min after the second, restart or not
        clock.advance(179)
        with pytest.raises(Refused, match="device 3 of 3 is due 0:01 from now"):
            room.command("give_device", "rn.next")
        clock.advance(1)
        room.command("give_device", "rn.next")  # the last: the dosing ends, recovery starts
        assert room.state.phase == "recovery"
        reconcile(room)  # the devices drawn, all given: 0 mL wasted under a witness
    else:  # the infusion runs on to the plan's time, and completes then, not before
        clock.advance(s.planned_infusion_s - s.infusion_elapsed_s(clock.now()) - 120)
        with pytest.raises(Refused):
            room.command("complete_infusion", "rn.next")
        clock.advance(120)
        room.command("complete_infusion", "rn.next")
    given = room.state.session.given_mg(clock.now())
    if protocol.fixed_dose is not None:
        assert given == 84.0
    else:
        assert given == pytest.approx(float(s.plan["total_dose_mg"]) + sum(
            (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600 * (rate - s.plan[
                "rate_mg_per_h"]) for start, end, rate, _ in before["segments"] if end), abs=0.01)

    # closed in recovery without a discharge: the protocol's minimum monitoring time survives the restart
    minimum = protocol.discharge.min_after_last_dose_min
    clock.advance(minimum * 60 - 300)
    room.command("record_assessment", "rn.next", scale="PADSS", items=PADSS_10)
    room.close()
    room = Room(protocols_config(), tmp_path, clock)
    assert room.state.session.protocol == protocol.id
    assert room.snapshot().recovery_remaining_s == pytest.approx(300.0)
    with pytest.raises(Refused, match="Monitored .* of the .* required after the last dose"):
        room.command("discharge", "rn.next", **ESCORT)
    clock.advance(300)
    meet_rules(room)
    room.command("discharge", "rn.next", **ESCORT, rems=rems_form(room) if protocol.rems else None)
    assert room.state.phase == "discharged" and room.state.session.given_mg(clock.now()) == given
    assert verify_chain(room.db).ok
    room.close()
