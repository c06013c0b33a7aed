"""`roomcontrol install|uninstall` and `roomcontrol hub install-service`: write, register and remove what
roomcontrol.host.autostart describes. Commands run through `runner` (tests pass one that records them)."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from roomcontrol.host import autostart as A

Runner = Callable[[list[str]], tuple[int, str]]
Out = Callable[[str], None]
TASK_XML = "roomcontrol-task.xml"
COMMAND_TIMEOUT_S = 30.0


class SetupError(Exception):
    """Install or uninstall cannot go on; one line for a person."""


def run_command(cmd: list[str]) -> tuple[int, str]:
    """Run a system tool (systemctl, schtasks); (127, why) when it is not installed."""
    if shutil.which(cmd[0]) is None:
        return 127, f"{cmd[0]} not found"
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return 124, f"no answer within {COMMAND_TIMEOUT_S:g} s"
    return done.returncode, (done.stderr or done.stdout).strip()


def _shell(cmds: list[list[str]]) -> str:
    return " && ".join(" ".join(c) for c in cmds)


def _ours(path: Path, marker: str) -> bool:
    try:
        text = path.read_text(encoding="utf-16" if path.suffix == ".xml" else "utf-8")
    except (OSError, UnicodeError):
        return False
    return marker in text


def _refuse_foreign(path: Path, marker: str) -> None:
    if path.exists() and not _ours(path, marker):
        raise SetupError(f"{path} exists and was not written by roomcontrol: left as it is (move it away first)")


def _register(cmds: list[list[str]], runner: Runner, out: Out, where: str) -> int:
    for cmd in cmds:
        code, text = runner(cmd)
        if code == 127:
            out(f"{cmd[0]} not found on this PC: {where}, then run: {_shell(cmds)}")
            return 1
        if code != 0:
            out(f"`{' '.join(cmd)}` failed ({text or f'exit {code}'}): {where}, then run: {_shell(cmds)}")
            return 1
    return 0


# -- the room app --------------------------------------------------------------------------------------------
def install(kiosk: bool, config: Path | None, data_dir: Path | None = None, *, platform: str = sys.platform,
            env: dict[str, str] | None = None, runner: Runner = run_command, out: Out = print,
            command: list[str] | None = None) -> int:
    """Start this roomcontrol at login (kiosk if asked) and after a crash. 0 when registered, 1 when the file is
    written but the system tool was missing or refused (the message says what to run)."""
    env = dict(os.environ if env is None else env)
    if config is not None:
        from roomcontrol.config import load_config
        load_config(config)  # a wrong room.toml fails now, not at every login
    argv = (command or A.roomcontrol_command()) + A.room_arguments(kiosk, config, data_dir)
    if platform == "win32":
        path = A.task_dir(env) / TASK_XML
        _refuse_foreign(path, A.MARKER)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(A.task_xml(argv, A.windows_user(env)), encoding="utf-16")  # schtasks reads UTF-16
        out(f"wrote {path}")
        code = _register([A.schtasks_create(path)], runner, out, "the task XML is written")
        if code == 0:
            out(f"scheduled task {A.TASK_NAME!r}: starts at logon, restarted after a failure")
        return code
    path = A.user_unit_dir(env) / A.UNIT_NAME
    _refuse_foreign(path, A.MARKER)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(A.user_unit(argv), encoding="utf-8")
    out(f"wrote {path}")
    code = _register(A.systemctl_user_commands(True), runner, out,
                     "the unit is written; in the room user's desktop session")
    if code == 0:
        out(f"enabled: the room starts at the next login and 2 s after a crash "
            f"(now: systemctl --user start {A.UNIT_NAME}; its log: journalctl --user -u {A.UNIT_NAME})")
    return code


def uninstall(*, platform: str = sys.platform, env: dict[str, str] | None = None, runner: Runner = run_command,
              out: Out = print) -> int:
    """Remove what install made (the unit or task and its registration) and nothing else: no data, no config."""
    env = dict(os.environ if env is None else env)
    if platform == "win32":
        path = A.task_dir(env) / TASK_XML
        _refuse_foreign(path, A.MARKER)
        code, text = runner(A.schtasks_delete())
        if code != 0:
            out(f"`{' '.join(A.schtasks_delete())}` failed ({text}); run it as the room's user")
        if path.exists():
            path.unlink()
            out(f"removed {path}")
        return 0 if code == 0 else 1
    path = A.user_unit_dir(env) / A.UNIT_NAME
    if not path.exists():
        out(f"nothing to remove: {path} does not exist")
        return 0
    _refuse_foreign(path, A.MARKER)
    code = _register(A.systemctl_user_commands(False)[:1], runner, out, "the unit is removed anyway")
    # What `systemctl --user enable` made, should systemctl not have undone it: the .wants link to our unit.
    link = path.parent / "graphical-session.target.wants" / A.UNIT_NAME
    if link.is_symlink() and Path(os.path.realpath(link)) == Path(os.path.realpath(path)):
        link.unlink()
        out(f"removed {link}")
    path.unlink()
    out(f"removed {path}")
    if code == 0:
        runner(["systemctl", "--user", "daemon-reload"])
    return code


# -- the hub ---------------------------------------------------------------------------------------------------
def install_hub_service(db: str | None, host: str, port: int, cert: Path | None = None, key: Path | None = None,
                        *, user: str | None = None, print_only: bool = False, unit_path: Path = A.HUB_UNIT_PATH,
                        runner: Runner = run_command, out: Out = print, command: list[str] | None = None) -> int:
    """Write the hub's system unit (Restart=always) and enable it; with `print_only`, print it instead."""
    if (cert is None) != (key is None):
        raise SetupError("--cert and --key go together (the hub's TLS certificate and its private key)")
    user = user or os.environ.get("SUDO_USER") or getpass.getuser()
    argv = (command or A.roomcontrol_command()) + A.hub_arguments(db, host, port, cert, key)
    text = A.hub_unit(argv, user)
    if print_only:
        out(text.rstrip("\n"))
        return 0
    _refuse_foreign(unit_path, A.HUB_MARKER)
    try:
        unit_path.write_text(text, encoding="utf-8")
        if db and "@" in db:  # a database URL with a password: readable by root only
            unit_path.chmod(0o600)
    except OSError as exc:
        raise SetupError(f"cannot write {unit_path} ({exc.strerror or exc}): run it as root (sudo), or use --print "
                         "and install the unit yourself") from None
    out(f"wrote {unit_path} (the hub runs as {user})")
    cmds = [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", A.HUB_UNIT_NAME]]
    code = _register(cmds, runner, out, "the unit is written")
    if code == 0:
        out(f"the hub runs now and at every boot, restarted 2 s after any exit (journalctl -u {A.HUB_UNIT_NAME})")
    return code
