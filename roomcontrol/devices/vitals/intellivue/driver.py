"""The IntelliVue driver: one thread that associates with the monitor over its MIB/RS232 port and polls it.

The guide's sequence ("Association Control", "Polling"): we send an Association Request; the monitor answers
with an Association Response and then an MDS Create Event Report, which we confirm; from then on we poll the
numerics (and the alerts) every `poll_interval` seconds. Any request keeps the association alive; should we have
nothing to ask for `keepalive_s`, we send an MDS Get. A monitor that stops answering (cable pulled, monitor off)
for `no_data_after` seconds is LOST: we abort the association, back off (devices.base.Backoff) and associate
again. A port that errors is closed and reopened the same way. At close we release the association.
"""

from __future__ import annotations

import logging

import serial

from roomcontrol.devices.base import Backoff, Device, close_quietly, one_line
from roomcontrol.devices.ports import open_port
from roomcontrol.devices.serial_transport import deliver, health_for
from roomcontrol.devices.vitals.intellivue import framing, messages as m
from roomcontrol.devices.vitals.intellivue.readings import sensor_off_kinds, to_readings
from roomcontrol.domain.vitals import NIBP_KINDS, Health, Reading

log = logging.getLogger(__name__)

OPTIONS = ("baudrate", "poll_interval", "alert_interval", "keepalive_s", "no_data_after", "assoc_timeout",
           "backoff_initial", "backoff_max", "read_timeout")


