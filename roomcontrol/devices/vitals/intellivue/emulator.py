"""An IntelliVue monitor on a port: `roomcontrol simulate-device --protocol intellivue --url pty`.

It speaks the Data Export bytes the driver speaks, as the monitor's side of the guide's sequence: an Association
Request is answered by an Association Response and an MDS Create Event Report; poll requests for numerics and
alerts by Poll Data Results carrying the simulated patient (physiology.VitalsModel); an MDS Get (keep-alive) by a
Get Result; a Release Request by a Release Response. Like the monitor it drops an association that hears nothing
for `keepalive_timeout_s`, and a `cable_pulled` event of the model silences it.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty
from datetime import datetime

import serial

from roomcontrol.clock import SystemClock
from roomcontrol.devices.vitals.intellivue import framing, messages as m
from roomcontrol.devices.vitals.physiology import VitalsModel

log = logging.getLogger(__name__)

# Object handles of the emulated numerics (any distinct numbers: the monitor chooses its own).
HANDLES = {"ecg_hr": 1, "spo2": 2, "pleth_pr": 3, "perf": 4, "resp": 5, "awrr": 6, "etco2": 7, "temp": 8, "nibp": 9}
ETCO2_MMHG = 37       # the model has no capnography yet: a steady normal value, tracking the rate a little
TEMP_C = 36.8


def absolute_time(t: datetime) -> bytes:
    """AbsoluteTime ("Attribute Data Types"): century, year, month, day, hour, minute, second, 1/100 s in BCD."""
    def bcd(v: int) -> int:
        return (v // 10) << 4 | v % 10
    return bytes(bcd(v) for v in (t.year // 100, t.year % 100, t.month, t.day, t.hour, t.minute, t.second,
                                  t.microsecond // 10000))


class PtyLink:
    """The monitor's end of a pseudo-terminal; the driver opens `path` (a symlink when `link` is given, re-pointed
    at each plug(), as /dev/serial/by-id is). unplug() closes both ends: the driver's port errors, as when a USB
    adapter is pulled."""

    def __init__(self, link: str | None = None):
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.path = ""
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.master, self.slave = master, slave
        self.path = os.ttyname(slave)
        if self.link:
            tmp = self.link + ".new"
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)
            self.path = self.link

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self.slave = None

    def read(self, timeout: float) -> bytes:
        master = self.master
        if master is None:
            threading.Event().wait(timeout)
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
            return os.read(master, 4096) if ready else b""
        except OSError:  # nobody has the port open (EIO), or it was just unplugged
            threading.Event().wait(timeout)
            return b""

    def write(self, data: bytes) -> None:
        if self.master is not None:
            try:
                os.write(self.master, data)
            except OSError:
                pass  # nobody reading: the bytes are lost, as on a real line

    def close(self) -> None:
        self.unplug()


class SerialLink:
    """A real serial port (or any pyserial URL) the driver's PC is cabled to."""

    def __init__(self, url: str, baudrate: int):
        self.path = url
        self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)

    def read(self, timeout: float) -> bytes:
        return self.port.read(max(1, self.port.in_waiting))

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def close(self) -> None:
        self.port.close()


