"""The session record: a pure fold over one session's events and vitals rows (no I/O, no clock, no Qt).

`build_record(events, vitals_rows)` takes what the store returns (`read_events(session_id=...)`, `read_vitals`)
and refuses a session that is still open. Everything the PDF, the FHIR export and the CSV files show comes from
here, so the three always agree.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from roomcontrol.domain import kinds as K
from roomcontrol.domain import session as S
from roomcontrol.domain.alarms import PRIORITY_RANK
from roomcontrol.domain.controlled import Ledger
from roomcontrol.domain.dose import given_over, rerated
from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import iso_utc, parse_iso
from roomcontrol.records.errors import RecordError, SessionStillOpen
from roomcontrol.domain.wording import ACT_NAMES, DEVICE_LABELS, SYSTEM_ACTORS, phase_label

from roomcontrol.records.entries import (GRID_KINDS, GRID_S, AlarmRecord, Assessment, Baseline, ChecklistItem,
                                         Closing, Correction, GridRow, Infusion, Medication, Note, Prescription,
                                         ProtocolRef, RateChange, Symptom, Validated, VitalSample)


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    room_id: str
    patient_ref: str
    course_no: int
    opened_at: datetime
    opened_by: str
    opened_event_id: str
    plan: dict
    checklist: tuple[ChecklistItem, ...]
    baseline: Baseline | None
    infusion: Infusion
    recovery_started_at: datetime | None
    assessments: tuple[Assessment, ...]
    symptoms: tuple[Symptom, ...]
    medications: tuple[Medication, ...]
    alarms: tuple[AlarmRecord, ...]
    notes: tuple[Note, ...]
    closing: Closing
    events: tuple[Event, ...]
    vitals: tuple[VitalSample, ...]
    phases: tuple[tuple[datetime, str], ...] = field(default=())  # (from, phase), in order: the session's fold
    corrections: tuple[Correction, ...] = ()  # every correction of an entry of this session, in log order
    prescribed: Prescription | None = None    # the plan at opening, corrected if corrected (`plan` is its plan)
    staff_names: dict = field(default_factory=dict)  # staff id → the person's name (the room's staff table)
    controlled: Ledger = Ledger()  # the controlled substance drawn and wasted, as the session's fold has it
    fixed_given_mg: float | None = None       # a fixed-dose (intranasal) session's dose given, from the fold
    validated: tuple[Validated, ...] = ()     # readings the nurse charted for the protocol's schedule

    def validation_of(self, ts: datetime | None) -> Validated | None:
        """The nurse's charting of the reading stored at `ts`, if she charted it."""
        return next((v for v in self.validated if ts is not None and v.reading_at is not None
                     and iso_utc(v.reading_at) == iso_utc(ts)), None)  # both as stored: to the millisecond

    def name(self, actor: str | None) -> str:
        """Who did it, as the chart says it: the staff member's name, else the id as logged."""
        if actor is None:
            return "–"
        return self.staff_names.get(actor) or actor

    # -- derived ------------------------------------------------------------------------------------------
    @property
    def closed_at(self) -> datetime:
        return self.closing.at

    @property
    def outcome(self) -> str:
        return self.closing.kind

    @property
    def total_dose_mg(self) -> float:
        return float(self.plan.get("total_dose_mg") or 0.0)

    @property
    def protocol(self) -> ProtocolRef | None:
        """The session's protocol, or None for a session run by the room's own [session] values."""
        pid = self.plan.get("protocol")
        if not pid:
            return None
        return ProtocolRef(str(pid), self.plan.get("protocol_version"), str(self.plan.get("protocol_title") or pid))

    @property
    def fixed_dose(self) -> bool:
        """A fixed dose in mg given as devices (intranasal), not an infusion at a rate."""
        return self.plan.get("devices") is not None

    def phase_name(self, phase: str) -> str:
        """A phase as the record names it: a nasal dose is "Dosing", not "Infusing"."""
        return "Dosing" if phase == S.INFUSING and self.fixed_dose else phase_label(phase)

    @property
    def dose_given_mg(self) -> float:
        """Ketamine GIVEN: Σ rate × running time over the rate segments (the session's fold, pauses excluded); it
        differs from the prescribed total when the infusion was titrated, stopped early or ran past its time.
        A fixed-dose session's: its devices given, as the session's fold counts them."""
        if self.fixed_given_mg is not None:
            return self.fixed_given_mg
        return given_over(self.infusion.segments, self.closing.at)

    @property
    def first_seq(self) -> int:
        return self.events[0].seq

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq

    @property
    def last_hash(self) -> str:
        return self.events[-1].hash

    def phase_at(self, ts: datetime) -> str:
        current = self.phases[0][1] if self.phases else S.PRE_INFUSION
        for start, phase in self.phases:
            if start <= ts:
                current = phase
            else:
                break
        return current

    def samples(self, kind: str, trusted_only: bool = True) -> list[VitalSample]:
        return [v for v in self.vitals if v.kind == kind and (v.trusted or not trusted_only)]

    def grid_samples(self, every_s: int = GRID_S, kinds: Iterable[str] = GRID_KINDS) -> list[tuple[datetime, dict]]:
        """One mark every `every_s` from opening to closing; per kind, the trusted sample nearest the mark within
        half a step either side (for NIBP: the measurement nearest the mark), or None."""
        kinds = tuple(kinds)
        series = {k: self.samples(k) for k in kinds}
        half = timedelta(seconds=every_s / 2)
        marks, n = [], 0
        while True:
            at = self.opened_at + timedelta(seconds=n * every_s)
            if at > self.closed_at:
                break
            chosen = {}
            for kind in kinds:
                best = None
                for sample in series[kind]:
                    gap = abs(sample.ts - at)
                    if gap <= half and (best is None or gap < abs(best.ts - at)):
                        best = sample
                chosen[kind] = best
            marks.append((at, chosen))
            n += 1
        return marks

    def grid(self, every_s: int = GRID_S, kinds: Iterable[str] = GRID_KINDS) -> list[GridRow]:
        """The vitals table: one row every `every_s` (see grid_samples), values only."""
        return [GridRow(at, int((at - self.opened_at).total_seconds()) // 60, self.phase_at(at),
                        {k: (s.value if s else None) for k, s in chosen.items()})
                for at, chosen in self.grid_samples(every_s, kinds)]

    def staff_acts(self) -> "OrderedDict[str, list[str]]":
        """Who did what: each person (staff id or the patient), in order of first act, with their acts."""
        acts: OrderedDict[str, OrderedDict[str, int]] = OrderedDict()
        for e in self.events:
            name = ACT_NAMES.get(e.kind)
            if name is None or e.actor == "system" or e.actor in DEVICE_LABELS:
                continue
            acts.setdefault(e.actor, OrderedDict())
            acts[e.actor][name] = acts[e.actor].get(name, 0) + 1
        return OrderedDict((actor, [f"{n} (×{c})" if c > 1 else n for n, c in done.items()])
                           for actor, done in acts.items())

    @property
    def staff(self) -> list[str]:
        return [a for a in self.staff_acts() if a not in SYSTEM_ACTORS]


