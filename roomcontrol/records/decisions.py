"""The protocol's decisions in a session record (issue #15 items 3, 4 and 7), read from the record's events: the
pre-dose decision (proceed with a reason, delay, cancel), each response to a during-session advisory (paused or
continued, with a reason), each discharge past an unmet protocol rule or an open high alarm (an administrator, a
reason), and each "tap if you're OK" check the patient missed with what followed. The FHIR export and the CSV
files read these (pure, no I/O); the PDF tells the same events in its own words."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roomcontrol.domain import kinds as K
from roomcontrol.domain.advisories import condition as advisory_condition
from roomcontrol.domain.discharge_rules import RULE_LABELS
from roomcontrol.domain.responsiveness import CONDITION as CHECK_CONDITION
from roomcontrol.domain.wording import condition_label
from roomcontrol.records.model import SessionRecord

# Decision.kind: what was decided on
PRE_DOSE, ADVISORY, DISCHARGE_RULE, DISCHARGE_GUARD = "pre-dose", "advisory", "discharge-rule", "discharge-guard"
OUTCOME_WORDS = {"proceed": "proceeded with the dose", "delay": "delayed the dose", "cancel": "cancelled the session",
                 "paused": "infusion paused", "continued": "continued", "overridden": "discharged past it"}


@dataclass(frozen=True)
class Decision:
    """A clinician's decision on something the protocol flagged: who, when, what about, what, why."""
    kind: str                 # PRE_DOSE, ADVISORY, DISCHARGE_RULE or DISCHARGE_GUARD
    event_id: str
    at: datetime
    by: str
    about: str                # the advisory ids, the rule, or the guard ("active high-priority alarm")
    outcome: str              # proceed/delay/cancel, paused/continued, or overridden
    reason: str
    finding: str              # what was found, in words with its values
    found_at: datetime        # when it was found (the advisory's alarm raised), else when decided

    @property
    def by_admin(self) -> bool:
        return self.kind in (DISCHARGE_RULE, DISCHARGE_GUARD)

    @property
    def what(self) -> str:
        """What was decided on, in words: 'Pre-dose advisory', 'Discharge rule MOAA/S not met', …"""
        return {PRE_DOSE: "Pre-dose advisory", ADVISORY: f"Advisory {self.about}",
                DISCHARGE_RULE: f"Discharge rule {RULE_LABELS.get(self.about, self.about)} not met",
                DISCHARGE_GUARD: "Discharge with a high-priority alarm open"}[self.kind]

    def text(self, name=lambda who: who) -> str:
        """One line for the chart: '<what> (<finding>): <outcome> by <who>[: <reason>]' (`name` names a staff id)."""
        who = f"an administrator, {name(self.by)}" if self.by_admin else name(self.by)
        reason = f": {self.reason}" if self.reason else ""
        return f"{self.what} ({self.finding}): {OUTCOME_WORDS.get(self.outcome, self.outcome)} by {who}{reason}"


@dataclass(frozen=True)
class MissedCheck:
    """A "tap if you're OK" check without a tap in time, and what closed it (a late tap, or a nurse seeing to it)."""
    event_id: str
    check: int
    asked_at: datetime
    missed_at: datetime
    answer_within_s: float
    answered_after_s: float | None = None   # the patient tapped late, this long after the check was asked
    seen_by: str | None = None              # else the nurse who acknowledged the alarm, and when
    seen_at: datetime | None = None

    def outcome(self, name=lambda who: who) -> str:
        if self.answered_after_s is not None:
            return f"answered late by the patient after {round(self.answered_after_s)} s"
        if self.seen_by is not None:
            return f"seen to by {name(self.seen_by)}"
        return "not closed before the session ended"


def decisions(record: SessionRecord) -> tuple[Decision, ...]:
    """Every decision of the session, in log order."""
    raised = {}  # advisory alarm condition → (text, when) of its latest raising
    out = []
    for e in record.events:
        p = e.payload
        if e.kind == K.ALARM_RAISED and str(p.get("condition", "")).startswith(advisory_condition("")):
            raised[p["condition"]] = (str(p.get("text") or p["condition"]), e.ts)
        elif e.kind == K.ADVISORY_PRE_DOSE_DECIDED:
            out.append(Decision(PRE_DOSE, e.id, e.ts, e.actor, ", ".join(p.get("advisories") or ()),
                                p.get("decision", ""), p.get("reason") or "", p.get("text") or "", e.ts))
        elif e.kind == K.ADVISORY_RESPONDED:
            advisory = p.get("advisory", "")
            text, found = raised.get(advisory_condition(advisory), (advisory, e.ts))
            out.append(Decision(ADVISORY, e.id, e.ts, e.actor, advisory, p.get("response", ""),
                                p.get("reason") or "", text, found))
        elif e.kind == K.DISCHARGE_RULE_OVERRIDDEN:
            out.append(Decision(DISCHARGE_RULE, e.id, e.ts, e.actor, p.get("rule", ""), "overridden",
                                p.get("reason") or "", p.get("says") or "", e.ts))
        elif e.kind == K.DISCHARGE_OVERRIDE:
            alarms = ", ".join(condition_label(a.get("condition", "")) for a in p.get("alarms", ()))
            guard = p.get("guard") or "active high-priority alarm"
            out.append(Decision(DISCHARGE_GUARD, e.id, e.ts, e.actor, guard, "overridden", p.get("reason") or "",
                                f"{guard}: {alarms}" if alarms else guard, e.ts))
    return tuple(out)


def missed_checks(record: SessionRecord) -> tuple[MissedCheck, ...]:
    """Every check the patient missed, with the late tap or the nurse's acknowledgement that closed it."""
    out: list[MissedCheck] = []
    for e in record.events:
        p = e.payload
        if e.kind == K.RESPONSIVENESS_MISSED:
            waited = float(p.get("waited_s") or p.get("answer_within_s") or 0)
            out.append(MissedCheck(e.id, int(p.get("check", 0)), e.ts - timedelta(seconds=waited), e.ts,
                                   float(p.get("answer_within_s") or waited)))
        elif out and out[-1].answered_after_s is None and out[-1].seen_by is None:
            last = out[-1]
            if e.kind == K.RESPONSIVENESS_ANSWERED and p.get("check") == last.check:
                out[-1] = replace(last, answered_after_s=float(p.get("after_s") or 0))
            elif e.kind == K.ALARM_ACKNOWLEDGED and p.get("condition") == CHECK_CONDITION:
                out[-1] = replace(last, seen_by=str(p.get("by") or e.actor), seen_at=e.ts)
    return tuple(out)


@dataclass(frozen=True)
class CheckCounts:
    """The session's "tap if you're OK" checks: how many were asked and missed, and each answer's time (seconds
    after the ask, sorted) — the PDF and the FHIR notes count them here."""
    asked: int
    answers_s: tuple[float, ...]
    missed: int


def check_counts(record: SessionRecord) -> CheckCounts:
    answers = sorted(float(e.payload.get("after_s", 0)) for e in record.events
                     if e.kind == K.RESPONSIVENESS_ANSWERED)
    return CheckCounts(sum(e.kind == K.RESPONSIVENESS_ASKED for e in record.events), tuple(answers),
                       sum(e.kind == K.RESPONSIVENESS_MISSED for e in record.events))


def checks_summary(record: SessionRecord) -> str | None:
    """'Tap if you're OK: asked 8, answered 7, missed 1', or None for a session that asked none."""
    counts = check_counts(record)
    if not counts.asked:
        return None
    return (f"Tap if you're OK checks: asked {counts.asked}, answered {len(counts.answers_s)}, "
            f"missed {counts.missed}")

