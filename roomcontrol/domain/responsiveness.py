"""The patient's "tap if you're OK" check (issue #15, item 3): the protocol's `[responsiveness]` says how often and
how long to wait; the check's state is a fold over the log, so a restart mid-check resumes it.

- asked: every `every_min` from the anchor (the start of dosing or of recovery), counted from the last check or the
  last resume, whichever is later; never while the infusion is paused, never once the window is over;
- answered: the patient taps anywhere on the touchscreen (actor patient), with how long it took;
- missed: no tap within `answer_within_s` (a pause stops that clock; it restarts at the resume); the engine raises the
  medium clinical alarm "responsiveness" with `missed_text`. A late tap answers the check and clears the alarm; a
  nurse acknowledging the alarm has checked the patient, which closes the check too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import ResponsivenessCheck

if TYPE_CHECKING:  # the session holds a CheckState: importing it at run time would be circular
    from roomcontrol.domain.session import Session

CONDITION = "responsiveness"  # the clinical alarm's condition (domain.alarms.raise_clinical)
PAUSED = "paused"             # domain.session's phase name (not imported: see above)
Pair = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class CheckState:
    asked: int = 0                      # checks asked this session (the number of the latest)
    open_since: datetime | None = None  # the check on the patient's screen now, waiting for a tap
    last_asked: datetime | None = None
    missed: bool = False                # the open check's time ran out: its alarm is raised
    answered: int = 0
    misses: int = 0

    @property
    def waiting(self) -> bool:
        return self.open_since is not None


def fold(c: CheckState, kind: str, payload: dict[str, Any], ts: datetime) -> CheckState:
    """One logged event into the check's state (session.apply calls it for the kinds in FOLDED)."""
    if kind == K.RESPONSIVENESS_ASKED:
        return replace(c, asked=c.asked + 1, open_since=ts, last_asked=ts, missed=False)
    if kind == K.RESPONSIVENESS_ANSWERED:
        return replace(c, open_since=None, missed=False, answered=c.answered + 1)
    if kind == K.RESPONSIVENESS_MISSED:
        return replace(c, missed=True, misses=c.misses + 1)
    if kind == K.ALARM_ACKNOWLEDGED and payload.get("condition") == CONDITION:
        return replace(c, open_since=None, missed=False)  # the nurse went and checked
    return c


FOLDED = (K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_ANSWERED, K.RESPONSIVENESS_MISSED, K.ALARM_ACKNOWLEDGED)


def window_start(rule: ResponsivenessCheck, s: Session) -> datetime | None:
    """When the checks begin (None: not yet), or None too once the window is over."""
    if rule.until == "recovery" and s.infusion_ended_at is not None:
        return None
    return s.infusion_started_at if rule.start == "dose" else s.recovery_started_at


def last_resume(s: Session) -> datetime | None:
    resumed = [p.ended for p in s.pauses if p.resumed_by is not None and p.ended is not None]
    return max(resumed, default=None)


def due(rule: ResponsivenessCheck | None, s: Session | None, now: datetime) -> list[Pair]:
    """What the check needs logged now: a new check asked, or the open one missed; nothing while paused."""
    if rule is None or s is None or not s.is_open or s.phase == PAUSED:
        return []
    c = s.check
    if c.open_since is not None:
        if c.missed:
            return []
        counting = max(c.open_since, last_resume(s) or c.open_since)
        if (now - counting).total_seconds() < rule.answer_within_s:
            return []
        return [(K.RESPONSIVENESS_MISSED, {"check": c.asked, "answer_within_s": rule.answer_within_s,
                                           "waited_s": round((now - c.open_since).total_seconds())})]
    start = window_start(rule, s)
    if start is None:
        return []
    base = max(t for t in (start, c.last_asked, last_resume(s)) if t is not None)
    if (now - base).total_seconds() < rule.every_min * 60:
        return []
    return [(K.RESPONSIVENESS_ASKED, {"check": c.asked + 1, "answer_within_s": rule.answer_within_s,
                                      "every_min": rule.every_min})]


def answer(s: Session | None, now: datetime) -> Pair:
    """The patient's tap: the open check answered, with how long it took; Refused when none is waiting."""
    c = s.check if s is not None and s.is_open else None
    if c is None or c.open_since is None:
        raise Refused("no check is waiting for an answer")
    return (K.RESPONSIVENESS_ANSWERED, {"check": c.asked, "after_s": round((now - c.open_since).total_seconds(), 1),
                                        "late": c.missed})


def span(seconds: int) -> str:
    """'2 min', '90 s': the answer time as the alarm says it."""
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def missed_text(answer_within_s: int) -> str:
    """The missed check's alarm wording (banner, station, record)."""
    return f"No response to the check ({span(answer_within_s)})"
