"""Diffuser relay commands byte for byte over a pseudo-terminal; cycles, max run time and the OFF guarantees."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.devices.diffuser import (DiffuserController, LcusRelay, LineProtocol, MistProgram, SerialSwitch,
                                          SimulatedSwitch, lcus_command, mist_phase)
from roomcontrol.devices.registry import open_device
from roomcontrol.domain.vitals import Health
from tests.devices.ptyhelp import PtyDevice

ON1, OFF1 = bytes.fromhex("A0 01 01 A2"), bytes.fromhex("A0 01 00 A1")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def chunks(data: bytes, n: int = 4) -> list[bytes]:
    assert len(data) % n == 0, data.hex()
    return [data[i:i + n] for i in range(0, len(data), n)]


def collapse(seq):
    out = []
    for x in seq:
        if not out or out[-1] != x:
            out.append(x)
    return out


def test_lcus_commands_byte_for_byte():
    assert lcus_command(1, True) == ON1
    assert lcus_command(1, False) == OFF1
    assert lcus_command(2, True) == bytes.fromhex("A0 02 01 A3")
    assert lcus_command(4, False) == bytes.fromhex("A0 04 00 A4")
    with pytest.raises(ValueError):
        LcusRelay(0)


def test_line_protocol_accepts_escaped_strings_from_config():
    p = LineProtocol("MIST 1\\r\\n", "MIST 0\\r\\n")
    assert p.command(True) == b"MIST 1\r\n" and p.command(False) == b"MIST 0\r\n"
    with pytest.raises(ValueError):
        LineProtocol("X", "X")


def test_mist_phase_cycles_and_stops_at_max_run():
    p = MistProgram(on_s=10, off_s=20, max_run_s=65)
    assert mist_phase(0, p) == (True, 10)
    assert mist_phase(9.5, p) == (True, 0.5)
    assert mist_phase(10, p) == (False, 20)
    assert mist_phase(61, p) == (True, 4)       # the 3rd mist period is cut by the max run time
    assert mist_phase(65, p) == (False, float("inf"))
    assert mist_phase(3, MistProgram(on_s=5, off_s=0, max_run_s=100)) == (True, 97)


def test_relay_bytes_on_a_pty_follow_the_cycle():
    dev = PtyDevice()
    clock = FakeClock()
    changes = []
    ctl = DiffuserController(SerialSwitch(dev.path, LcusRelay(1), clock=clock), clock=clock,
                             on_change=lambda on, why: changes.append((on, why)))
    try:
        ctl.step()                                    # start-up: OFF before anything else
        assert dev.wait_for(lambda d: len(d) >= 4)
        assert dev.data() == OFF1
        ctl.mist(MistProgram(on_s=10, off_s=20, max_run_s=70))
        for _ in range(80):                           # 80 s in 1 s steps
            ctl.step()
            clock.advance(1.0)
        assert dev.wait_for(lambda d: len(d) >= 4 * 7)
        sent = chunks(dev.data())
        # OFF, then on at 0, off at 10, on at 30, off at 40, on at 60, off at 70 (max run)
        assert sent == [OFF1, ON1, OFF1, ON1, OFF1, ON1, OFF1]
        assert [c[1] for c in changes] == ["startup", "cycle", "cycle", "cycle", "cycle", "cycle", "max_run"]
        assert not ctl.status().running
        # idle: OFF is resent every resend_s (30 s) as a safety net, never ON
        for _ in range(65):
            ctl.step()
            clock.advance(1.0)
        assert dev.wait_for(lambda d: len(d) >= 4 * 9)
        assert set(chunks(dev.data())[7:]) == {OFF1}
    finally:
        ctl.close()
        dev.close()


def test_off_mid_cycle_and_line_protocol_bytes():
    dev = PtyDevice()
    clock = FakeClock()
    ctl = DiffuserController(SerialSwitch(dev.path, LineProtocol(), clock=clock), clock=clock)
    try:
        ctl.mist(MistProgram(on_s=60, off_s=60, max_run_s=600))
        ctl.step()
        clock.advance(5)
        ctl.off()
        ctl.step()
        assert dev.wait_for(lambda d: d.count(b"\n") >= 3)
        assert dev.data() == b"OFF\r\nON\r\nOFF\r\n"
        assert ctl.status().mist_on is False
    finally:
        ctl.close()
        dev.close()


def test_reports_lost_and_keeps_off_safe_without_a_port(tmp_path):
    health = []
    clock = FakeClock()
    sw = SerialSwitch(str(tmp_path / "gone"), LcusRelay(), clock=clock, on_health=health.append)
    ctl = DiffuserController(sw, clock=clock)
    ctl.step()
    ctl.off()                       # must not raise
    ctl.close()
    assert [h.health for h in health] == [Health.CONNECTING, Health.LOST]
    assert "cannot open" in health[-1].detail


def _child(path: str, body: str) -> subprocess.CompletedProcess:
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {ROOT!r})
        from roomcontrol.devices.diffuser import MistProgram
        from roomcontrol.devices.registry import open_device
        ctl = open_device("diffuser", "lcus_relay", {path!r}, {{}}, clock=None, on_health=None, name="diffuser")
        ctl.start()
        ctl.mist(MistProgram(on_s=60, off_s=60, max_run_s=600))
        t = time.monotonic()
        while ctl.status().mist_on is not True and time.monotonic() - t < 10:
            time.sleep(0.01)
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True)


@pytest.mark.parametrize("ending", ["sys.exit(0)", "raise RuntimeError('crash in the app')"])
def test_exit_sends_off_even_after_a_crash(ending):
    dev = PtyDevice()
    try:
        _child(dev.path, ending)
        assert dev.wait_for(lambda d: len(d) >= 12)
        sent = collapse(chunks(dev.data()))
        assert sent == [OFF1, ON1, OFF1], "start-up OFF, mist ON, exit OFF"
    finally:
        dev.close()


def test_a_restart_switches_off_what_a_killed_process_left_on():
    dev = PtyDevice()
    try:
        _child(dev.path, "import os; os._exit(9)")     # like SIGKILL: no atexit, relay left ON
        assert dev.wait_for(lambda d: len(d) >= 8)
        assert collapse(chunks(dev.data()))[-1] == ON1
        dev.clear()
        ctl = open_device("diffuser", "lcus_relay", dev.path, {}, clock=None, on_health=None,
                          name="diffuser").start()                   # the restarted app
        try:
            assert dev.wait_for(lambda d: len(d) >= 4)
            assert dev.data()[:4] == OFF1
        finally:
            ctl.close()
    finally:
        dev.close()


def test_simulated_switch_same_controller():
    clock = FakeClock()
    sw = SimulatedSwitch(clock=clock)
    ctl = DiffuserController(sw, clock=clock)
    ctl.mist(MistProgram(on_s=1, off_s=1, max_run_s=3))
    for _ in range(40):
        ctl.step()
        clock.advance(0.25)
    assert collapse(sw.history) == [False, True, False, True, False]
    ctl.close()
