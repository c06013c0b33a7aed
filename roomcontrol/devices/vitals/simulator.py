"""Simulated monitors: one that writes the real protocol bytes to a port, and a driver that skips the bytes.

`run_simulated_device("nonin" | "nonin-df2" | "masimo" | "hl7", url, clock, stop_event)` plays a patient
(physiology.VitalsModel) on the wire: to any pyserial URL, to a fresh pseudo-terminal (`url="pty"`, the slave's path
is handed to `on_ready`), or for hl7 as an MLLP client of `mllp://host:port` that waits for each ACK.
`SimulatedVitalsDriver` is the driver of the fully simulated room: the same readings, pleth and health, no port.
Respiratory rate and EtCO2 travel where the protocol has them: HL7 (MDC codes) and the simulated driver; a Nonin
or a Masimo ASCII 1 line has no field for them, so those wires carry none.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import socket
import threading
import tty
from collections.abc import Callable

import serial

from roomcontrol.clock import SystemClock
from roomcontrol.devices.base import Backoff, Device
from roomcontrol.devices.serial_transport import deliver, health_for
from roomcontrol.domain.vitals import Health, Reading, UNITS
from roomcontrol.devices.vitals.encoders import hl7_frame, masimo_line, nonin_packet
from roomcontrol.devices.vitals.hl7_mllp import parse_listen_url
from roomcontrol.devices.vitals.mllp import MllpDeframer
from roomcontrol.devices.vitals.physiology import Event, PlethGenerator, VitalsModel

log = logging.getLogger(__name__)

PROTOCOLS = ("nonin", "nonin-df2", "masimo", "hl7")
STEP_S = {"nonin": 1 / 3, "nonin-df2": 1 / 3, "masimo": 1.0, "hl7": 1.0}


def wait_until(clock, stop_event: threading.Event, target: float) -> bool:
    """Sleep in the clock's time until `target` (its monotonic()); True if stop was asked meanwhile."""
    while True:
        delay = target - clock.monotonic()
        if delay <= 0:
            return stop_event.is_set()
        if math.isinf(clock.speed):  # FakeClock: sleeping just moves time on
            clock.sleep(delay)
            return stop_event.is_set()
        # Short real waits, re-reading the clock: a scenario may hold its clock while a step runs.
        if stop_event.wait(min(delay / clock.speed, 0.5)):
            return True


def _infusion_min(t: float, infusion_start_s: float | None) -> float | None:
    if infusion_start_s is None or t < infusion_start_s:
        return None
    return (t - infusion_start_s) / 60


# -- byte sinks ------------------------------------------------------------------------------------------------

