"""A patient's course: every session of one patient reference, summed up for check-in and the chart (docs/COURSE.md).

Pure: events (and vitals rows) in, frozen summaries out. The hub builds it from the synced logs of every room, the
room from its own log when the hub cannot be reached; both call the same functions, so both say the same thing.
- `course_session(events, vitals)`: one session's summary (dose, rate segments, pauses, peaks, alarms, ...).
- `score_points(events)`: PHQ-9 / GAD-7 over the course; `response(points)`: a fall of >= 50 % from the first.
- `build_course(patient_ref, events, vitals)`: all of it from the events of a patient's sessions.
Corrected entries (event.corrected) count with their latest corrected values, as the chart shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain import session as S
from roomcontrol.domain.dose import given_over, rerated
from roomcontrol.domain.events import Event
from roomcontrol.domain.flags import flagged_item
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.domain.vitals import UNTRUSTED_FLAGS

COMFORT_PLAN_SAVED = "comfort.plan_saved"  # owned by the comfort plan (domain/comfort.py): {plan} at discharge
PHQ9, GAD7 = "PHQ-9", "GAD-7"
COURSE_SCALES = {PHQ9: "phq9", GAD7: "gad7"}   # scale → its key in the course JSON
RESPONSE_PCT = -50.0                           # a fall of half or more from the course's first score
# What makes a session's line "notable" at check-in (plain thresholds a nurse reads at a glance).
BP_RISE_MMHG = 30        # systolic peak this far above baseline
SYS_HIGH_MMHG = 160      # or this high at all
HR_HIGH_BPM = 110
SPO2_LOW_PCT = 92


class CourseError(ValueError):
    """Events that do not make a session (no session.opened): the message says what was handed in."""


@dataclass(frozen=True)
class CourseSession:
    """One session of the course as check-in and the chart need it. Seconds count from the infusion's start."""
    session_id: str
    room_id: str
    patient_ref: str
    opened_at: datetime
    course_no: int | None
    protocol: str | None
    protocol_version: int | None
    outcome: str                          # discharged, aborted, or the phase of a session still open
    weight_kg: float | None
    mg_per_kg: float | None               # prescribed
    planned_mg: float | None              # prescribed total (an intranasal plan: its dose_mg)
    rate_mg_per_h: float | None           # prescribed rate
    given_mg: float
    segments: tuple[dict[str, Any], ...]  # {from_s, to_s, rate_mg_per_h}; to_s None while running
    infused_s: float
    pauses: tuple[dict[str, Any], ...]    # {from_s, to_s, reason}
    baseline: dict[str, float | None]     # {sys, dia, hr, spo2}
    peaks: dict[str, float | None]        # {sys, dia, hr}: the highest trusted values of the session
    spo2_min: float | None
    alarms: dict[str, int]                # {high, medium, low, total}: alarms raised, by their priority when raised
    symptoms: tuple[dict[str, Any], ...]  # {at, symptom, severity}
    medications: tuple[dict[str, Any], ...]  # {at, drug, dose, unit, route, indication}
    cadss_peak: int | None
    moaas_min: int | None
    discharged_at: datetime | None        # closed (discharged or aborted) at
    notable: tuple[str, ...]

    @property
    def infused(self) -> bool:
        return bool(self.segments)

    def to_json(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "room_id": self.room_id, "date": self.opened_at.date().isoformat(),
                "opened_at": iso_utc(self.opened_at), "course_no": self.course_no, "protocol": self.protocol,
                "protocol_version": self.protocol_version, "outcome": self.outcome, "weight_kg": self.weight_kg,
                "mg_per_kg": self.mg_per_kg, "planned_mg": self.planned_mg, "rate_mg_per_h": self.rate_mg_per_h,
                "given_mg": self.given_mg, "segments": [dict(s) for s in self.segments],
                "infused_s": self.infused_s, "pauses": [dict(p) for p in self.pauses],
                "baseline": dict(self.baseline), "peaks": dict(self.peaks), "spo2_min": self.spo2_min,
                "alarms": dict(self.alarms), "symptoms": [dict(s) for s in self.symptoms],
                "medications": [dict(m) for m in self.medications], "cadss_peak": self.cadss_peak,
                "moaas_min": self.moaas_min,
                "discharged_at": iso_utc(self.discharged_at) if self.discharged_at else None,
                "notable": list(self.notable)}


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    session_id: str | None
    scale: str
    score: int
    item9: int | None = None   # PHQ-9 only: the answer to item 9

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"at": iso_utc(self.at), "session_id": self.session_id, "score": self.score}
        if self.scale == PHQ9:
            out["item9"] = self.item9
        return out


