"""What differs on a Windows clinic PC, tested here: COM port names (in room.toml, in `roomcontrol ports`, at
open), the data directory (%LOCALAPPDATA%\\roomcontrol), a sound card missing or an SDL driver of another OS, and
paths with spaces (data dir, config, scenario). The OS branch lives in roomcontrol/devices/ports.py (ports) and
platformdirs (the data dir); `sys.platform` is set to "win32" where the code asks it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PureWindowsPath

import platformdirs
import pytest
from serial.tools.list_ports_common import ListPortInfo

from roomcontrol.cli import installer
from roomcontrol.cli.main import main
from roomcontrol.cli.run import SCENARIOS_DIR, scenario_path
from roomcontrol.config import ConfigError, default_data_dir, load_config
from roomcontrol.devices.ports import open_port, port_name, port_problem
from tests.devices.audiohelp import run_player_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def windows(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")


@pytest.mark.parametrize("given, opens", [
    ("COM3", "COM3"), ("com3", "COM3"), ("COM9", "COM9"),
    ("COM10", r"\\.\COM10"), ("com12", r"\\.\COM12"), (r"\\.\COM10", r"\\.\COM10"), (r"\\.\COM4", "COM4"),
    ("socket://10.0.0.5:4001", "socket://10.0.0.5:4001"), ("loop://", "loop://"),
])
def test_windows_opens_com10_and_above_through_the_device_namespace(windows, given, opens):
    assert port_name(given) == opens


def test_elsewhere_a_port_name_is_left_as_written():
    for name in ("/dev/ttyUSB0", "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", "COM10", "socket://h:1"):
        assert port_name(name, platform="linux") == name


def test_open_port_still_opens_pyserial_urls_on_windows(windows):
    port = open_port("loop://", baudrate=9600, timeout=0.1)
    try:
        port.write(b"\x01\x02")
        assert port.read(2) == b"\x01\x02"
    finally:
        port.close()


def _room_toml(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "room config.toml"
    # A TOML literal string ('...'): a backslash is just a backslash, as an installer types \\.\COM10.
    path.write_text(f"[devices.vitals]\ndriver = \"nonin\"\nurl = '{url}'\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("url", ["COM3", "COM10", r"\\.\COM10", "com7", "socket://192.168.1.20:4001"])
def test_room_toml_with_a_windows_port_loads_on_windows(windows, tmp_path, url):
    config = load_config(_room_toml(tmp_path / "Clinic Config", url))
    assert config.devices["vitals"].url == url and config.devices["vitals"].driver == "nonin"


@pytest.mark.parametrize("url, said", [
    ("/dev/ttyUSB0", "a Linux device file; on Windows a port is COM1, COM2"),
    ("COMX", "not a Windows port name"),
    ("COM0", "not a Windows port name"),
])
def test_a_port_windows_cannot_open_names_the_key_on_windows(windows, tmp_path, url, said):
    with pytest.raises(ConfigError) as err:
        load_config(_room_toml(tmp_path / "Clinic Config", url))
    assert f"devices.vitals.url = '{url}': {said}" in str(err.value)


def test_a_windows_port_in_a_linux_room_toml_names_the_key(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(ConfigError) as err:
        load_config(_room_toml(tmp_path, "COM3"))
    assert "devices.vitals.url = 'COM3': a Windows port name; on this PC a port is a device such as /dev/ttyUSB0" \
        in str(err.value)
    assert port_problem("/dev/ttyUSB0", platform="linux") is None


def _port(device: str, description: str, hwid: str) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.description, info.hwid = description, hwid
    return info


def test_ports_prints_each_windows_port_as_room_toml_takes_it_in_number_order(windows, capsys):
    # What pyserial's list_ports_windows gives (device names from the registry, in its order).
    ports = [_port("COM10", "USB Serial Port (COM10)", "USB VID:PID=0403:6001 SER=A50285BI"),
             _port("COM3", "Nonin USB (COM3)", "USB VID:PID=0403:6001 SER=N123"),
             _port("COM1", "Communications Port (COM1)", "ACPI\\PNP0501\\1")]
    assert installer.ports(ports) == 0
    assert capsys.readouterr().out.splitlines() == [
        "COM1\tCommunications Port (COM1)\tACPI\\PNP0501\\1",
        "COM3\tNonin USB (COM3)\tUSB VID:PID=0403:6001 SER=N123",
        "\\\\.\\COM10\tUSB Serial Port (COM10)\tUSB VID:PID=0403:6001 SER=A50285BI",
    ]


def test_ports_on_this_pc_lists_what_pyserial_finds(capsys):
    assert main(["ports"]) == 0
    for line in capsys.readouterr().out.splitlines():
        assert line.startswith(("COM", "\\\\.\\COM") if sys.platform == "win32" else "/dev/")
        assert line.count("\t") == 2


def test_the_data_dir_on_windows_is_local_appdata_roomcontrol(monkeypatch):
    local = r"C:\Users\Nurse Ada\AppData\Local"
    monkeypatch.setenv("LOCALAPPDATA", local)
    monkeypatch.setenv("APPDATA", r"C:\Users\Nurse Ada\AppData\Roaming")
    monkeypatch.delenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", raising=False)
    from platformdirs import windows
    from platformdirs.windows import Windows
    # Here platformdirs cannot ask the shell (SHGetKnownFolderPath); its own reader of the variables stands in.
    monkeypatch.setattr(windows, "_resolve_win_folder", windows.get_win_folder_from_env_vars)
    # (joined here with posixpath's "/": a Windows path reads it as its separator too)
    assert PureWindowsPath(default_data_dir(Windows)) == PureWindowsPath(local) / "roomcontrol"


def test_the_data_dir_on_linux_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "my data"))
    from platformdirs.unix import Unix
    assert default_data_dir(Unix) == tmp_path / "my data" / "roomcontrol"
    assert default_data_dir() == Path(platformdirs.user_data_dir("roomcontrol", appauthor=False))


def _rc(*args, env_extra=None, cwd=ROOT):
    import os
    env = {**os.environ, **(env_extra or {}), "QT_QPA_PLATFORM": "offscreen", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.run([sys.executable, "-m", "roomcontrol", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_spaces_in_the_config_data_dir_and_scenario_paths(tmp_path):
    folder = tmp_path / "Clinic PC" / "Room One"
    config = folder / "room config.toml"
    folder.mkdir(parents=True)
    config.write_text('[room]\nid = "room-7"\nname = "Room Seven"\n', encoding="utf-8")
    scenario = folder / "my scenarios" / "a standard session.toml"
    scenario.parent.mkdir()
    scenario.write_bytes((SCENARIOS_DIR / "standard-session.toml").read_bytes())
    data = folder / "room data"
    proc = _rc("run", "--headless", "--simulate", "--config", config, "--scenario", scenario, "--speed", "3000",
               "--data-dir", data)
    assert proc.returncode == 0, proc.stderr
    assert "# room room-7 (Room Seven)" in proc.stdout and "session.discharged" in proc.stdout
    assert (data / "room.db").is_file()
    assert _rc("log", "verify", "--data-dir", data).stdout.startswith("ok: ")


def test_the_default_data_dir_with_a_space_in_the_users_name(tmp_path):
    home = tmp_path / "Nurse Ada"
    local = home / "AppData" / "Local"  # Windows: platformdirs' own override of the shell's LOCALAPPDATA
    proc = _rc("run", "--headless", "--simulate", "--scenario", "standard-session", "--speed", "3000",
               env_extra={"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
                          "WIN_PD_OVERRIDE_LOCAL_APPDATA": str(local)})
    assert proc.returncode == 0, proc.stderr
    where = local if sys.platform == "win32" else home / ".local" / "share"
    assert (where / "roomcontrol" / "room.db").is_file()


def test_a_shipped_scenario_by_name_and_a_missing_one_in_one_line(tmp_path):
    assert scenario_path(Path("standard-session")) == SCENARIOS_DIR / "standard-session.toml"
    assert scenario_path(Path("alarms-session.toml")) == SCENARIOS_DIR / "alarms-session.toml"
    assert scenario_path(Path("nowhere") / "standard-session") == Path("nowhere") / "standard-session"
    proc = _rc("run", "--headless", "--simulate", "--scenario", "no-such-session", "--data-dir", tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip() == \
        "roomcontrol: error: no-such-session: no such scenario file"


WINDOWS_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="Windows has these drivers")


@pytest.mark.parametrize("driver", [pytest.param("wasapi", marks=WINDOWS_ONLY),
                                    pytest.param("directsound", marks=WINDOWS_ONLY), "no-such-driver"])
def test_a_windows_audio_driver_or_no_sound_card_is_a_state_not_a_crash(tmp_path, driver):
    # SDL_AUDIODRIVER names Windows' drivers, which SDL on this PC does not have (or one no PC has):
    # pygame.mixer.init fails exactly as on a PC without a sound card. The player says so, takes commands, closes.
    _, res = run_player_script(tmp_path, """
        from roomcontrol.domain.vitals import Health
        p = AudioPlayer(AudioConfig()).start()
        p.play_alarm("high")
        p.set_volume(0.5)
        p.play_chime()
        deadline = time.monotonic() + 10
        while p.status().health != Health.LOST and time.monotonic() < deadline:
            time.sleep(0.05)
        s = p.status()
        result["health"], result["detail"] = str(s.health), s.detail
        p.close()
        result["closed"] = True
    """, driver=driver)
    assert res["health"].endswith("lost") or res["health"] == "Health.LOST", res
    assert res["detail"].startswith("no audio device:") and res["closed"] is True