class IntelliVueEmulator:
    def __init__(self, link, clock=None, model: VitalsModel | None = None, keepalive_timeout_s: float = 10.0):
        self.link = link
        self.clock = clock or SystemClock()
        self.model = model or VitalsModel()
        self.keepalive_timeout_s = keepalive_timeout_s
        self.state = "idle"          # idle → awaiting_mds_result → associated
        self.counters = {"associations": 0, "polls": 0, "keepalives": 0, "releases": 0, "aborts": 0,
                         "timeouts": 0, "bad_messages": 0}
        self._deframer = framing.Deframer()
        self._t0 = self.clock.monotonic()
        self._last_rx = self._t0
        self._invoke = 0
        self._nibp: tuple[float, tuple[int, int, int], bytes] | None = None

    def t(self) -> float:
        return self.clock.monotonic() - self._t0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step(0.05)

    def step(self, timeout: float) -> None:
        data = self.link.read(timeout)
        if "cable_pulled" in self.model.status(self.t()):
            return  # the cable is out: nothing arrives, nothing leaves
        if self.state != "idle" and self.clock.monotonic() - self._last_rx > self.keepalive_timeout_s:
            self.counters["timeouts"] += 1
            self.state = "idle"
        for payload in self._deframer.feed(data):
            self._last_rx = self.clock.monotonic()
            try:
                self._answer(m.decode(payload))
            except m.MessageError:
                self.counters["bad_messages"] += 1

    def _send(self, payload: bytes) -> None:
        self.link.write(framing.frame(payload))

    def _answer(self, msg: m.Message) -> None:
        if isinstance(msg, m.AssociationRequest):  # a new association replaces any old one
            self._send(m.association_response())
            self._invoke = (self._invoke + 1) & 0xFFFF
            self._send(m.mds_create_event(self._invoke, self._rel_time()))
            self.state = "awaiting_mds_result"
        elif isinstance(msg, m.Other) and msg.ro_type == m.RORS_APDU and self.state == "awaiting_mds_result":
            self.state = "associated"  # the MDS Create Event Result
            self.counters["associations"] += 1
        elif isinstance(msg, m.ReleaseRequest):
            self._send(m.RELEASE_RESP)
            self.counters["releases"] += 1
            self.state = "idle"
        elif isinstance(msg, m.Abort):
            self.counters["aborts"] += 1
            self.state = "idle"
        elif self.state != "associated":
            return  # not associated: the monitor ignores operations
        elif isinstance(msg, m.PollRequest):
            self.counters["polls"] += 1
            objects = self._alerts() if msg.obj_code == m.NOM_MOC_VMO_AL_MON else self._numerics()
            self._send(m.poll_result(msg.invoke_id, msg.poll_number, msg.obj_code, objects, self._rel_time()))
        elif isinstance(msg, m.GetRequest):
            self.counters["keepalives"] += 1
            self._send(m.get_result(msg.invoke_id))

    def _rel_time(self) -> int:
        return int(self.t() * m.RELATIVE_TIME_PER_S) & 0xFFFFFFFF

    def _numerics(self) -> list[tuple[int, bytes]]:
        t = self.t()
        n = self.model.numerics(t)
        off = m.INVALID | m.UNAVAILABLE

        def value(physio: int, v: float | None, unit: int, decimals: int = 0) -> bytes:
            return m.attribute_list(m.attribute(m.NOM_ATTR_NU_VAL_OBS,
                                                m.nu_obs_value(physio, v, unit, 0 if v is not None else off,
                                                               decimals)))
        rr = n.respiratory_rate
        objects = [
            (HANDLES["ecg_hr"], value(m.NOM_ECG_CARD_BEAT_RATE, n.heart_rate, m.NOM_DIM_BEAT_PER_MIN)),
            (HANDLES["spo2"], value(m.NOM_PULS_OXIM_SAT_O2, n.spo2, m.NOM_DIM_PERCENT)),
            (HANDLES["pleth_pr"], value(m.NOM_PLETH_PULS_RATE, n.heart_rate, m.NOM_DIM_BEAT_PER_MIN)),
            (HANDLES["perf"], value(m.NOM_PULS_OXIM_PERF_REL, n.perfusion_index, m.NOM_DIM_PERCENT, 2)),
            (HANDLES["resp"], value(m.NOM_RESP_RATE, rr, m.NOM_DIM_RESP_PER_MIN)),
            (HANDLES["awrr"], value(m.NOM_AWAY_RESP_RATE, rr, m.NOM_DIM_RESP_PER_MIN)),
            (HANDLES["etco2"], value(m.NOM_AWAY_CO2_ET, None if rr is None else round(ETCO2_MMHG - (rr - 14) / 2),
                                     m.NOM_DIM_MMHG)),
            (HANDLES["temp"], value(m.NOM_TEMP, TEMP_C, m.NOM_DIM_DEGC, 1)),
        ]
        if self._nibp is None or self.model.nibp_due(self._nibp[0], t):
            self._nibp = (t, self.model.nibp(t), absolute_time(self.clock.now()))
        _, (sys_, dia, mean), stamp = self._nibp
        cmpd = b"".join(m.nu_obs_value(p, v, m.NOM_DIM_MMHG) for p, v in (
            (m.NOM_PRESS_BLD_NONINV_SYS, sys_), (m.NOM_PRESS_BLD_NONINV_DIA, dia), (m.NOM_PRESS_BLD_NONINV_MEAN, mean)))
        objects.append((HANDLES["nibp"], m.attribute_list(
            m.attribute(m.NOM_ATTR_NU_CMPD_VAL_OBS, m.u16(3) + m.u16(len(cmpd)) + cmpd),
            m.attribute(m.NOM_ATTR_TIME_STAMP_ABS, stamp))))
        return objects

    def _alerts(self) -> list[tuple[int, bytes]]:
        technical = []
        if "sensor_off" in self.model.status(self.t()):
            technical.append(m.alarm_entry(m.NOM_PULS_OXIM_SAT_O2, m.NOM_EVT_SENSOR_DISCONN, m.MED_PRI_T_AL,
                                           "SpO2 NO SENSOR"))
        return [(0, m.attribute_list(m.attribute(m.NOM_ATTR_AL_MON_T_AL_LIST, m.alarm_list(*technical)),
                                     m.attribute(m.NOM_ATTR_AL_MON_P_AL_LIST, m.alarm_list())))]


def run_intellivue_device(url: str, clock=None, stop_event: threading.Event | None = None, *,
                          model: VitalsModel | None = None, on_ready=None, baudrate: int = 115200) -> dict:
    """Be a monitor on `url` ("pty": a new pseudo-terminal whose path goes to `on_ready`) until `stop_event`."""
    stop_event = stop_event or threading.Event()
    link = PtyLink() if url == "pty" else SerialLink(url, baudrate)
    emulator = IntelliVueEmulator(link, clock, model)
    if on_ready is not None:
        on_ready(link.path)
    try:
        emulator.run(stop_event)
    finally:
        link.close()
    return dict(emulator.counters)