@dataclass(frozen=True)
class Response:
    """A scale over the course: its first and latest score and the change between them."""
    first: int | None
    latest: int | None
    change_pct: float | None   # None without a score, or when the first was 0 (no fall to measure)

    @property
    def response(self) -> bool:
        return self.change_pct is not None and self.change_pct <= RESPONSE_PCT

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "latest": self.latest, "change_pct": self.change_pct,
                "response": self.response}


@dataclass(frozen=True)
class Course:
    """A patient's course. `sessions` is all of them oldest first, or one page of them (the hub's paging):
    `total` and `infusions` always count the whole course."""
    patient_ref: str
    sessions: tuple[CourseSession, ...]
    total: int
    infusions: int                        # sessions whose infusion started
    phq9: tuple[ScorePoint, ...] = ()
    gad7: tuple[ScorePoint, ...] = ()
    comfort: dict[str, Any] | None = None  # the plan of the last comfort.plan_saved
    as_of: datetime | None = None          # the latest event the course was built from
    last: CourseSession | None = field(default=None)  # the latest session (None: the last of `sessions`)

    @property
    def latest(self) -> CourseSession | None:
        return self.last or (self.sessions[-1] if self.sessions else None)

    @property
    def item9_flag(self) -> bool:
        return any((p.item9 or 0) > 0 for p in self.phq9)

    def responses(self) -> dict[str, Response]:
        return {"phq9": response(self.phq9), "gad7": response(self.gad7)}

    def _scores_json(self) -> dict[str, Any]:
        return {"phq9": [p.to_json() for p in self.phq9], "gad7": [p.to_json() for p in self.gad7],
                "response": {k: r.to_json() for k, r in self.responses().items()},
                "item9_flag": self.item9_flag,
                "item9": [p.to_json() for p in self.phq9 if (p.item9 or 0) > 0],
                "comfort": self.comfort, "as_of": iso_utc(self.as_of) if self.as_of else None}

    def summary_json(self) -> dict[str, Any]:
        """For check-in: the count, the last session, the scores and the comfort plan."""
        last = self.latest
        return {"patient_ref": self.patient_ref, "infusions": self.infusions, "sessions": self.total,
                "last": last.to_json() if last else None, **self._scores_json()}

    def to_json(self) -> dict[str, Any]:
        return {"patient_ref": self.patient_ref, "total": self.total, "infusions": self.infusions,
                "sessions": [s.to_json() for s in self.sessions], **self._scores_json()}