class IntelliVueDriver(Device):
    # Start-NIBP: not possible. The Data Export Interface Programming Guide's remote operations are association
    # control, "MDS Create Event Report", "Poll Data Request"/extended poll (actions NOM_ACT_POLL_MDIB_DATA[_EXT]),
    # Get and the Set of the poll priority list ("Set Priority List"): none starts a measurement, the protocol
    # reads the monitor and never controls it. The nurse starts NIBP on the monitor (the default refusal).
    thread_role = "intellivue"
    close_timeout = 4.0  # the thread releases the association before it ends

    def __init__(self, url: str, *, on_reading, on_health, clock=None, name: str = "vitals", baudrate: int = 115200,
                 poll_interval: float = 1.0, alert_interval: float = 2.0, keepalive_s: float = 5.0,
                 no_data_after: float = 5.0, assoc_timeout: float = 5.0, backoff_initial: float = 0.25,
                 backoff_max: float = 5.0, read_timeout: float = 0.05, release_timeout: float = 1.0):
        super().__init__(name, clock=clock, on_health=on_health)
        for key, value in (("poll_interval", poll_interval), ("alert_interval", alert_interval),
                           ("keepalive_s", keepalive_s), ("no_data_after", no_data_after),
                           ("assoc_timeout", assoc_timeout)):
            if not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{key} must be a number of seconds > 0, not {value!r}")
        self.url = url
        self._on_reading = on_reading
        self._baudrate = baudrate
        self._poll_interval, self._alert_interval = float(poll_interval), float(alert_interval)
        self._keepalive_s, self._no_data_after = float(keepalive_s), float(no_data_after)
        self._assoc_timeout, self._release_timeout = float(assoc_timeout), float(release_timeout)
        self._read_timeout = read_timeout
        self._backoff = Backoff(backoff_initial, backoff_max)
        self._deframer = framing.Deframer()
        self._own = {k: 0 for k in ("opens", "open_failures", "read_errors", "associations", "association_timeouts",
                                    "refusals", "aborts_received", "silences", "polls", "poll_results",
                                    "keepalives", "message_errors", "readings", "releases")}
        self._convert: dict[str, int] = {}
        self._invoke = 0
        self._sensor_off: set[str] = set()
        self._nibp_seen: dict[str, tuple] = {}

    @property
    def counters(self) -> dict:
        return {**self._deframer.counters, **self._own, **self._convert}

    # -- the thread --------------------------------------------------------------------------------------------

    def _run(self) -> None:
        self._health.set(Health.CONNECTING, f"opening {self.url}")
        while not self._stopping.is_set():
            port = self._open()
            if port is not None:
                try:
                    if self._session(port):
                        self._backoff.reset()  # associated: the next failure starts the back-off afresh
                except (serial.SerialException, OSError) as e:
                    self._own["read_errors"] += 1
                    self._health.set(Health.LOST, f"{self.url}: {one_line(e)}")
                finally:
                    close_quietly(port)
            if self._stopping.wait(self._backoff.next()):
                break

    def _open(self):
        try:
            port = open_port(self.url, baudrate=self._baudrate, timeout=self._read_timeout,
                                         write_timeout=2)
        except (serial.SerialException, OSError, ValueError) as e:
            self._own["open_failures"] += 1
            self._health.set(Health.LOST, f"cannot open {self.url}: {one_line(e)}")
            return None
        self._own["opens"] += 1  # the deframer carries on: a frame cut by the pull ends at the next BOF, counted
        return port

    def _next_invoke(self) -> int:
        self._invoke = (self._invoke + 1) & 0xFFFF
        return self._invoke

    def _session(self, port) -> bool:
        """Associate, then poll until stop, silence or error. True if the association was made."""
        clock = self.clock
        send = lambda payload: port.write(framing.frame(payload))  # noqa: E731
        send(m.association_request(self._poll_interval))
        state, start = "associating", clock.monotonic()
        associated = False
        last_rx = last_tx = next_poll = next_alerts = start
        poll_number = 0
        while True:
            now_m = clock.monotonic()
            if self._stopping.is_set():
                if associated and state == "polling":
                    self._release_association(port)
                return associated
            for msg in self._receive(port):
                last_rx = now_m
                if isinstance(msg, (m.Refuse, m.Abort)):
                    self._own["refusals" if isinstance(msg, m.Refuse) else "aborts_received"] += 1
                    self._health.set(Health.LOST, f"the monitor {'refused' if isinstance(msg, m.Refuse) else 'aborted'} "
                                                  "the association")
                    return associated
                if isinstance(msg, m.ReleaseRequest):  # the monitor ends the association: confirm, then start over
                    send(m.RELEASE_RESP)
                    self._health.set(Health.CONNECTING, "the monitor released the association")
                    return associated
                if state == "associating" and isinstance(msg, m.AssociationResult):
                    state = "awaiting_mds"
                elif state == "awaiting_mds" and isinstance(msg, m.MdsCreate):
                    send(m.mds_create_result(msg))
                    state, associated = "polling", True
                    self._own["associations"] += 1
                    self._health.set(Health.CONNECTING, f"associated with the monitor on {self.url}")
                    next_poll = next_alerts = now_m
                elif state == "polling" and isinstance(msg, m.PollResult):
                    self._own["poll_results"] += 1
                    self._result(msg)
            if state != "polling":
                if now_m - start >= self._assoc_timeout:
                    self._own["association_timeouts"] += 1
                    self._health.set(Health.LOST, f"no association with the monitor on {self.url} "
                                                  f"within {self._assoc_timeout:g} s")
                    return associated
                continue
            if now_m - last_rx >= self._no_data_after:
                self._own["silences"] += 1
                self._health.set(Health.LOST, f"the monitor on {self.url} fell silent for {self._no_data_after:g} s")
                send(m.ABORT)
                return associated
            if now_m >= next_poll:
                poll_number = (poll_number + 1) & 0xFFFF
                send(m.poll_request(self._next_invoke(), poll_number, m.NOM_MOC_VMO_METRIC_NU))
                self._own["polls"] += 1
                last_tx, next_poll = now_m, next_poll + self._poll_interval
                if next_poll < now_m:  # we fell behind (a slow port): poll on from now, never in a burst
                    next_poll = now_m + self._poll_interval
                if now_m >= next_alerts:
                    send(m.poll_request(self._next_invoke(), poll_number, m.NOM_MOC_VMO_AL_MON))
                    next_alerts = now_m + self._alert_interval
            elif now_m - last_tx >= self._keepalive_s:
                send(m.keep_alive(self._next_invoke()))
                self._own["keepalives"] += 1
                last_tx = now_m

    def _receive(self, port) -> list[m.Message]:
        data = port.read(max(1, port.in_waiting))  # a vanished port raises SerialException/OSError
        out = []
        for payload in self._deframer.feed(data):
            try:
                out.append(m.decode(payload))
            except m.MessageError as e:
                self._own["message_errors"] += 1
                log.debug("%s: %s", self.name, e)
        return out

    def _result(self, result: m.PollResult) -> None:
        if result.obj_code == m.NOM_MOC_VMO_AL_MON:
            self._sensor_off = sensor_off_kinds(result.alerts)
            return
        now = self.clock.now()
        readings = [r for r in to_readings(result.numerics, now, self._sensor_off, self._convert)
                    if self._new(r, result)]
        if readings:
            self._own["readings"] += len(readings)
            deliver(readings, self._on_reading, self.name, self._own)
            self._health.set(health_for(readings), f"data from {self.url}")

    def _new(self, reading: Reading, result: m.PollResult) -> bool:
        """The monitor repeats its last NIBP in every poll: pass a measurement on once (its time stamp, or
        its values when it has none, tell a new one)."""
        if reading.kind not in NIBP_KINDS:
            return True
        stamp = next((n.timestamp for n in result.numerics if m.PHYSIO_KINDS.get(n.physio_id) == reading.kind), b"")
        key = (stamp, reading.value, "nibp_measuring" in reading.flags)
        if self._nibp_seen.get(reading.kind) == key:
            return False
        self._nibp_seen[reading.kind] = key
        return True

    def _release_association(self, port) -> None:
        """"Release Request", then wait a moment for the monitor's "Release Response"."""
        try:
            port.write(framing.frame(m.RELEASE_REQ))
            deadline = self.clock.monotonic() + self._release_timeout
            while self.clock.monotonic() < deadline:
                if any(isinstance(msg, m.ReleaseResult) for msg in self._receive(port)):
                    self._own["releases"] += 1
                    return
        except (serial.SerialException, OSError):
            pass




def open_intellivue(url, options, *, clock, on_health, name, on_reading) -> IntelliVueDriver:
    """The registry's factory (devices.registry, driver "intellivue")."""
    return IntelliVueDriver(url, on_reading=on_reading, on_health=on_health, clock=clock, name=name, **options)