class PtySink:
    """A new pseudo-terminal; we write the master side. Bytes nobody reads are dropped, as on a real line."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo or line editing before the reader configures the port
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        try:
            os.write(self.master, data)
        except BlockingIOError:
            pass
        except OSError as e:
            if e.errno != errno.EAGAIN:
                raise

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class SerialSink:
    def __init__(self, url: str, baudrate: int):
        self.url, self.baudrate = url, baudrate
        self.port: serial.Serial | None = None

    def write(self, data: bytes) -> None:
        if self.port is None:
            self.port = serial.serial_for_url(self.url, baudrate=self.baudrate, write_timeout=2)
        try:
            self.port.write(data)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.port is not None:
            try:
                self.port.close()
            finally:
                self.port = None


class MllpClient:
    """Sends each message and waits for its ACK; reconnects on the next message after any failure."""

    def __init__(self, url: str, ack_timeout: float = 5.0):
        self.address = parse_listen_url(url)
        self.ack_timeout = ack_timeout
        self.sock: socket.socket | None = None
        self.deframer = MllpDeframer()
        self.last_ack = ""

    def send(self, frame: bytes) -> str:
        """Returns the ACK code (AA, AE, AR). Raises OSError if the link fails."""
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=self.ack_timeout)
            self.deframer = MllpDeframer()
        try:
            self.sock.sendall(frame)
            while True:
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("server closed the connection")
                acks = self.deframer.feed(data)
                if acks:
                    self.last_ack = acks[-1].decode("utf-8", "replace")
                    msa = [s for s in self.last_ack.split("\r") if s.startswith("MSA")]
                    return msa[0].split("|")[1] if msa else "??"
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


# -- the wire simulator ----------------------------------------------------------------------------------------

def run_simulated_device(protocol: str, url: str, clock=None, stop_event: threading.Event | None = None, *,
                         model: VitalsModel | None = None, infusion_start_s: float | None = None,
                         on_ready: Callable[[str], None] | None = None, baudrate: int = 9600,
                         hl7_vendor_labels: bool = False, backoff_max: float = 5.0) -> dict:
    """Write `protocol` bytes to `url` until `stop_event` is set. Returns counters.

    url: a pyserial URL; "pty" for a new pseudo-terminal (its path goes to `on_ready`); hl7: mllp://host:port.
    A cable_pulled event stops the bytes (hl7: drops the connection) for its duration.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    clock = clock or SystemClock()
    stop_event = stop_event or threading.Event()
    model = model or VitalsModel()
    sink: MllpClient | PtySink | SerialSink
    if protocol == "hl7":
        sink = MllpClient(url)
    elif url == "pty":
        sink = PtySink()
    else:
        sink = SerialSink(url, baudrate)
    if on_ready is not None:
        on_ready(getattr(sink, "path", url))
    encode = _encoder(protocol, model, clock, hl7_vendor_labels)
    counters = {"messages": 0, "bytes": 0, "write_errors": 0, "acks_aa": 0, "acks_other": 0}
    step, t0, k = STEP_S[protocol], clock.monotonic(), 0
    retry_at, backoff = 0.0, Backoff(0.25, backoff_max)
    try:
        while not stop_event.is_set():
            t = k * step
            k += 1
            if "cable_pulled" in model.status(t):
                if protocol == "hl7":
                    sink.close()
            elif t >= retry_at:
                data = encode(t, _infusion_min(t, infusion_start_s))
                try:
                    if isinstance(sink, MllpClient):  # hl7
                        code = sink.send(data)
                        counters["acks_aa" if code == "AA" else "acks_other"] += 1
                    else:
                        sink.write(data)
                    counters["messages"] += 1
                    counters["bytes"] += len(data)
                    backoff.reset()
                except (OSError, serial.SerialException) as e:
                    counters["write_errors"] += 1
                    delay = backoff.next()
                    log.info("simulated %s on %s: %s (retrying in %.2g s)", protocol, url, e, delay)
                    retry_at = t + delay
            if wait_until(clock, stop_event, t0 + k * step):
                break
    finally:
        sink.close()
    return counters


def _encoder(protocol: str, model: VitalsModel, clock, vendor_labels: bool):
    pleth = PlethGenerator(model)
    last_nibp: list[float | None] = [None]
    ids = iter(range(1, 1 << 62))

    def nonin(t, inf_min):
        n = model.numerics(t, inf_min)
        flags = {"sensor_alarm"} if n.sensor_off else set()
        return nonin_packet(n.heart_rate, n.spo2, pleth.next(25, inf_min), flags=flags,
                            data_format=2 if protocol == "nonin-df2" else 7)

    def masimo(t, inf_min):
        n = model.numerics(t, inf_min)
        device_time = clock.now().astimezone()  # the monitor's clock shows local time
        exc = 0x020 if n.sensor_off else 0x800
        return masimo_line(device_time, spo2=n.spo2, bpm=n.heart_rate, pi=n.perfusion_index, exc=exc)

    def hl7(t, inf_min):
        n = model.numerics(t, inf_min)
        obs = [("heart_rate", n.heart_rate), ("spo2", n.spo2), ("pulse_rate", n.heart_rate),
               ("perfusion_index", n.perfusion_index), ("respiratory_rate", n.respiratory_rate), ("etco2", n.etco2)]
        if model.nibp_due(last_nibp[0], t):
            last_nibp[0] = t
            obs += zip(("nibp_systolic", "nibp_diastolic", "nibp_mean"), model.nibp(t, inf_min))
        return hl7_frame(f"SIM{next(ids)}", clock.now(), obs, vendor_labels=vendor_labels)

    return {"nonin": nonin, "nonin-df2": nonin, "masimo": masimo, "hl7": hl7}[protocol]


# -- the simulated driver --------------------------------------------------------------------------------------