# -- one session ---------------------------------------------------------------------------------------------
def corrected_payloads(events: Iterable[Event]) -> dict[tuple[str, int], dict[str, Any]]:
    """(room, seq) → the entry's payload after its latest correction (event.corrected carries the whole of it)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for e in sorted(events, key=lambda e: (e.room_id, e.seq)):
        seq, corrected = e.payload.get("corrects_seq"), e.payload.get("corrected")
        if e.kind == K.EVENT_CORRECTED and isinstance(seq, int) and isinstance(corrected, dict):
            out[(e.room_id, seq)] = corrected
    return out


def _fixed(fixes: Mapping[tuple[str, int], dict[str, Any]], e: Event) -> dict[str, Any]:
    return fixes.get((e.room_id, e.seq), e.payload)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _secs(since: datetime | None, at: datetime | None) -> float | None:
    if since is None or at is None:
        return None
    return round((at - since).total_seconds(), 1)


def _trusted_values(vitals: Iterable[Mapping[str, Any]], session_id: str) -> dict[str, list[float]]:
    """kind → the session's trusted values (a value present, no flag saying it is not about the patient)."""
    out: dict[str, list[float]] = {}
    for row in vitals:
        value = _num(row.get("value"))
        flags = row.get("flags") or ()
        if row.get("session_id", session_id) != session_id or value is None:
            continue
        if not UNTRUSTED_FLAGS.isdisjoint(flags if isinstance(flags, (list, tuple)) else (flags,)):
            continue
        out.setdefault(str(row.get("kind")), []).append(value)
    return out


def course_session(events: Sequence[Event], vitals: Iterable[Mapping[str, Any]] = (),
                   now: datetime | None = None) -> CourseSession:
    """One session's summary from its events (any order; other sessions' events are left out) and its vitals rows
    (as the store or the hub reads them: kind, value, flags, and session_id if known). A session still open counts
    its infusion up to `now` (default: its latest event)."""
    opened = next((e for e in events if e.kind == K.SESSION_OPENED), None)
    if opened is None or opened.session_id is None:
        raise CourseError(f"these {len(events)} events hold no session.opened: not a session")
    sid = opened.session_id
    mine = sorted((e for e in events if e.session_id == sid and e.room_id == opened.room_id), key=lambda e: e.seq)
    fixes = corrected_payloads(mine)
    state = S.replay(mine).session
    assert state is not None  # the replay began with this session.opened
    at_end = state.closed_at or now or mine[-1].ts
    plan = {k: v for k, v in _fixed(fixes, opened).items() if k not in S.OPENED_NOT_PLAN}
    segments = rerated(state.segments, _num(plan.get("rate_mg_per_h")) or 0.0)
    start = state.infusion_started_at
    fixed_dose = _num(plan.get("dose_mg")) is not None and isinstance(plan.get("devices"), int)
    given = state.given_mg(at_end) if fixed_dose else given_over(segments, at_end)  # intranasal: by devices

    baseline_payload: dict[str, Any] = {}
    symptoms: list[dict[str, Any]] = []
    medications: list[dict[str, Any]] = []
    alarms = {"high": 0, "medium": 0, "low": 0, "total": 0}
    scores: dict[str, list[int]] = {}
    for e in mine:
        p = _fixed(fixes, e)
        if e.kind == K.VITALS_BASELINE:
            baseline_payload = p
        elif e.kind == K.SYMPTOM_NOTED:
            symptoms.append({"at": iso_utc(e.ts), "symptom": p.get("symptom", ""), "severity": p.get("severity")})
        elif e.kind == K.MEDICATION_GIVEN:
            medications.append({"at": iso_utc(e.ts), "drug": p.get("drug", ""), "dose": p.get("dose"),
                                "unit": p.get("unit", ""), "route": p.get("route", ""),
                                "indication": p.get("indication")})
        elif e.kind == K.ALARM_RAISED:
            priority = str(p.get("priority", ""))
            if priority in alarms:
                alarms[priority] += 1
            alarms["total"] += 1
        elif e.kind == K.ASSESSMENT_RECORDED and _num(p.get("score")) is not None:
            scores.setdefault(str(p.get("scale")), []).append(int(p["score"]))

    values = _trusted_values(vitals, sid)
    baseline = {"sys": _num(baseline_payload.get("nibp_systolic")), "dia": _num(baseline_payload.get("nibp_diastolic")),
                "hr": _num(baseline_payload.get("heart_rate")), "spo2": _num(baseline_payload.get("spo2"))}
    peaks = {"sys": max(values.get("nibp_systolic", ()), default=None),
             "dia": max(values.get("nibp_diastolic", ()), default=None),
             "hr": max(values.get("heart_rate", ()), default=None)}
    spo2_min = min(values.get("spo2", ()), default=None)
    planned = _num(plan.get("total_dose_mg"))
    summary = CourseSession(
        session_id=sid, room_id=opened.room_id, patient_ref=state.patient_ref, opened_at=opened.ts,
        course_no=plan_course_no(_fixed(fixes, opened)), protocol=state.protocol,
        protocol_version=state.protocol_version,
        outcome=state.phase, weight_kg=_num(plan.get("weight_kg")), mg_per_kg=_num(plan.get("dose_mg_per_kg")),
        planned_mg=planned if planned is not None else _num(plan.get("dose_mg")),
        rate_mg_per_h=_num(plan.get("rate_mg_per_h")), given_mg=round(given, 1),
        segments=tuple({"from_s": _secs(start, seg.start), "to_s": _secs(start, seg.end),
                        "rate_mg_per_h": seg.rate_mg_per_h} for seg in segments),
        infused_s=round(state.infusion_elapsed_s(at_end), 1),
        pauses=tuple({"from_s": _secs(start, pause.started), "to_s": _secs(start, pause.ended),
                      "reason": pause.reason} for pause in state.pauses),
        baseline=baseline, peaks=peaks, spo2_min=spo2_min, alarms=alarms, symptoms=tuple(symptoms),
        medications=tuple(medications), cadss_peak=max(scores.get("CADSS-6", ()), default=None),
        moaas_min=min(scores.get("MOAA/S", ()), default=None), discharged_at=state.closed_at, notable=())
    return _with_notable(summary, state)


