"""One HL7 message in, the ACK and what the room gets out: the part of the HL7 driver that knows no sockets.

- Every message is acknowledged (AA taken, AE unreadable, AR a type we do not take), whichever bed it is from.
- With `bed` set, only messages naming that bed (PV1-3 whole or its bed component, an OBX-18 equipment id, or
  MSH-3/MSH-4) give readings; the others are counted. Every bed heard is listed for `probe --list-beds`.
- A value that is not a reading (a sentinel, dashes, impossible for its kind: domain.vitals.plausible) is dropped,
  counted, and logged once per kind and reason.
- Alerts: a sensor-off alert (probe off, leads off) puts the flag sensor_off on the readings of the kinds it is
  about and makes the health SENSOR_OFF, so the room raises its sensor-off technical alarm; cuff and battery
  alerts flag cuff_error / low_battery, anything else device_alarm. A PCD-04 alert holds until its phase is
  "end" or it is not repeated for `alert_hold_s`; an INOP in an ORU^R01 holds while the messages repeat it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from roomcontrol.devices.vitals.hl7_oru import (Alert, Hl7Error, OruMessage, UnsupportedMessage, build_ack,
                                                label_table, parse_oru, split_msh)
from roomcontrol.devices.vitals.mllp import mllp_frame
from roomcontrol.domain.vitals import Health, Reading
from roomcontrol.domain.vitals.plausible import implausible

log = logging.getLogger(__name__)


@dataclass
class FeedResult:
    ack: bytes                                  # the framed ACK to send back
    code: str = "AA"                            # its MSA-1: AA, AE or AR
    ours: bool = False                          # a message of our bed (or of any bed when none is set)
    readings: list[Reading] = field(default_factory=list)
    pleth: list[float] = field(default_factory=list)
    health: tuple[Health, str] | None = None    # what our bed's message says about the monitor


@dataclass
class BedHeard:
    location: str                               # PV1-3 as sent ("" when the messages carry none)
    ids: set[str] = field(default_factory=set)  # every name a room's `bed` option may give it
    messages: int = 0

    def to_json(self) -> dict[str, object]:
        return {"location": self.location, "ids": sorted(self.ids), "messages": self.messages}


class Hl7Feed:
    def __init__(self, *, labels: dict[str, str] | None = None, device_tz: tzinfo | None = None,
                 bed: str | None = None, alert_hold_s: float = 30.0, source: str = "hl7", name: str = "vitals"):
        if bed is not None and (not isinstance(bed, str) or not bed.strip()):
            raise ValueError(f"bed: {bed!r} is not a bed name; give the PV1-3 location (\"ICU^^5\"), its bed "
                             "(\"5\"), an OBX-18 equipment id or the MSH-3/MSH-4 sender, as `roomcontrol probe "
                             "vitals --driver hl7 --list-beds` prints them")
        self._table = label_table(labels)
        self._device_tz = device_tz
        self.bed = bed.strip().upper() if bed else None
        self._hold = alert_hold_s
        self.source, self.name = source, name
        self._lock = threading.Lock()
        self._alerts: dict[str, tuple[Alert, float | None]] = {}  # key -> (alert, expires at; None: R01 INOP)
        self._logged: set[tuple[str, str]] = set()
        self._beds: dict[str, BedHeard] = {}
        self.counters = {"messages": 0, "acks_aa": 0, "acks_ae": 0, "acks_ar": 0, "readings": 0,
                         "not_readings": 0, "withheld": 0, "bad_times": 0, "other_beds": 0, "alerts": 0,
                         "pleth_samples": 0}

    def handle(self, message: bytes, now: datetime, mono: float) -> FeedResult:
        """Never raises on what a peer sends: the worst is an AE."""
        with self._lock:
            return self._handle(message, now, mono)

    def _handle(self, message: bytes, now: datetime, mono: float) -> FeedResult:
        ack_id = f"RC{self.counters['messages'] + 1}"
        self.counters["messages"] += 1
        text = message.decode("utf-8", errors="replace")
        try:
            oru = parse_oru(text, table=self._table, device_tz=self._device_tz)
        except UnsupportedMessage as e:
            self.counters["acks_ar"] += 1
            return FeedResult(mllp_frame(build_ack(_msh_or_none(text), "AR", ack_id, now, str(e))), "AR")
        except Hl7Error as e:
            self.counters["acks_ae"] += 1
            log.warning("%s: rejected HL7 message: %s", self.name, e)
            return FeedResult(mllp_frame(build_ack(_msh_or_none(text), "AE", ack_id, now, str(e))), "AE")
        self.counters["acks_aa"] += 1
        result = FeedResult(mllp_frame(build_ack(oru.msh, "AA", ack_id, now)))
        self._heard(oru)
        if self.bed is not None and self.bed not in oru.beds:
            self.counters["other_beds"] += 1
            return result
        result.ours = True
        self._take_alerts(oru, mono)
        self.counters["withheld"] += oru.withheld
        if oru.bad_times:
            self.counters["bad_times"] += oru.bad_times
            self._once(("time", ""), "an OBR-7/OBX-14 time could not be read: the values are kept with the "
                       "receive time (counted as bad_times; logged once)")
        for kind, why in oru.rejected:
            self._not_a_reading(kind, why)
        for o in oru.observations:
            flags = o.flags | self._flags_for(o.kind)
            problem = implausible(o.kind, o.value, flags)
            if problem:
                self._not_a_reading(o.kind, problem)
                continue
            result.readings.append(Reading(o.kind, o.value, o.unit, now, o.device_ts, flags, self.source))
        self.counters["readings"] += len(result.readings)
        result.pleth = oru.pleth
        self.counters["pleth_samples"] += len(oru.pleth)
        result.health = self._health()
        return result

    def expire(self, mono: float) -> tuple[Health, str] | None:
        """Drop PCD-04 alerts not repeated in time; the new health when that ended a sensor-off."""
        with self._lock:
            before = self._health()
            for key, (_, until) in list(self._alerts.items()):
                if until is not None and mono >= until:
                    del self._alerts[key]
            after = self._health()
            return after if after != before else None

    def beds(self) -> list[dict[str, object]]:
        """The beds heard so far, for `probe vitals --driver hl7 --list-beds`."""
        with self._lock:
            return [b.to_json() for b in self._beds.values()]

    def active_alerts(self) -> list[Alert]:
        with self._lock:
            return [a for a, _ in self._alerts.values()]

    # -- inside the lock -----------------------------------------------------------------------------------

    def _heard(self, oru: OruMessage) -> None:
        key = oru.location or next(iter(sorted(oru.beds)), "") or "(unnamed)"
        entry = self._beds.setdefault(key, BedHeard(oru.location))
        entry.ids.update(oru.beds)
        entry.messages += 1

    def _take_alerts(self, oru: OruMessage, mono: float) -> None:
        if oru.message_type == "ORU^R01":  # an R01 lists the INOPs standing now: the others have ended
            for key in [k for k, (_, until) in self._alerts.items() if until is None]:
                del self._alerts[key]
        for alert in oru.alerts:
            self.counters["alerts"] += 1
            if alert.phase == "end":
                self._alerts.pop(alert.key, None)
            else:
                until = None if oru.message_type == "ORU^R01" else mono + self._hold
                self._alerts[alert.key] = (alert, until)

    def _flags_for(self, kind: str) -> frozenset[str]:
        return frozenset(a.flag for a, _ in self._alerts.values()
                         if kind in a.kinds or (not a.kinds and a.flag != "sensor_off"))

    def _health(self) -> tuple[Health, str]:
        off = [a.text for a, _ in self._alerts.values() if a.flag == "sensor_off"]
        if off:
            return Health.SENSOR_OFF, "monitor alert: " + "; ".join(sorted(off))
        return Health.OK, "data from the monitor"

    def _not_a_reading(self, kind: str, why: str) -> None:
        self.counters["not_readings"] += 1
        self._once((kind, why), f"{kind} value not taken as a reading: {why} (counted as not_readings; logged "
                                "once per kind and reason)")

    def _once(self, key: tuple[str, str], message: str) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning("%s: HL7 %s", self.name, message)


def _msh_or_none(text: str) -> list[str] | None:
    try:
        return split_msh(text)
    except Hl7Error:
        return None
