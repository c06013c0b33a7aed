"""Start the room app at login and again after a crash; the hub as a system service.

- Linux: a systemd *user* unit (~/.config/systemd/user/roomcontrol.service), started with the desktop session
  (graphical-session.target, which GNOME and KDE start once the display is there) and restarted 2 s after a crash.
- Windows: a scheduled task at logon of this user, from Task Scheduler XML (schema
  http://schemas.microsoft.com/windows/2004/02/mit/task, version 1.2) registered with `schtasks /Create /XML`.
- The hub: a system unit (/etc/systemd/system/roomcontrol-hub.service) with Restart=always.

Everything here only builds text and paths; `roomcontrol.cli.install` writes and registers it. Each file we write
carries MARKER, and uninstall removes only a file that carries it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape

MARKER = "Written by `roomcontrol install`"
HUB_MARKER = "Written by `roomcontrol hub install-service`"
UNIT_NAME = "roomcontrol.service"
HUB_UNIT_NAME = "roomcontrol-hub.service"
HUB_UNIT_PATH = Path("/etc/systemd/system") / HUB_UNIT_NAME
HUB_STATE_DIR = "roomcontrol-hub"   # systemd StateDirectory: /var/lib/roomcontrol-hub, owned by the service user
TASK_NAME = "RoomControl"
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def roomcontrol_command(frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """The absolute command that runs this roomcontrol: the bundle's executable, the venv's console script, or
    this Python with `-m roomcontrol`."""
    exe = Path(executable or sys.executable).absolute()
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return [str(exe)]
    script = exe.parent / ("roomcontrol.exe" if exe.suffix.lower() == ".exe" else "roomcontrol")
    if script.is_file():
        return [str(script)]
    return [str(exe), "-m", "roomcontrol"]


def room_arguments(kiosk: bool, config: Path | None, data_dir: Path | None = None) -> list[str]:
    args = ["run"]
    if kiosk:
        args.append("--kiosk")
    if config is not None:
        args += ["--config", str(config.absolute())]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir.absolute())]
    return args


# -- systemd --------------------------------------------------------------------------------------------------
def systemd_quote(arg: str) -> str:
    """One ExecStart word (systemd.syntax(7)): quoted when it has spaces or quotes; `%` doubled (specifiers)."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in " \t\"'\\;$"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_line(argv: list[str]) -> str:
    return " ".join(systemd_quote(a) for a in argv)


def user_unit_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "systemd" / "user"


def user_unit(argv: list[str]) -> str:
    return f"""# {MARKER}; `roomcontrol uninstall` removes it.
[Unit]
Description=RoomControl treatment room
After=graphical-session.target
PartOf=graphical-session.target
# Never give up restarting: a room left without its app has no alarms.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart={exec_line(argv)}
# A crash or a SIGKILL comes back after 2 s; a clean quit (exit 0, an admin closing the app) stays quit.
Restart=on-failure
RestartSec=2

[Install]
WantedBy=graphical-session.target
"""


def hub_unit(argv: list[str], user: str) -> str:
    return f"""# {HUB_MARKER}.
[Unit]
Description=RoomControl clinic hub
Wants=network-online.target
After=network-online.target postgresql.service
StartLimitIntervalSec=0

[Service]
Type=simple
User={user}
StateDirectory={HUB_STATE_DIR}
ExecStart={exec_line(argv)}
Restart=always
RestartSec=2
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ProtectHome=read-only

[Install]
WantedBy=multi-user.target
"""


def hub_arguments(db: str | None, host: str, port: int, cert: Path | None, key: Path | None) -> list[str]:
    """`hub serve` with absolute paths; without --db, the unit's StateDirectory holds the SQLite database."""
    if db is None:
        db = f"/var/lib/{HUB_STATE_DIR}/hub.db"
    elif "://" not in db:
        db = str(Path(db).absolute())
    args = ["hub", "serve", "--db", db, "--host", host, "--port", str(port)]
    if cert is not None and key is not None:
        args += ["--cert", str(cert.absolute()), "--key", str(key.absolute())]
    return args


def systemctl_user_commands(enable: bool) -> list[list[str]]:
    if enable:
        return [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", UNIT_NAME]]
    return [["systemctl", "--user", "disable", "--now", UNIT_NAME], ["systemctl", "--user", "daemon-reload"]]


# -- Windows ---------------------------------------------------------------------------------------------------
def windows_quote(arg: str) -> str:
    """One argument on a Windows command line (the MSVCRT rules CommandLineToArgvW follows)."""
    if arg and not any(c in arg for c in ' \t"'):
        return arg
    out, slashes = ['"'], 0
    for c in arg:
        if c == "\\":
            slashes += 1
            continue
        if c == '"':
            out.append("\\" * (2 * slashes + 1) + '"')
        else:
            out.append("\\" * slashes + c)
        slashes = 0
    out.append("\\" * (2 * slashes) + '"')
    return "".join(out)


def task_xml(argv: list[str], user: str | None) -> str:
    """The scheduled task: at this user's logon, in their desktop session, restarted after a failure, never
    stopped for running long, on battery or when idle ends."""
    command, args = argv[0], " ".join(windows_quote(a) for a in argv[1:])
    who = f"<UserId>{escape(user)}</UserId>" if user else ""
    workdir = escape(str(Path(command).parent))
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<!-- {MARKER}; `roomcontrol uninstall` removes it. -->
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Author>RoomControl</Author>
    <Description>RoomControl treatment room: starts at logon in kiosk mode, restarted after a crash</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      {who}
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      {who}
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>4</Priority>
    <!-- Interval PT1M is the schema's minimum, Count 255 its maximum (restartType: unsignedByte) -->
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>255</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(command)}</Command>
      <Arguments>{escape(args)}</Arguments>
      <WorkingDirectory>{workdir}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def windows_user(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    user = env.get("USERNAME")
    if not user:
        return None
    return f"{env['USERDOMAIN']}\\{user}" if env.get("USERDOMAIN") else user


def task_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the task's XML is kept (to re-register it by hand, and to know it is ours)."""
    env = os.environ if env is None else env
    base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    return Path(base) / "roomcontrol"


def schtasks_create(xml_path: Path) -> list[str]:
    return ["schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(xml_path), "/F"]


def schtasks_delete() -> list[str]:
    return ["schtasks", "/Delete", "/TN", TASK_NAME, "/F"]