def plan_course_no(opened: Mapping[str, Any]) -> int | None:
    value = opened.get("course_no")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _with_notable(s: CourseSession, state: S.Session) -> CourseSession:
    """Short plain lines for check-in: what the nurse should know about this session before the next one."""
    lines: list[str] = []
    if state.infusion_end_kind == "stopped" or s.outcome == S.ABORTED:
        lines.append(f"{'aborted' if s.outcome == S.ABORTED else 'stopped early'}: "
                     f"{s.given_mg:g} of {s.planned_mg or 0:g} mg given")
    if state.titrated:
        rates = [seg["rate_mg_per_h"] for seg in s.segments]
        steps = [r for i, r in enumerate(rates) if i == 0 or r != rates[i - 1]]  # a resume at the same rate is none
        lines.append("titrated: " + " → ".join(f"{r:g}" for r in steps) + " mg/h")
    for pause in s.pauses:
        minutes = "" if pause["to_s"] is None else f" {round((pause['to_s'] - pause['from_s']) / 60):g} min"
        lines.append(f"paused{minutes}" + (f": {pause['reason']}" if pause["reason"] else ""))
    sys_peak, sys_base = s.peaks["sys"], s.baseline["sys"]
    if sys_peak is not None and (sys_peak >= SYS_HIGH_MMHG or (sys_base is not None
                                                               and sys_peak - sys_base >= BP_RISE_MMHG)):
        base = f" (baseline {sys_base:g})" if sys_base is not None else ""
        lines.append(f"BP peak {sys_peak:g}/{s.peaks['dia'] or 0:g} mmHg{base}")
    if s.peaks["hr"] is not None and s.peaks["hr"] >= HR_HIGH_BPM:
        lines.append(f"HR peak {s.peaks['hr']:g} /min")
    if s.spo2_min is not None and s.spo2_min < SPO2_LOW_PCT:
        lines.append(f"SpO₂ low {s.spo2_min:g} %")
    for sym in s.symptoms:
        lines.append(sym["symptom"] + (f" ({sym['severity']})" if sym["severity"] else ""))
    for med in s.medications:
        lines.append(f"{med['drug']} {_num(med['dose']) or 0:g} {med['unit']} {med['route']}".rstrip()
                     + (f" for {med['indication']}" if med["indication"] else ""))
    if s.alarms["high"]:
        lines.append(f"{s.alarms['high']} high-priority alarm{'s' if s.alarms['high'] > 1 else ''}")
    return replace(s, notable=tuple(lines))


