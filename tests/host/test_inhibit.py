"""The sleep inhibit against a real D-Bus daemon (private bus) and, for Windows, the injected kernel32 call."""

from __future__ import annotations

import pytest

from roomcontrol.host import inhibit
from roomcontrol.host.inhibit import ES_CONTINUOUS, ES_DISPLAY_REQUIRED, ES_SYSTEM_REQUIRED, SleepInhibitor, \
    hold_awake
from tests.host.dbus_service import FakeDesktop, start_bus


@pytest.fixture
def bus():
    proc, address = start_bus()
    yield address
    proc.terminate()
    proc.wait(5)


def test_screensaver_and_login1_inhibited_then_released(bus):
    desktop = FakeDesktop(bus).start()
    try:
        inhibitor = SleepInhibitor(platform="linux", session_bus=bus, system_bus=bus)
        state = inhibitor.acquire()
        assert state.held == ["display (org.freedesktop.ScreenSaver)", "sleep and idle (org.freedesktop.login1)"]
        assert state.sleep_blocked and state.describe().startswith("sleep inhibited: display")
        assert desktop.calls[0] == ("Inhibit", ("RoomControl", inhibit.REASON))
        assert desktop.calls[1] == ("Inhibit", ("sleep:idle", "RoomControl", inhibit.REASON, "block"))
        assert not desktop.lock_released()  # we hold the lock's descriptor
        inhibitor.release()
        assert desktop.calls[2] == ("UnInhibit", (1,))  # the cookie Inhibit gave
        assert desktop.lock_released()
        inhibitor.release()  # twice is harmless
        assert len(desktop.calls) == 3
    finally:
        desktop.stop()


def test_no_login1_is_a_state_with_the_reason(bus):
    desktop = FakeDesktop(bus, login1=False).start()
    try:
        with hold_awake(platform="linux", session_bus=bus, system_bus=bus) as state:
            assert state.held == ["display (org.freedesktop.ScreenSaver)"]
            assert not state.sleep_blocked
            assert "sleep: org.freedesktop.login1 not available" in state.describe()
        assert [c[0] for c in desktop.calls] == ["Inhibit", "UnInhibit"]
    finally:
        desktop.stop()


def test_no_service_on_the_bus_and_no_bus_at_all(bus, tmp_path):
    state = SleepInhibitor(platform="linux", session_bus=bus, system_bus=f"unix:path={tmp_path}/none").acquire()
    assert state.held == []
    text = state.describe()
    assert text.startswith("sleep not inhibited: display: org.freedesktop.ScreenSaver not available")
    assert "sleep: no system bus" in text
    probed = inhibit.probe(platform="linux", session_bus=f"unix:path={tmp_path}/none", system_bus=bus)
    assert "display: no session bus" in probed.describe()


def test_unset_session_bus_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    state = SleepInhibitor(platform="linux", system_bus=f"unix:path={tmp_path}/none").acquire()
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in state.describe()


class Kernel32:
    """Stands in for ctypes.windll.kernel32 (Windows only): records each SetThreadExecutionState call."""

    def __init__(self, answer: int = ES_CONTINUOUS):
        self.calls: list[int] = []
        self.answer = answer

    def SetThreadExecutionState(self, flags: int) -> int:  # noqa: N802 - the Win32 name
        self.calls.append(flags)
        return self.answer


def test_windows_execution_state_set_and_cleared():
    k32 = Kernel32()
    with hold_awake(platform="win32", kernel32=k32) as state:
        assert state.held == ["system and display (SetThreadExecutionState)"] and state.sleep_blocked
        assert k32.calls == [ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED]
    assert k32.calls[-1] == ES_CONTINUOUS
    refused = SleepInhibitor(platform="win32", kernel32=Kernel32(answer=0)).acquire()
    assert refused.describe() == "sleep not inhibited: SetThreadExecutionState refused"


def test_windows_without_kernel32_and_other_systems():
    assert "kernel32 not available" in SleepInhibitor(platform="win32").acquire().describe()
    assert SleepInhibitor(platform="darwin").acquire().describe() == "sleep not inhibited: not supported on darwin"


def test_run_headless_holds_the_inhibit_while_it_runs(bus, tmp_path, monkeypatch, capsys):
    from roomcontrol.cli.main import main
    desktop = FakeDesktop(bus).start()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
    scenario = tmp_path / "short.toml"
    scenario.write_text('name = "short"\n[[step]]\nat = "00:00"\ndo = "open_session"\nactor = "rn.ada"\n'
                        'args = { patient_ref = "PT-1", course_no = 1, weight_kg = 70, dose_mg_per_kg = 0.5, '
                        'planned_infusion_min = 40 }\n')
    try:
        assert main(["run", "--headless", "--simulate", "--scenario", str(scenario), "--speed", "60",
                     "--data-dir", str(tmp_path / "d")]) == 0
        out = capsys.readouterr().out
        assert "# sleep inhibited: display (org.freedesktop.ScreenSaver), sleep and idle (org.freedesktop.login1)" \
            in out
        assert [c[0] for c in desktop.calls] == ["Inhibit", "Inhibit", "UnInhibit"]  # released when it ended
        assert desktop.lock_released()
    finally:
        desktop.stop()
