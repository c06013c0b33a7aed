"""Serial port names as each OS spells them: the one place where the room's port handling differs by OS.

Windows names its ports COM1, COM2...; the Win32 API opens COM1-COM9 by that DOS name but COM10 and above only
through the device namespace, \\\\.\\COM10 (Microsoft, "Naming Files, Paths, and Namespaces": Win32 device
namespaces). pyserial prefixes the namespace itself above COM8; we write the canonical form so room.toml, the
`ports` listing and the health messages all show the one name that opens. Everywhere else a port is a device
file (/dev/ttyUSB0, /dev/serial/by-id/...) or a pyserial URL (socket://, loop://, rfc2217://...).
"""

from __future__ import annotations

import re
import sys

import serial

_COM = re.compile(r"(?:\\\\[.?]\\)?COM([1-9][0-9]{0,2})", re.IGNORECASE)
_URL = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_windows(platform: str | None = None) -> bool:
    return (platform or sys.platform) == "win32"


def port_name(url: str, platform: str | None = None) -> str:
    """The name that opens `url` on this OS: on Windows COM3 stays COM3 (com3 too), COM10 and above become
    \\\\.\\COM10; anything else (a device file, a pyserial URL) as given."""
    m = _COM.fullmatch(url.strip())
    if not (m and is_windows(platform)):
        return url
    number = int(m.group(1))
    return f"COM{number}" if number < 10 else f"\\\\.\\COM{number}"


def open_port(url: str, **settings) -> serial.SerialBase:
    """pyserial's serial_for_url under the name that opens on this OS."""
    return serial.serial_for_url(port_name(url), **settings)


def port_problem(url: str, platform: str | None = None) -> str | None:
    """Why `url` cannot be a serial port on this OS (a room.toml copied from a PC of the other kind), or None."""
    if not url or _URL.match(url):
        return None
    if is_windows(platform):
        if url.startswith("/dev/"):
            return "a Linux device file; on Windows a port is COM1, COM2... (`roomcontrol ports` lists them)"
        if url.upper().startswith(("COM", "\\\\.\\COM")) and not _COM.fullmatch(url.strip()):
            return "not a Windows port name: COM and its number, such as COM3 or COM10 (`roomcontrol ports` lists them)"
        return None
    if _COM.fullmatch(url.strip()):
        return "a Windows port name; on this PC a port is a device such as /dev/ttyUSB0 or " \
               "/dev/serial/by-id/... (`roomcontrol ports` lists them)"
    return None


def port_lines(comports) -> list[str]:
    """`roomcontrol ports`: one line per port, name first (as room.toml takes it), then description and ids."""
    return [f"{port_name(p.device)}\t{p.description}\t{p.hwid}" for p in sorted(comports, key=_order)]


def _order(port) -> tuple:
    """COM2 before COM10 (Windows lists them in registry order); device files by name."""
    m = _COM.fullmatch(port.device)
    return (0, int(m.group(1)), "") if m else (1, 0, port.device)