# -- scores over the course ----------------------------------------------------------------------------------
def score_points(events: Iterable[Event]) -> dict[str, tuple[ScorePoint, ...]]:
    """PHQ-9 and GAD-7 as recorded in the given events (at check-in, in any room), oldest first, corrected scores
    as corrected: {"phq9": (...), "gad7": (...)}."""
    events = list(events)
    fixes = corrected_payloads(events)
    out: dict[str, list[ScorePoint]] = {key: [] for key in COURSE_SCALES.values()}
    for e in sorted(events, key=lambda e: (e.ts, e.room_id, e.seq)):
        p = _fixed(fixes, e) if e.kind == K.ASSESSMENT_RECORDED else {}
        scale, score = p.get("scale"), p.get("score")
        if scale not in COURSE_SCALES or not isinstance(score, int):
            continue
        hit = flagged_item(PHQ9, p.get("items") or {}) if scale == PHQ9 else None
        item9 = (hit[1] if hit else 0) if scale == PHQ9 else None
        out[COURSE_SCALES[scale]].append(ScorePoint(e.ts, e.session_id, scale, score, item9))
    return {key: tuple(points) for key, points in out.items()}


def response(points: Sequence[ScorePoint]) -> Response:
    """First against latest: a fall of 50 % or more is a response (the first 0 has nothing to fall from)."""
    if not points:
        return Response(None, None, None)
    first, latest = points[0].score, points[-1].score
    change = round(100.0 * (latest - first) / first, 1) if first else None
    return Response(first, latest, change)


def comfort_plan(events: Iterable[Event]) -> tuple[dict[str, Any] | None, datetime | None]:
    """The plan of the latest comfort.plan_saved (passed through as the comfort part logs it) and when."""
    saved = [e for e in events if e.kind == COMFORT_PLAN_SAVED and isinstance(e.payload.get("plan"), dict)]
    if not saved:
        return None, None
    last = max(saved, key=lambda e: e.ts)
    return dict(last.payload["plan"]), last.ts


# -- the whole course ----------------------------------------------------------------------------------------
def sessions_of(patient_ref: str, events: Iterable[Event]) -> dict[tuple[str, str], list[Event]]:
    """(room_id, session_id) → the events of each session the patient reference opened (in any room)."""
    by_session: dict[tuple[str, str], list[Event]] = {}
    for e in events:
        if e.session_id is not None:
            by_session.setdefault((e.room_id, e.session_id), []).append(e)
    return {key: evs for key, evs in by_session.items()
            if any(e.kind == K.SESSION_OPENED and e.payload.get("patient_ref") == patient_ref for e in evs)}


def build_course(patient_ref: str, events: Iterable[Event], vitals: Iterable[Mapping[str, Any]] = (),
                 now: datetime | None = None) -> Course:
    """The course of `patient_ref` from events of any rooms and sessions (others' are left out) and vitals rows
    (each with its session_id, and its room_id when they come from several rooms: a room's own rows need none),
    oldest session first."""
    groups = sessions_of(patient_ref, events)
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for row in vitals:
        rows.setdefault(str(row.get("session_id")), []).append(row)
    sessions = sorted((course_session(evs, [r for r in rows.get(sid, ()) if r.get("room_id", room) == room], now)
                       for (room, sid), evs in groups.items()), key=lambda s: (s.opened_at, s.room_id))
    mine = [e for evs in groups.values() for e in evs]
    scores = score_points(mine)
    plan, _ = comfort_plan(mine)
    return Course(patient_ref, tuple(sessions), len(sessions), sum(1 for s in sessions if s.infused),
                  scores["phq9"], scores["gad7"], plan, max((e.ts for e in mine), default=None))

