"""Keep the room PC and its screen awake while the room app runs.

A study of unattended vitals recorders found most recording failures came from the PC (sleep, updates), not the
software: a room whose PC sleeps mid-infusion loses its monitor and its alarms. So while the app runs:

- Linux: org.freedesktop.ScreenSaver.Inhibit on the session bus (the desktop's screen blanking; the desktop
  drops the inhibit if our connection closes, so the connection is kept open) and
  org.freedesktop.login1.Manager.Inhibit("sleep:idle", ..., "block") on the system bus, which answers with a file
  descriptor: the inhibit lasts while we hold it open (freedesktop.org "Inhibitor Locks" documentation).
- Windows: SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED) on the app's main
  thread, cleared with ES_CONTINUOUS alone (Win32 docs: the state lasts until the same thread resets it or exits).

Nothing here raises: a missing bus or service is a state ("sleep not inhibited: <why>") the app logs and
`roomcontrol doctor` reports.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

APP = "RoomControl"
REASON = "a treatment room is running: the monitor and alarms must stay live"
DBUS_TIMEOUT_S = 2.0

# winbase.h
ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001
ES_DISPLAY_REQUIRED = 0x00000002

SCREENSAVER = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver")
LOGIN1 = ("org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager")


@dataclass
class InhibitState:
    held: list[str] = field(default_factory=list)       # what is inhibited, e.g. "display (ScreenSaver)"
    problems: list[str] = field(default_factory=list)   # why something is not

    @property
    def sleep_blocked(self) -> bool:
        """The system will not sleep (the display may still blank if only this is held)."""
        return any(h.startswith(("sleep", "system")) for h in self.held)

    def describe(self) -> str:
        if not self.held:
            return "sleep not inhibited: " + ("; ".join(self.problems) or "not started")
        text = "sleep inhibited: " + ", ".join(self.held)
        return text + (f" (not: {'; '.join(self.problems)})" if self.problems else "")


class SleepInhibitor:
    """`acquire()` then `release()` (or use `hold_awake()`); both are safe to call in any state.

    `session_bus`/`system_bus` are D-Bus addresses ("SESSION"/"SYSTEM" by default; tests pass a private bus);
    `kernel32` is the Windows DLL (or anything with SetThreadExecutionState; tests inject it)."""

    def __init__(self, *, platform: str = sys.platform, session_bus: str = "SESSION", system_bus: str = "SYSTEM",
                 kernel32: Any = None, reason: str = REASON):
        self.platform = platform
        self.session_bus = session_bus
        self.system_bus = system_bus
        self._kernel32 = kernel32
        self.reason = reason
        self.state = InhibitState()
        self._release: list[Callable[[], None]] = []

    def acquire(self) -> InhibitState:
        self.release()
        self.state = InhibitState()
        if self.platform == "win32" or self._kernel32 is not None:
            self._windows()
        elif self.platform.startswith("linux") or "bsd" in self.platform:
            self._screensaver()
            self._login1()
        else:
            self.state.problems.append(f"not supported on {self.platform}")
        return self.state

    def release(self) -> None:
        while self._release:
            undo = self._release.pop()
            try:
                undo()
            except Exception as exc:  # noqa: BLE001 - a bus gone at exit changes nothing: the inhibit went with it
                log.debug("releasing an inhibit: %s", exc)
        self.state = InhibitState(problems=["released"]) if self.state.held else self.state

    # -- Windows ----------------------------------------------------------------------------------------------
    def _windows(self) -> None:
        k32 = self._kernel32
        if k32 is None:
            try:
                import ctypes
                k32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            except (ImportError, AttributeError, OSError) as exc:
                self.state.problems.append(f"kernel32 not available ({exc})")
                return
        flags = ES_CONTINUOUS | ES_SYSTEM_REQUIRED | ES_DISPLAY_REQUIRED
        if not k32.SetThreadExecutionState(flags):  # returns the previous state, 0 on failure
            self.state.problems.append("SetThreadExecutionState refused")
            return
        self.state.held.append("system and display (SetThreadExecutionState)")
        self._release.append(lambda: k32.SetThreadExecutionState(ES_CONTINUOUS))

    # -- Linux --------------------------------------------------------------------------------------------------
    def _screensaver(self) -> None:
        from jeepney import DBusAddress, new_method_call
        where = "session bus"
        try:
            conn = _connect(self.session_bus, fds=False)
        except Exception as exc:  # noqa: BLE001 - no bus is a state, never a crash
            self.state.problems.append(f"display: no {where} ({_one_line(exc)})")
            return
        try:
            name, path, iface = SCREENSAVER
            addr = DBusAddress(path, bus_name=name, interface=iface)
            reply = conn.send_and_get_reply(new_method_call(addr, "Inhibit", "ss", (APP, self.reason)),
                                            timeout=DBUS_TIMEOUT_S)
            cookie = _unwrap(reply)[0]
        except Exception as exc:  # noqa: BLE001
            conn.close()
            self.state.problems.append(f"display: {name} not available ({_one_line(exc)})")
            return

        def uninhibit() -> None:
            try:
                conn.send_and_get_reply(new_method_call(addr, "UnInhibit", "u", (cookie,)), timeout=DBUS_TIMEOUT_S)
            finally:
                conn.close()
        self.state.held.append("display (org.freedesktop.ScreenSaver)")
        self._release.append(uninhibit)

    def _login1(self) -> None:
        from jeepney import DBusAddress, new_method_call
        try:
            conn = _connect(self.system_bus, fds=True)
        except Exception as exc:  # noqa: BLE001
            self.state.problems.append(f"sleep: no system bus ({_one_line(exc)})")
            return
        try:
            name, path, iface = LOGIN1
            addr = DBusAddress(path, bus_name=name, interface=iface)
            msg = new_method_call(addr, "Inhibit", "ssss", ("sleep:idle", APP, self.reason, "block"))
            fd = _unwrap(conn.send_and_get_reply(msg, timeout=DBUS_TIMEOUT_S))[0]
        except Exception as exc:  # noqa: BLE001
            self.state.problems.append(f"sleep: {name} not available ({_one_line(exc)})")
            return
        finally:
            conn.close()  # the lock is the descriptor, not the connection
        self.state.held.append("sleep and idle (org.freedesktop.login1)")
        self._release.append(fd.close)


def _connect(address: str, *, fds: bool):
    from jeepney.io.blocking import open_dbus_connection
    if address == "SESSION" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise OSError("DBUS_SESSION_BUS_ADDRESS is not set")
    return open_dbus_connection(bus=address, enable_fds=fds, auth_timeout=DBUS_TIMEOUT_S)


def _unwrap(reply) -> tuple:
    from jeepney.wrappers import unwrap_msg
    return unwrap_msg(reply)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def probe(**kwargs: Any) -> InhibitState:
    """Whether the inhibit can be taken here now (taken and released at once): for `roomcontrol doctor`."""
    inhibitor = SleepInhibitor(**kwargs)
    state = inhibitor.acquire()
    held = InhibitState(list(state.held), list(state.problems))
    inhibitor.release()
    return held


@contextmanager
def hold_awake(**kwargs: Any) -> Iterator[InhibitState]:
    """Keep the PC awake inside the block; logs what is (not) held."""
    inhibitor = SleepInhibitor(**kwargs)
    state = inhibitor.acquire()
    (log.info if state.sleep_blocked else log.warning)("%s", state.describe())
    try:
        yield state
    finally:
        inhibitor.release()
