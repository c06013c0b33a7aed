"""A private D-Bus bus (a real dbus-daemon) and a small service on it that plays the desktop's
org.freedesktop.ScreenSaver and systemd's org.freedesktop.login1.Manager, recording the Inhibit/UnInhibit calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection


def start_bus() -> tuple[subprocess.Popen, str]:
    """A session-type dbus-daemon of our own; returns the process and its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        raise RuntimeError("dbus-daemon is missing: scripts/system-deps.sh installs it (Debian package dbus-daemon)")
    proc = subprocess.Popen([daemon, "--session", "--nofork", "--print-address"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        raise RuntimeError("dbus-daemon printed no address")
    return proc, address


@dataclass
class FakeDesktop:
    """Serves the two interfaces on `address` in a thread until `stop()`; `calls` lists (member, args)."""
    address: str
    login1: bool = True
    calls: list[tuple[str, tuple]] = field(default_factory=list)
    lock_ends: list[int] = field(default_factory=list)   # our read ends of the pipes handed out as inhibit locks

    def start(self) -> "FakeDesktop":
        self._conn = open_dbus_connection(self.address, enable_fds=True)
        names = ["org.freedesktop.ScreenSaver"] + (["org.freedesktop.login1"] if self.login1 else [])
        for name in names:
            self._conn.send_and_get_reply(message_bus.RequestName(name), timeout=5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        cookie = 0
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.1)
            except TimeoutError:
                continue
            except OSError:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            iface = msg.header.fields.get(HeaderFields.interface)
            member = msg.header.fields.get(HeaderFields.member)
            self.calls.append((member, msg.body))
            if (iface, member) == ("org.freedesktop.ScreenSaver", "Inhibit"):
                cookie += 1
                reply = new_method_return(msg, "u", (cookie,))
            elif (iface, member) == ("org.freedesktop.ScreenSaver", "UnInhibit"):
                reply = new_method_return(msg)
            elif (iface, member) == ("org.freedesktop.login1.Manager", "Inhibit"):
                read_end, write_end = os.pipe()
                self.lock_ends.append(read_end)
                reply = new_method_return(msg, "h", (write_end,))
                self._conn.send(reply)
                os.close(write_end)  # the client holds the only write end now
                continue
            else:
                reply = new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"no {member}",))
            self._conn.send(reply)

    def lock_released(self, index: int = 0) -> bool:
        """True once every write end of lock `index` is closed (the reader sees end of file)."""
        os.set_blocking(self.lock_ends[index], False)
        try:
            return os.read(self.lock_ends[index], 1) == b""
        except BlockingIOError:
            return False

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.close()
        for fd in self.lock_ends:
            os.close(fd)