class SimulatedVitalsDriver(Device):
    """Readings straight from the model, once a second (NIBP every model.nibp_interval_s, or CUFF_S after
    start_nibp(), as a monitor's cuff inflates and deflates), pleth at 75 Hz."""

    thread_role = "simulated"
    can_start_nibp = True
    CUFF_S = 30.0  # an oscillometric measurement takes about this long from "start" to the numbers

    def __init__(self, *, on_reading, on_health, clock=None, name: str = "vitals", model: VitalsModel | None = None,
                 infusion_minutes: Callable[[], float | None] | None = None, infusion_start_s: float | None = None,
                 on_pleth: Callable[[list[float], object], None] | None = None, source: str = "simulated"):
        super().__init__(name, clock=clock, on_health=on_health)
        self.source = source
        self.model = model or VitalsModel()
        self._on_reading = on_reading
        self._on_pleth = on_pleth
        self._infusion_minutes = infusion_minutes
        self._infusion_start_s = infusion_start_s
        self._t = 0.0
        self._counters = {"readings": 0, "pleth_batches": 0}
        self._nibp_asked = threading.Event()  # set by start_nibp() on the engine's thread, taken by ours

    @property
    def counters(self) -> dict:
        return dict(self._counters)

    def add_event(self, kind: str, duration_s: float, start_in_s: float = 0.0, magnitude: float = 1.0) -> Event:
        """Script an event from now on (training: "show me a desaturation")."""
        event = Event(kind, self._t + start_in_s, duration_s, magnitude)
        self.model.events = self.model.events + [event]  # rebinding, so the thread never sees a half-built list
        return event

    def start_nibp(self) -> None:
        """Inflate the cuff now (returns at once); the reading follows CUFF_S later. A request while the cuff is
        already up is the same measurement, as on a monitor."""
        self._nibp_asked.set()

    def _infusion(self, t: float) -> float | None:
        if self._infusion_minutes is not None:
            return self._infusion_minutes()
        return _infusion_min(t, self._infusion_start_s)

    def _run(self) -> None:
        clock, model = self.clock, self.model
        self._health.set(Health.CONNECTING, "simulated monitor starting")
        pleth = PlethGenerator(model)
        t0, k, last_nibp = clock.monotonic(), 0, None
        cuff_up: float | None = None  # model time the asked-for measurement started
        stride = packet_stride(clock)
        while not self._stopping.is_set():
            t = self._t = k / 3
            inf_min = self._infusion(t)
            samples = pleth.next(25, inf_min)
            if "cable_pulled" in model.status(t):
                self._health.set(Health.LOST, "cable pulled (simulated)")
            else:
                if self._health.state == Health.LOST:
                    self._health.set(Health.CONNECTING, "cable back (simulated)")
                now = clock.now()
                if self._on_pleth is not None:
                    self._counters["pleth_batches"] += 1
                    self._on_pleth(samples, now)
                second = k % 3 == 0 or stride >= 3
                readings = self._readings(t, inf_min, now) if second else []
                if self._nibp_asked.is_set() and cuff_up is None:
                    self._nibp_asked.clear()
                    cuff_up = t
                asked = cuff_up is not None and t - cuff_up >= self.CUFF_S
                if second and (asked or model.nibp_due(last_nibp, t)):
                    if asked:
                        cuff_up = None
                    else:
                        last_nibp = t
                    readings += [Reading(kind, float(v), UNITS[kind], now, now, frozenset(), self.source)
                                 for kind, v in zip(("nibp_systolic", "nibp_diastolic", "nibp_mean"),
                                                    model.nibp(t, inf_min))]
                if readings:
                    self._counters["readings"] += len(readings)
                    deliver(readings, self._on_reading, self.name, self._counters)
                    self._health.set(health_for(readings), "simulated monitor")
            k += stride
            if wait_until(clock, self._stopping, t0 + k / 3):
                break

    def _readings(self, t: float, inf_min: float | None, now) -> list[Reading]:
        n = self.model.numerics(t, inf_min)
        off = frozenset({"sensor_off"}) if n.sensor_off else frozenset()
        # the finger probe's kinds carry its sensor-off flag; the capnograph's line goes on breathing
        values = {"heart_rate": (n.heart_rate, off), "spo2": (n.spo2, off), "perfusion_index": (n.perfusion_index, off),
                  "respiratory_rate": (n.respiratory_rate, frozenset()), "etco2": (n.etco2, frozenset())}
        return [Reading(kind, None if v is None else float(v), UNITS[kind], now, now, flags, self.source)
                for kind, (v, flags) in values.items()]


# At most 10 s of clock time per pass (30 packets): above 300× a scenario's scripted desaturation or hypertension
# must still be seen by several readings, as the alarms' hold times and the advisories' "two readings 5 min apart"
# need (at 3000× this is 300 small passes a real second, which the engine takes easily).
MAX_STRIDE = 30


def packet_stride(clock) -> int:
    """Packets (1/3 s of clock time each) per pass: 1 in real time; on a sped-up clock (a scenario at --speed N)
    enough that the simulator makes at most ~30 passes a real second instead of flooding the engine, up to 10 s."""
    speed = getattr(clock, "speed", 1.0)
    if speed == float("inf") or speed <= 10:
        return 1
    return min(int(speed // 10), MAX_STRIDE)
