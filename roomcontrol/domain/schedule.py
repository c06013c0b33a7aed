"""What the protocol's vitals and scales schedules want now (issue #15 item 2): each planned measurement or scale
as an `Item` that is upcoming, due, overdue, done or missed.

Computed from the session fold (dosing started/ended, recovery, closed) and a `Record` of what was measured or
recorded, itself folded from the log (assessments, baselines, validated readings) and the monitor's NIBP
readings (which the engine re-reads from its stored vitals after a restart): nothing lives in a timer, so a
replay gives the same list.

The times of an entry (protocol.Scheduled) count in wall-clock minutes from its anchor:
- `pre_dose`: one check, due from the session's opening until dosing starts (then, if not done, missed);
- `dose`: from the start of dosing; `every_min` repeats until dosing ends when the protocol has `recovery`
  entries for the same thing (they take over), else until the session closes (esketamine's MOAA/S every 30 min);
- `recovery`: from the end of dosing; `every_min` repeats until the session closes;
- `discharge`: one check, due once the minimum monitoring time is reached, until the session closes.
Pauses do not stop the clock: a paused patient is watched at least as closely as a dosing one.
A timed item (dose, recovery) is overdue once its grace (protocol `grace_min`, default 5 min) has passed; the
one-off checks (pre_dose, discharge) belong to an act, not a time, and are due until that act.
An item is done by the first reading or score inside its window: from its grace before the due time (from the
opening for pre_dose) until the next item of the same thing opens, or by a reading the nurse validated for it.
An item whose window closed undone is missed: at most one item per measurement or scale asks for attention.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.protocol import Protocol, Scheduled
from roomcontrol.domain.session import Session
from roomcontrol.domain.timefmt import iso_utc, parse_iso

NIBP = "nibp"
UPCOMING, DUE, OVERDUE, DONE, MISSED = "upcoming", "due", "overdue", "done", "missed"
STATES = (UPCOMING, DUE, OVERDUE, DONE, MISSED)
PROMPTING = (DUE, OVERDUE)
SHORT = {NIBP: "BP", "heart_rate": "HR", "spo2": "SpO₂", "respiratory_rate": "RR", "etco2": "EtCO₂"}
MAX_SERIES_MIN = 600.0          # the longest a schedule runs from its anchor (protocol.SCHEDULE_MIN)
VALIDATE_MAX_AGE = timedelta(minutes=15)  # a reading older than this is not charted as current


@dataclass(frozen=True)
class Evidence:
    """One thing that can satisfy an item: a reading or score of `what` at `at`, how it came and who."""
    what: str
    at: datetime
    source: str                  # monitor | baseline | recorded | validated
    by: str | None = None
    item: str | None = None      # validated: the item the nurse charted it for

    def as_dict(self) -> dict[str, Any]:
        return {"at": iso_utc(self.at), "source": self.source, "by": self.by}


@dataclass(frozen=True)
class Record:
    """What was measured and recorded in the session so far (folded; see module doc)."""
    evidence: tuple[Evidence, ...] = ()

    def add(self, e: Evidence) -> Record:
        return replace(self, evidence=self.evidence + (e,))


def fold(record: Record, event: Event) -> Record:
    """The record after one logged event (a new session starts a new record)."""
    p = event.payload
    if event.kind == K.SESSION_OPENED:
        return Record()
    if event.kind == K.ASSESSMENT_RECORDED:
        return record.add(Evidence(str(p.get("scale")), event.ts, "recorded", event.actor))
    if event.kind == K.VITALS_BASELINE and p.get("nibp_systolic") is not None:
        return record.add(Evidence(NIBP, event.ts, "baseline", event.actor))
    if event.kind == K.VITALS_VALIDATED:
        reading, item = p.get("reading") or {}, p.get("item") or {}
        at = _time(reading.get("received_ts")) or event.ts
        return record.add(Evidence(str(p.get("what", NIBP)), at, "validated", event.actor, item.get("key")))
    return record


def reading(record: Record, what: str, at: datetime) -> Record:
    """The record after a reading from the monitor (an NIBP measurement), live or re-read from the store."""
    return record.add(Evidence(what, at, "monitor"))


@dataclass(frozen=True)
class Item:
    key: str                     # stable across replays: "nibp@dose+15", "MOAA/S@pre_dose"
    what: str                    # "nibp" or a scale name
    label: str
    due_at: datetime
    state: str
    grace_min: float
    satisfied_by: Evidence | None = None

    @property
    def short(self) -> str:
        return SHORT.get(self.what, self.what)

    def late_min(self, now: datetime) -> int:
        return max(0, int((now - self.due_at).total_seconds() // 60))

    def prompt(self, now: datetime) -> str:
        """What the nurse reads: "BP due now", "BP overdue 6 min", "MOAA/S due in 3 min"."""
        if self.state == OVERDUE:
            return f"{self.short} overdue {self.late_min(now)} min"
        if self.state == UPCOMING:
            return f"{self.short} due in {max(1, -(-int((self.due_at - now).total_seconds()) // 60))} min"
        return f"{self.short} {self.state}" + (" now" if self.state == DUE else "")

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """The item as the live state and docs/STATION.md carry it."""
        return {"key": self.key, "what": self.what, "label": self.label, "due_at": iso_utc(self.due_at),
                "state": self.state, "late_min": self.late_min(now) if self.state == OVERDUE else 0,
                "prompt": self.prompt(now),
                "satisfied_by": self.satisfied_by.as_dict() if self.satisfied_by else None}


@dataclass(frozen=True)
class _Slot:
    key: str
    entry: Scheduled
    due_at: datetime
    opens: datetime
    closes: datetime | None      # by its own anchor (pre_dose: dosing started; any: the session closed)
    timed: bool


def items(protocol: Protocol, session: Session, record: Record, now: datetime) -> tuple[Item, ...]:
    """Every item of the schedule so far (and the next of each series), in due order."""
    slots = sorted(_slots(protocol, session, now), key=lambda s: (s.due_at, s.key))
    out: list[Item] = []
    for n, slot in enumerate(slots):
        later = [s.opens for s in slots[n + 1:] if s.entry.what == slot.entry.what and s.opens > slot.opens]
        closes = min([*later, *([slot.closes] if slot.closes else [])], default=None)
        out.append(_judge(slot, closes, record, now))
    return tuple(out)


def prompting(all_items: tuple[Item, ...]) -> tuple[Item, ...]:
    """The items the nurse is asked for now (due or overdue), the most overdue first."""
    return tuple(sorted((i for i in all_items if i.state in PROMPTING), key=lambda i: i.due_at))


def _judge(slot: _Slot, closes: datetime | None, record: Record, now: datetime) -> Item:
    what = slot.entry.what
    found = next((e for e in record.evidence if e.item == slot.key), None) or next(
        (e for e in record.evidence if e.what == what and e.item is None and slot.opens <= e.at
         and (closes is None or e.at < closes)), None)
    if found is not None:
        state = DONE
    elif closes is not None and closes <= now:
        state = MISSED
    elif now < slot.due_at:
        state = UPCOMING
    elif slot.timed and now >= slot.due_at + timedelta(minutes=slot.entry.grace_min):
        state = OVERDUE
    else:
        state = DUE
    return Item(slot.key, what, slot.entry.label or SHORT.get(what, what), slot.due_at, state,
                slot.entry.grace_min, found)


def _slots(protocol: Protocol, s: Session, now: datetime) -> list[_Slot]:
    dose_at, dose_end = s.infusion_started_at, s.infusion_ended_at
    recovery_from = s.recovery_started_at or dose_end
    min_recovery = max(protocol.phases.min_recovery_min, protocol.discharge.min_after_last_dose_min)
    taken_over = {e.what for e in (*protocol.vitals, *protocol.scales) if e.anchor == "recovery"}
    out: dict[str, _Slot] = {}
    for entry in (*protocol.vitals, *protocol.scales):
        grace = timedelta(minutes=entry.grace_min)
        if entry.anchor == "pre_dose":
            slot = _Slot(f"{entry.what}@pre_dose", entry, s.opened_at, s.opened_at, dose_at or s.closed_at, False)
            out.setdefault(slot.key, slot)
            continue
        if entry.anchor == "discharge":
            if recovery_from is not None:
                due = recovery_from + timedelta(minutes=min_recovery)
                slot = _Slot(f"{entry.what}@discharge", entry, due, due - grace, s.closed_at, False)
                out.setdefault(slot.key, slot)
            continue
        start = dose_at if entry.anchor == "dose" else dose_end
        if start is None:
            continue
        stop = s.closed_at
        if entry.anchor == "dose" and entry.what in taken_over and dose_end is not None:
            stop = min(dose_end, stop) if stop else dose_end
        for minute in _minutes(entry, start, stop, now):
            due = start + timedelta(minutes=minute)
            slot = _Slot(f"{entry.what}@{entry.anchor}+{minute:g}", entry, due, due - grace, s.closed_at, True)
            out.setdefault(slot.key, slot)
    return list(out.values())


def _minutes(entry: Scheduled, start: datetime, stop: datetime | None, now: datetime) -> list[float]:
    """The minutes from the anchor: every `at_min`, and the `every_min` series up to the first after now (so the
    next one shows as upcoming) while before `stop`."""
    minutes = list(entry.at_min)
    if entry.every_min is not None:
        k = 1
        while (m := k * entry.every_min) <= MAX_SERIES_MIN:
            due = start + timedelta(minutes=m)
            if stop is not None and due >= stop:
                break
            minutes.append(m)
            if due > now:
                break
            k += 1
    return minutes


def validation(all_items: tuple[Item, ...], key: str, values: dict[str, Any], received: datetime | None,
               now: datetime) -> dict[str, Any]:
    """The payload of `vitals.validated`: the nurse charts the latest reading (`values`, received at `received`)
    for item `key` (also one the monitor's reading already answered: charting is the nurse's confirmation).
    Refused for an unknown, missed or already charted item, no reading, or one too old to be current."""
    item = next((i for i in all_items if i.key == key), None)
    if item is None:
        raise Refused(f"nothing on this session's schedule is called {key!r}")
    if item.state == MISSED:
        raise Refused(f"{item.label} is missed; nothing to chart for it")
    if item.satisfied_by is not None and item.satisfied_by.source == "validated":
        raise Refused(f"{item.label} is already charted, by {item.satisfied_by.by}")
    if received is None or not values:
        raise Refused(f"no {item.short} reading from the monitor yet; measure first")
    if now - received > VALIDATE_MAX_AGE:
        raise Refused(f"the last {item.short} reading is {int((now - received).total_seconds() // 60)} min old; "
                      "measure again")
    return {"what": item.what, "item": {"key": item.key, "label": item.label, "due_at": iso_utc(item.due_at)},
            "reading": {**values, "received_ts": iso_utc(received)}}


def _time(value: object) -> datetime | None:
    return parse_iso(value) if isinstance(value, str) else None
