"""`roomcontrol install|uninstall` and `hub install-service`: the files as text (parsed), the commands run,
and a PC without systemctl. XDG_CONFIG_HOME and LOCALAPPDATA point into tmp_path."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from roomcontrol.cli.main import main
from roomcontrol.host import autostart as A
from roomcontrol.host.install import SetupError, install, install_hub_service, run_command, uninstall

CMD = ["/opt/Room Control/roomcontrol"]  # a bundle in a folder with a space
NS = {"t": A.TASK_NS}


class Recorder:
    def __init__(self, code: int = 0, text: str = ""):
        self.calls: list[list[str]] = []
        self.code, self.text = code, text

    def __call__(self, cmd: list[str]) -> tuple[int, str]:
        self.calls.append(cmd)
        return self.code, self.text


def unit_sections(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def test_user_unit_installed_and_enabled_then_removed(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    config = tmp_path / "my room" / "room.toml"
    config.parent.mkdir()
    config.write_text('[room]\nid = "room-7"\n')
    runner, said = Recorder(), []
    assert install(True, config, platform="linux", env=env, runner=runner, out=said.append, command=CMD) == 0
    unit = tmp_path / "cfg" / "systemd" / "user" / "roomcontrol.service"
    s = unit_sections(unit)
    assert s["Service"]["ExecStart"] == f'"/opt/Room Control/roomcontrol" run --kiosk --config "{config}"'
    assert (s["Service"]["Restart"], s["Service"]["RestartSec"]) == ("on-failure", "2")
    assert s["Install"]["WantedBy"] == "graphical-session.target"
    assert s["Unit"]["After"] == "graphical-session.target"
    assert runner.calls == [["systemctl", "--user", "daemon-reload"],
                            ["systemctl", "--user", "enable", "roomcontrol.service"]]
    assert said[0] == f"wrote {unit}" and "starts at the next login" in said[1]
    # What enable makes: the .wants link. Uninstall removes it (systemctl disable would too) and the unit.
    wants = unit.parent / "graphical-session.target.wants"
    wants.mkdir()
    (wants / "roomcontrol.service").symlink_to(unit)
    (unit.parent / "other.service").write_text("[Unit]\n")  # someone else's: stays
    runner = Recorder()
    assert uninstall(platform="linux", env=env, runner=runner, out=said.append) == 0
    assert runner.calls == [["systemctl", "--user", "disable", "--now", "roomcontrol.service"],
                            ["systemctl", "--user", "daemon-reload"]]
    assert not unit.exists() and not (wants / "roomcontrol.service").is_symlink()
    assert (unit.parent / "other.service").exists() and config.exists()
    assert uninstall(platform="linux", env=env, runner=runner, out=said.append) == 0
    assert said[-1].startswith("nothing to remove")


def test_without_systemctl_the_unit_is_written_and_the_commands_are_said(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # the real runner finds no systemctl
    assert run_command(["systemctl", "--user", "daemon-reload"]) == (127, "systemctl not found")
    assert main(["install"]) == 1
    out = capsys.readouterr().out
    assert "systemctl not found on this PC: the unit is written" in out
    assert "systemctl --user daemon-reload && systemctl --user enable roomcontrol.service" in out
    unit = tmp_path / "cfg" / "systemd" / "user" / "roomcontrol.service"
    assert "ExecStart=" in unit.read_text() and "--kiosk" not in unit.read_text()
    assert main(["uninstall"]) == 1  # could not disable: says so, removes the file anyway
    assert not unit.exists() and "systemctl not found" in capsys.readouterr().out


def test_a_failing_systemctl_is_reported_and_a_foreign_unit_is_left_alone(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    said: list[str] = []
    runner = Recorder(1, "Failed to connect to bus: No medium found")
    assert install(False, None, platform="linux", env=env, runner=runner, out=said.append, command=CMD) == 1
    assert "Failed to connect to bus" in said[-1] and "in the room user's desktop session" in said[-1]
    unit = tmp_path / "systemd" / "user" / "roomcontrol.service"
    unit.write_text("[Service]\nExecStart=/usr/bin/true\n")  # an admin's own unit of that name
    with pytest.raises(SetupError, match="not written by roomcontrol"):
        install(False, None, platform="linux", env=env, runner=runner, out=said.append, command=CMD)
    with pytest.raises(SetupError, match="not written by roomcontrol"):
        uninstall(platform="linux", env=env, runner=runner, out=said.append)
    assert unit.read_text() == "[Service]\nExecStart=/usr/bin/true\n"


def test_a_wrong_room_toml_is_refused_before_anything_is_written(tmp_path):
    bad = tmp_path / "room.toml"
    bad.write_text("[room]\nid = \"\"\n")
    from roomcontrol.config import ConfigError
    with pytest.raises(ConfigError, match="room.id"):
        install(False, bad, platform="linux", env={"XDG_CONFIG_HOME": str(tmp_path)}, runner=Recorder())
    assert not (tmp_path / "systemd").exists()


def test_windows_task_xml_parses_and_is_registered_then_deleted(tmp_path):
    env = {"LOCALAPPDATA": str(tmp_path / "Local"), "USERNAME": "nurse1", "USERDOMAIN": "CLINIC"}
    config = Path("C:/Clinic Data/room.toml")
    runner, said = Recorder(), []
    argv_cmd = [r"C:\Program Files\RoomControl\roomcontrol.exe"]
    assert install(True, None, platform="win32", env=env, runner=runner, out=said.append, command=argv_cmd) == 0
    xml_path = tmp_path / "Local" / "roomcontrol" / "roomcontrol-task.xml"
    raw = xml_path.read_bytes()
    assert raw[:2] == b"\xff\xfe"  # UTF-16 with its byte-order mark, as schtasks /XML reads it
    task = ET.fromstring(raw)
    assert task.tag == f"{{{A.TASK_NS}}}Task"
    assert task.find("t:Triggers/t:LogonTrigger/t:UserId", NS).text == r"CLINIC\nurse1"
    assert task.find("t:Principals/t:Principal/t:LogonType", NS).text == "InteractiveToken"
    settings = task.find("t:Settings", NS)
    assert settings.find("t:RestartOnFailure/t:Interval", NS).text == "PT1M"
    assert 1 <= int(settings.find("t:RestartOnFailure/t:Count", NS).text) <= 255  # unsignedByte in the schema
    assert settings.find("t:ExecutionTimeLimit", NS).text == "PT0S"  # never stopped for running long
    assert settings.find("t:DisallowStartIfOnBatteries", NS).text == "false"
    exe = task.find("t:Actions/t:Exec", NS)
    assert exe.find("t:Command", NS).text == argv_cmd[0]
    assert exe.find("t:Arguments", NS).text == "run --kiosk"
    assert runner.calls == [["schtasks", "/Create", "/TN", "RoomControl", "/XML", str(xml_path), "/F"]]
    assert uninstall(platform="win32", env=env, runner=runner, out=said.append) == 0
    assert runner.calls[-1] == ["schtasks", "/Delete", "/TN", "RoomControl", "/F"] and not xml_path.exists()
    text = A.task_xml([argv_cmd[0], "run", "--config", str(config), 'a"b'], None)
    exe = ET.fromstring(text.encode("utf-16")).find("t:Actions/t:Exec", NS)
    assert exe.find("t:Arguments", NS).text == f'run --config "{config}" "a\\"b"'


def test_quoting_for_systemd_and_windows():
    assert A.systemd_quote("/usr/bin/roomcontrol") == "/usr/bin/roomcontrol"
    assert A.systemd_quote("/srv/a b/50%") == '"/srv/a b/50%%"'
    assert A.windows_quote(r"C:\a b\\") == '"C:\\a b\\\\\\\\"'
    assert A.windows_quote("") == '""'


def test_the_command_is_this_roomcontrol(tmp_path):
    assert A.roomcontrol_command(frozen=True, executable="/opt/rc/roomcontrol") == ["/opt/rc/roomcontrol"]
    (tmp_path / "python").touch()
    assert A.roomcontrol_command(frozen=False, executable=str(tmp_path / "python")) == \
        [str(tmp_path / "python"), "-m", "roomcontrol"]
    (tmp_path / "roomcontrol").touch()
    assert A.roomcontrol_command(frozen=False, executable=str(tmp_path / "python")) == [str(tmp_path / "roomcontrol")]


def test_hub_service_unit_printed_and_written(tmp_path, capsys):
    assert main(["hub", "install-service", "--print", "--db", "hub.db", "--user", "hubuser"]) == 0
    text = capsys.readouterr().out
    assert "Restart=always" in text and "User=hubuser" in text
    assert f"--db {Path('hub.db').absolute()} --host 0.0.0.0 --port 8750" in text
    unit = tmp_path / "roomcontrol-hub.service"
    runner, said = Recorder(), []
    assert install_hub_service("postgresql://rc:secret@db/rc", "0.0.0.0", 8751, user="hubuser", unit_path=unit,
                               runner=runner, out=said.append, command=CMD) == 0
    s = unit_sections(unit)
    assert s["Service"]["Restart"] == "always" and s["Service"]["StateDirectory"] == "roomcontrol-hub"
    assert s["Service"]["ExecStart"].endswith("hub serve --db postgresql://rc:secret@db/rc --host 0.0.0.0 --port 8751")
    assert s["Install"]["WantedBy"] == "multi-user.target"
    assert oct(unit.stat().st_mode & 0o777) == "0o600"  # the password is readable by root only
    assert runner.calls == [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "roomcontrol-hub.service"]]
    default = A.hub_arguments(None, "127.0.0.1", 8750, None, None)
    assert default[:4] == ["hub", "serve", "--db", "/var/lib/roomcontrol-hub/hub.db"]


def test_hub_service_that_cannot_be_written_says_what_to_do(tmp_path):
    (tmp_path / "etc").write_text("a file, not a folder")
    with pytest.raises(SetupError, match=r"cannot write .*: run it as root \(sudo\), or use --print"):
        install_hub_service(None, "0.0.0.0", 8750, unit_path=tmp_path / "etc" / "x.service", runner=Recorder())
    with pytest.raises(SetupError, match="--cert and --key go together"):
        install_hub_service(None, "0.0.0.0", 8750, cert=tmp_path / "c.pem", print_only=True)