def vital_sample(row: dict) -> VitalSample:
    """A row of the vitals table (as `read_vitals` yields it) as a VitalSample."""
    flags = row.get("flags")
    if isinstance(flags, str):
        try:
            flags = json.loads(flags)
        except ValueError:
            flags = [flags]
    ts = row["ts"]
    return VitalSample(parse_iso(ts) if isinstance(ts, str) else ts, row["kind"], row.get("value"),
                       row.get("unit") or "", tuple(flags or ()), row.get("source") or "", row.get("id"))


def build_record(events: Iterable[Event], vitals_rows: Iterable[dict | VitalSample] = (),
                 staff_names: dict[str, str] | None = None) -> SessionRecord:
    """Fold one session's events (in seq order) and its vitals rows into a SessionRecord; `staff_names` (staff id
    → name) lets the record name people, the ids staying as logged.

    Raises SessionStillOpen for a session that has not been discharged or aborted, RecordError for a list of
    events that does not start a session.
    """
    events = tuple(sorted(events, key=lambda e: e.seq))
    opened = next((e for e in events if e.kind == K.SESSION_OPENED), None)
    if opened is None:
        raise RecordError("these events hold no session.opened: not a session")
    assert opened.session_id is not None  # `open_session` logs the new session's id
    events = tuple(e for e in events if e.session_id == opened.session_id)
    state = S.replay(events)
    session = state.session
    if session is None or session.is_open:
        raise SessionStillOpen(opened.session_id, session.phase if session else S.PRE_INFUSION)

    corrections = _corrections(events)
    fixes: dict[int, tuple[Correction, ...]] = {}
    for c in corrections:
        fixes[c.corrects_seq] = fixes.get(c.corrects_seq, ()) + (c,)
    flags = {f.seq: f for f in session.flags}  # flagged answers and their acknowledgement, from the fold
    checklist, assessments, symptoms, medications, notes, validated = [], [], [], [], [], []
    baseline = closing = None
    started = ended = None
    rate_changes = []
    high = next((e for e in events if e.kind == K.DOSE_HIGH_CONFIRMED), None)
    opened_fixes = fixes.get(opened.seq, ())
    opened_payload = opened_fixes[-1].corrected if opened_fixes else opened.payload
    prescribed = Prescription({k: v for k, v in opened_payload.items() if k not in ("patient_ref", "course_no")},
                              opened.actor, opened.id, opened_fixes, high.actor if high else None,
                              high.payload.get("soft_max_mg_per_kg") if high else None)
    alarms: OrderedDict[str, AlarmRecord] = OrderedDict()
    for e in events:
        fixed = fixes.get(e.seq, ())
        p = fixed[-1].corrected if fixed else e.payload  # an entry shows its latest corrected values
        if e.kind == K.CHECKLIST_CONFIRMED:
            checklist.append(ChecklistItem(p.get("item", ""), e.ts, e.actor,
                                           {k: v for k, v in p.items() if k != "item"}, e.id, fixed))
        elif e.kind == K.VITALS_BASELINE:
            values = {k: p.get(k) for k in ("heart_rate", "spo2", "nibp_systolic", "nibp_diastolic")}
            baseline = Baseline(e.ts, e.actor, values, p.get("source", "typed"), e.id, fixed)
        elif e.kind == K.INFUSION_STARTED:
            started = e
        elif e.kind in (K.INFUSION_COMPLETED, K.INFUSION_STOPPED):
            ended = e
        elif e.kind == K.INFUSION_RATE_CHANGED:
            rate_changes.append(RateChange(e.id, e.ts, e.actor, p.get("from_mg_per_h"), p["to_mg_per_h"],
                                           p.get("reason", ""), p.get("at_infused_s", 0.0)))
        elif e.kind == K.ASSESSMENT_RECORDED:
            flag = flags.get(e.seq)
            assessments.append(Assessment(e.id, e.ts, e.actor, p.get("scale", ""), dict(p.get("items", {})),
                                          p["score"], fixed, flag.text() if flag else None,
                                          flag.acknowledged_by if flag else None,
                                          flag.acknowledged_at if flag else None))
        elif e.kind == K.SYMPTOM_NOTED:
            symptoms.append(Symptom(e.id, e.ts, e.actor, p.get("symptom", ""), p.get("severity"),
                                    {k: v for k, v in p.items() if k not in ("symptom", "severity")}, fixed))
        elif e.kind == K.MEDICATION_GIVEN:
            medications.append(Medication(e.id, e.ts, e.actor, p.get("drug", ""), p["dose"], p.get("unit", ""),
                                          p.get("route", ""), p.get("indication"), fixed))
        elif e.kind == K.NOTE_ADDED:
            notes.append(Note(e.ts, e.actor, p.get("text", ""), e.id, fixed))
        elif e.kind == K.VITALS_VALIDATED:
            reading, item = dict(p.get("reading") or {}), p.get("item") or {}
            received = reading.get("received_ts")
            validated.append(Validated(e.id, e.ts, e.actor, str(item.get("label") or item.get("key") or ""),
                                       reading, parse_iso(received) if isinstance(received, str) else None))
        elif e.kind.startswith("alarm."):
            _fold_alarm(alarms, e, closing)
        elif e.kind == K.DISCHARGE_OVERRIDE:
            _fold_override(alarms, e)
        elif e.kind == K.SESSION_DISCHARGED:
            closing = Closing("discharged", e.ts, e.actor, e.id, p.get("padss_score"), p.get("escort_confirmed"),
                              p.get("recovery_min"))
        elif e.kind == K.SESSION_ABORTED:
            closing = Closing("aborted", e.ts, e.actor, e.id, reason=p.get("reason"), phase=p.get("phase"))
    assert closing is not None  # the session is closed: discharged or aborted

    # Phases, pauses and the time infused are the session's own fold (a pause open when the infusion ends, ends
    # with it); the record adds who did what and the event ids.
    infusion = Infusion(
        started_at=session.infusion_started_at, started_by=started.actor if started else None,
        ended_at=session.infusion_ended_at, ended_by=ended.actor if ended else (closing.by if started else None),
        end_kind=session.infusion_end_kind, stop_reason=(ended.payload.get("reason") if ended else None),
        infused_min=round(session.infused_s / 60.0, 2),
        planned_min=float(prescribed.plan.get("planned_infusion_min", 0)),
        rate_mg_per_h=prescribed.plan.get("rate_mg_per_h"), pauses=session.pauses,
        event_id=started.id if started else None,
        segments=rerated(session.segments, float(prescribed.plan.get("rate_mg_per_h") or 0.0)),
        rate_changes=tuple(rate_changes))

    samples = sorted((v if isinstance(v, VitalSample) else vital_sample(v) for v in vitals_rows),
                     key=lambda v: (v.ts, v.kind))
    return SessionRecord(
        session_id=opened.session_id, room_id=opened.room_id, patient_ref=session.patient_ref,
        course_no=opened_payload.get("course_no", session.course_no), opened_at=opened.ts, opened_by=opened.actor, opened_event_id=opened.id,
        plan=dict(prescribed.plan), checklist=tuple(checklist), baseline=baseline, infusion=infusion,
        recovery_started_at=session.recovery_started_at, assessments=tuple(assessments), symptoms=tuple(symptoms),
        medications=tuple(medications), alarms=tuple(alarms.values()), notes=tuple(notes), closing=closing,
        events=events, vitals=tuple(samples), phases=session.phases, corrections=corrections, prescribed=prescribed,
        staff_names=dict(staff_names or {}), controlled=session.controlled,
        fixed_given_mg=session.given_mg(closing.at) if session.plan.get("devices") is not None else None,
        validated=tuple(validated))


