"""The session as a fold over the event log: `apply(state, event)` is the only way state changes.

Phases: idle → pre_infusion → infusing ⇄ paused → recovery → discharged, and aborted from any open phase.
Replaying the log through `apply` gives exactly the state the room had when it lived those events.
The patient's call for the nurse is room state too: `nurse.called` opens it, `nurse.call_answered` closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.controlled import Ledger
from roomcontrol.domain.dose import Segment, given_over, rerated
from roomcontrol.domain.events import Event
from roomcontrol.domain.flags import AssessmentFlag, flagged_item
from roomcontrol.domain import responsiveness as R
from roomcontrol.domain.scales import SCALES

IDLE, PRE_INFUSION, INFUSING, PAUSED, RECOVERY, DISCHARGED, ABORTED = (
    "idle", "pre_infusion", "infusing", "paused", "recovery", "discharged", "aborted")
PHASES = (IDLE, PRE_INFUSION, INFUSING, PAUSED, RECOVERY, DISCHARGED, ABORTED)
OPEN_PHASES = (PRE_INFUSION, INFUSING, PAUSED, RECOVERY)
CLOSED_PHASES = (DISCHARGED, ABORTED)


@dataclass(frozen=True)
class Pause:
    started: datetime
    reason: str
    ended: datetime | None = None  # resumed, or the infusion ended while paused
    paused_by: str = ""
    resumed_by: str | None = None  # None if it ended with the infusion

    @property
    def minutes(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started).total_seconds() / 60.0


@dataclass(frozen=True)
class Session:
    session_id: str
    opened_at: datetime
    patient_ref: str
    course_no: int
    plan: dict[str, Any]            # the dose plan as logged in session.opened
    phase: str = PRE_INFUSION
    checklist: frozenset[str] = frozenset()
    checked: dict[str, dict[str, Any]] = field(default_factory=dict)  # item → what its confirmation recorded
    checked_seqs: dict[str, int] = field(default_factory=dict)        # item → seq of that confirmation
    baseline: dict[str, Any] | None = None
    infusion_started_at: datetime | None = None
    infusion_ended_at: datetime | None = None
    infusion_end_kind: str | None = None  # completed or stopped
    running_since: datetime | None = None  # set while infusing, None while paused or not started
    infused_s: float = 0.0                 # infusion seconds before running_since
    pauses: tuple[Pause, ...] = ()
    recovery_started_at: datetime | None = None
    scores: dict[str, int] = field(default_factory=dict)  # scale → last score
    closed_at: datetime | None = None
    score_seqs: dict[str, int] = field(default_factory=dict)  # scale → seq of the assessment that gave its score
    baseline_seq: int | None = None                 # seq of the vitals.baseline in `baseline`
    phases: tuple[tuple[datetime, str], ...] = ()   # (since, phase), each change of phase in order
    flags: tuple[AssessmentFlag, ...] = ()          # flagged answers (PHQ-9 item 9), acknowledged or not
    protocol: str | None = None                     # the protocol's id and version as session.opened logged them
    protocol_version: int | None = None
    protocol_title: str | None = None               # its title then (logged since issue 15's records; else None)
    rate_mg_per_h: float | None = None              # the pump's rate now (set at start, changed by titration)
    segments: tuple[Segment, ...] = ()              # the infusion at each rate, pauses left out
    titrated: bool = False                          # the rate was changed at least once
    controlled: Ledger = Ledger()                   # the controlled substance drawn and wasted (domain/controlled.py)
    score_at: dict[str, datetime] = field(default_factory=dict)  # scale → when its last score was recorded
    device_n: int = 0                               # a nasal dose: the last device logged (dose.device_given)
    last_device_at: datetime | None = None          # and when
    check: R.CheckState = R.CheckState()            # the "tap if you're OK" check (domain.responsiveness)
    pre_dose_decision: str | None = None            # the nurse's last decision on pre-dose advisories
    comfort: dict[str, Any] | None = None           # the patient's comfort plan (comfort.plan_set), for the scenes

    def given_mg(self, now: datetime) -> float:
        """Ketamine given so far: exactly over the rate segments; for a fixed-dose (intranasal) plan, the devices due
        by the protocol's interval since the first (until each device is logged on its own)."""
        dose, devices, interval = (self.plan.get(k) for k in ("dose_mg", "devices", "device_interval_min"))
        if isinstance(dose, (int, float)) and isinstance(devices, int) and devices > 0:
            if self.infusion_started_at is None:
                return 0.0
            if self.infusion_end_kind == "completed":  # the nurse completed the dosing: every device given
                return float(dose)
            if self.device_n:  # each device logged as given
                return float(dose) * self.device_n / devices
            due = 1 + int(self.infusion_elapsed_s(now) // (60.0 * float(interval or 0) or 1.0))
            return float(dose) * min(devices, due) / devices
        return given_over(self.segments, now)

    @property
    def pending_flags(self) -> tuple[AssessmentFlag, ...]:
        return tuple(f for f in self.flags if f.pending)

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES

    @property
    def planned_infusion_s(self) -> float:
        return float(self.plan["planned_infusion_min"]) * 60.0

    def infusion_elapsed_s(self, now: datetime) -> float:
        """Seconds of infusion so far, pauses excluded."""
        if self.running_since is None:
            return self.infused_s
        return self.infused_s + max(0.0, (now - self.running_since).total_seconds())

    def recovery_elapsed_s(self, now: datetime) -> float:
        if self.recovery_started_at is None:
            return 0.0
        end = self.closed_at or now
        return max(0.0, (end - self.recovery_started_at).total_seconds())


@dataclass(frozen=True)
class NurseCall:
    """A call from the patient waiting for a nurse: open from the first press until a nurse answers."""
    called_at: datetime
    seq: int                        # the nurse.called that opened it
    session_id: str | None
    presses: int = 1                # the patient pressed again while waiting

    def waiting_s(self, now: datetime) -> float:
        return max(0.0, (now - self.called_at).total_seconds())


@dataclass(frozen=True)
class RoomState:
    session: Session | None = None  # the open session, or the last one closed
    last_seq: int = 0
    call: NurseCall | None = None   # the patient's pending call, until a nurse answers it
    # The active alarms, for decisions only: the alarm board is the engine's fold (domain.alarms), and the engine
    # hands it in with a command (discharge refuses an active high-priority alarm). Never folded here.
    alarms: tuple[Any, ...] = ()
    # The latest trusted reading of each vital (kind → (value, when)), handed in the same way: discharge weighs
    # the last vitals against the baseline (domain.discharge_rules). Never folded here.
    vitals: dict[str, tuple[float, datetime]] = field(default_factory=dict)

    @property
    def phase(self) -> str:
        return self.session.phase if self.session else IDLE

    @property
    def open_session(self) -> Session | None:
        return self.session if self.session and self.session.is_open else None


def apply(state: RoomState, event: Event) -> RoomState:
    """Fold one event into the room state. Events of other sessions or of no session change only last_seq."""
    state = replace(state, last_seq=event.seq)
    if event.kind in (K.NURSE_CALLED, K.NURSE_CALL_ANSWERED):
        return replace(state, call=_call(state.call, event))
    if event.kind == K.SESSION_OPENED:
        p = event.payload
        assert event.session_id is not None  # `open_session` logs the new session's id
        return replace(state, session=Session(event.session_id, event.ts, p["patient_ref"], p["course_no"],
                                              _plan(p), phases=((event.ts, PRE_INFUSION),),
                                              protocol=p.get("protocol"), protocol_version=p.get("protocol_version"),
                                              protocol_title=p.get("protocol_title")))
    s = state.session
    if s is None or event.session_id != s.session_id:
        return state
    handler = _FOLD.get(event.kind)
    if handler is None:
        return state
    folded = handler(s, event)
    if folded.phase != s.phase:
        folded = replace(folded, phases=folded.phases + ((event.ts, folded.phase),))
    return replace(state, session=folded)


OPENED_NOT_PLAN = ("patient_ref", "course_no", "protocol", "protocol_version", "protocol_title")


def _plan(opened: dict[str, Any]) -> dict[str, Any]:
    """The dose plan of a session.opened payload (or of its correction)."""
    return {k: v for k, v in opened.items() if k not in OPENED_NOT_PLAN}


def replay(events: Iterable[Event]) -> RoomState:
    state = RoomState()
    for event in events:
        state = apply(state, event)
    return state


def _call(call: NurseCall | None, e: Event) -> NurseCall | None:
    if e.kind == K.NURSE_CALL_ANSWERED:
        return None
    if call is not None:
        return replace(call, presses=call.presses + 1)
    return NurseCall(e.ts, e.seq, e.session_id)


def _details(payload: dict[str, Any]) -> dict[str, Any]:
    """What a checklist confirmation recorded besides its item (the fasting hours of npo)."""
    return {k: v for k, v in payload.items() if k != "item"}


def _checklist(s: Session, e: Event) -> Session:
    item = e.payload["item"]
    return replace(s, checklist=s.checklist | {item}, checked={**s.checked, item: _details(e.payload)},
                   checked_seqs={**s.checked_seqs, item: e.seq})


def _baseline(s: Session, e: Event) -> Session:
    return replace(s, baseline=dict(e.payload), baseline_seq=e.seq)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _closed_segments(s: Session, at: datetime) -> tuple[Segment, ...]:
    """The segments with the running one (if any) ended at `at`."""
    if s.segments and s.segments[-1].end is None:
        return s.segments[:-1] + (replace(s.segments[-1], end=at),)
    return s.segments


def _started(s: Session, e: Event) -> Session:
    rate = _number(e.payload.get("rate_mg_per_h", s.plan.get("rate_mg_per_h")))
    return replace(s, phase=INFUSING, infusion_started_at=e.ts, running_since=e.ts, rate_mg_per_h=rate,
                   segments=(Segment(e.ts, rate),))


def _paused(s: Session, e: Event) -> Session:
    return replace(s, phase=PAUSED, infused_s=s.infusion_elapsed_s(e.ts), running_since=None,
                   pauses=s.pauses + (Pause(e.ts, e.payload.get("reason", ""), paused_by=e.actor),),
                   segments=_closed_segments(s, e.ts))


def _resumed(s: Session, e: Event) -> Session:
    pauses = s.pauses[:-1] + (replace(s.pauses[-1], ended=e.ts, resumed_by=e.actor),) if s.pauses else s.pauses
    segment = Segment(e.ts, _number(s.rate_mg_per_h), planned=not s.titrated)
    return replace(s, phase=INFUSING, running_since=e.ts, pauses=pauses, segments=s.segments + (segment,))


def _rate_changed(s: Session, e: Event) -> Session:
    """A new rate from now on: a new segment if the pump runs, else the rate the resume starts at."""
    rate = _number(e.payload.get("to_mg_per_h"))
    segments = s.segments
    if s.running_since is not None:
        segments = _closed_segments(s, e.ts) + (Segment(e.ts, rate, planned=False),)
    return replace(s, rate_mg_per_h=rate, segments=segments, titrated=True)


def _device(s: Session, e: Event) -> Session:
    return replace(s, device_n=int(e.payload.get("n", s.device_n + 1)), last_device_at=e.ts)


def _ended(s: Session, e: Event) -> Session:
    pauses = s.pauses
    if pauses and pauses[-1].ended is None:
        pauses = pauses[:-1] + (replace(pauses[-1], ended=e.ts),)
    kind = "completed" if e.kind == K.INFUSION_COMPLETED else "stopped"
    return replace(s, infused_s=s.infusion_elapsed_s(e.ts), running_since=None, infusion_ended_at=e.ts,
                   infusion_end_kind=kind, pauses=pauses, segments=_closed_segments(s, e.ts))


def _recovery(s: Session, e: Event) -> Session:
    return replace(s, phase=RECOVERY, recovery_started_at=e.ts)


def _assessment(s: Session, e: Event) -> Session:
    scale = e.payload["scale"]
    s = replace(s, scores={**s.scores, scale: e.payload["score"]}, score_seqs={**s.score_seqs, scale: e.seq},
                score_at={**s.score_at, scale: e.ts})
    hit = flagged_item(scale, e.payload.get("items") or {})
    if hit is None:
        return s
    flag = AssessmentFlag(e.seq, scale, hit[0], hit[1], SCALES[scale].item_max, e.ts)
    return replace(s, flags=s.flags + (flag,))


def _flag_acknowledged(s: Session, e: Event) -> Session:
    seq = e.payload.get("assessment_seq")
    return replace(s, flags=tuple(replace(f, acknowledged_by=e.actor, acknowledged_at=e.ts)
                                  if f.seq == seq and f.pending else f for f in s.flags))


def _corrected(s: Session, e: Event) -> Session:
    """A corrected score or baseline counts from now on, if it is the one in force (a corrected PADSS decides
    discharge). Corrections of a closed session are chart fixes: the record shows them, the fold does not change."""
    if not s.is_open:
        return s
    p = e.payload
    fixed, corrected = p.get("corrects_seq"), p.get("corrected") or {}
    if p.get("corrects_kind") == K.ASSESSMENT_RECORDED and s.score_seqs.get(corrected.get("scale", "")) == fixed:
        return replace(s, scores={**s.scores, corrected["scale"]: corrected["score"]})
    if p.get("corrects_kind") == K.VITALS_BASELINE and s.baseline_seq == fixed:
        return replace(s, baseline=dict(corrected))
    item = corrected.get("item", "")
    if p.get("corrects_kind") == K.CHECKLIST_CONFIRMED and s.checked_seqs.get(item) == fixed:
        return replace(s, checked={**s.checked, item: _details(corrected)})
    if p.get("corrects_kind") == K.SESSION_OPENED:  # the corrected dose plan (its own session's opening)
        s = replace(s, plan=_plan(corrected), course_no=corrected.get("course_no", s.course_no))
        if s.segments and not s.titrated:  # the pump ran at the prescribed rate: the corrected one counts
            rate = _number(s.plan.get("rate_mg_per_h"))
            s = replace(s, rate_mg_per_h=rate, segments=rerated(s.segments, rate))
        return s
    return s


def _cs_drawn(s: Session, e: Event) -> Session:
    return replace(s, controlled=s.controlled.drawn(e.payload, e.actor))


def _cs_wasted(s: Session, e: Event) -> Session:
    return replace(s, controlled=s.controlled.wasted(e.payload, e.actor))
def _comfort(s: Session, e: Event) -> Session:
    return replace(s, comfort=dict(e.payload.get("plan") or {}))


def _closed(phase: str) -> Callable[[Session, Event], Session]:
    def fold(s: Session, e: Event) -> Session:
        ended = _ended(s, e) if s.running_since is not None or s.phase == PAUSED else s
        return replace(ended, phase=phase, closed_at=e.ts)
    return fold


def _check(s: Session, e: Event) -> Session:
    return replace(s, check=R.fold(s.check, e.kind, e.payload, e.ts))


def _pre_dose_decided(s: Session, e: Event) -> Session:
    return replace(s, pre_dose_decision=e.payload.get("decision"))


_FOLD = {
    **{kind: _check for kind in R.FOLDED},
    K.ADVISORY_PRE_DOSE_DECIDED: _pre_dose_decided,
    K.CHECKLIST_CONFIRMED: _checklist,
    K.VITALS_BASELINE: _baseline,
    K.INFUSION_STARTED: _started,
    K.INFUSION_PAUSED: _paused,
    K.INFUSION_RESUMED: _resumed,
    K.INFUSION_RATE_CHANGED: _rate_changed,
    K.DOSE_DEVICE_GIVEN: _device,
    K.INFUSION_COMPLETED: _ended,
    K.INFUSION_STOPPED: _ended,
    K.RECOVERY_STARTED: _recovery,
    K.ASSESSMENT_RECORDED: _assessment,
    K.ASSESSMENT_FLAG_ACKNOWLEDGED: _flag_acknowledged,
    K.SESSION_DISCHARGED: _closed(DISCHARGED),
    K.SESSION_ABORTED: _closed(ABORTED),
    K.EVENT_CORRECTED: _corrected,
    K.CS_DRAWN: _cs_drawn,
    K.CS_WASTED: _cs_wasted,
    K.COMFORT_PLAN_SET: _comfort,
}