def _corrections(events: tuple[Event, ...]) -> tuple[Correction, ...]:
    by_seq = {e.seq: e for e in events}
    out = []
    for e in events:
        if e.kind != K.EVENT_CORRECTED:
            continue
        p = e.payload
        target = by_seq.get(p["corrects_seq"])
        out.append(Correction(e.seq, e.id, e.ts, e.actor, p["corrects_seq"], p.get("corrects_id", ""),
                              p.get("corrects_kind", ""), p.get("reason", ""), dict(p.get("changes") or {}),
                              dict(p.get("was") or {}), dict(p.get("corrected") or {}),
                              dict(target.payload) if target else {}))
    return tuple(out)


def _fold_alarm(alarms: "OrderedDict[str, AlarmRecord]", e: Event, closing: "Closing | None" = None) -> None:
    from dataclasses import replace

    p = e.payload
    if e.kind == K.ALARM_RAISED:
        alarms[p["alarm_id"]] = AlarmRecord(p["alarm_id"], p.get("condition", ""), p.get("priority", ""),
                                            p.get("value"), e.ts, e.id, top_priority=p.get("priority", ""),
                                            text=p.get("text"))
        return
    if e.kind == K.ALARM_AUDIO_PAUSED:
        for alarm_id in p.get("alarm_ids", []):
            a = alarms.get(alarm_id)
            if a and p.get("by") not in a.audio_paused_by:
                alarms[alarm_id] = replace(a, audio_paused_by=a.audio_paused_by + (p.get("by", e.actor),))
        return
    a = alarms.get(p.get("alarm_id", ""))
    if a is None:
        return
    if e.kind == K.ALARM_ACKNOWLEDGED:
        alarms[a.alarm_id] = replace(a, acknowledged_at=e.ts, acknowledged_by=p.get("by", e.actor))
    elif e.kind == K.ALARM_ESCALATED:
        top = p.get("priority", a.top_priority)
        if PRIORITY_RANK.get(top, 0) < PRIORITY_RANK.get(a.top_priority, 0):
            top = a.top_priority
        alarms[a.alarm_id] = replace(a, escalations=a.escalations + 1, top_priority=top)
    elif e.kind == K.ALARM_CLEARED:
        reason = p.get("reason")
        if p.get("open_at_close"):  # never "cleared" silently: it was open when the session closed
            when = "when the session was aborted" if closing and closing.kind == "aborted" else "at discharge"
            reason = f"OPEN {when}" + (f" ({a.override})" if a.override else "")
        alarms[a.alarm_id] = replace(a, cleared_at=e.ts, clear_reason=reason,
                                     open_at_close=bool(p.get("open_at_close")))


def _fold_override(alarms: "OrderedDict[str, AlarmRecord]", e: Event) -> None:
    """`discharge.override`: the alarms it names were open when an administrator discharged past them."""
    from dataclasses import replace

    for entry in e.payload.get("alarms", ()):
        a = alarms.get(entry.get("alarm_id", ""))
        if a is not None:
            alarms[a.alarm_id] = replace(a, override=f"override by {e.actor}: {e.payload.get('reason', '')}")
