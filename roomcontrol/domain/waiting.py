"""What a room waits on the nurse for, beside the schedule's due checks (issue #15 items 3 and 4), in the words the
clinic station's tile shows (docs/STATION.md `waiting`):

- a pre-dose hold: the last readings before the start break a protocol's pre-dose rule and Start is refused until the
  nurse decides (domain.advisories): "Pre-dose BP 186/112 > 160/100 — decision needed"; after "delay" the hold stays
  (Start still waits for a decision on the recheck) but the nurse has seen it: "… — delayed, recheck";
- the patient's "tap if you're OK" check asked and not answered yet (domain.responsiveness): "OK-check asked 0:45
  ago". A missed check is the medium alarm "responsiveness" already, so it leaves this list.
Pure: built from the snapshot's session and its pending pre-dose findings when the live state is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roomcontrol.domain.advisories import Finding, show
from roomcontrol.domain.schedule import SHORT
from roomcontrol.domain.session import Session
from roomcontrol.domain.timefmt import iso_utc

PRE_DOSE = "pre_dose"
OK_CHECK = "ok_check"
DECISION_NEEDED = "decision_needed"  # warning colour on the tile: Start waits for her
DELAYED = "delayed"                  # she chose to delay and recheck: still held, shown as a due check
ASKED = "asked"


@dataclass(frozen=True)
class Waiting:
    key: str                 # stable while it waits: "pre_dose:<advisory id>", "ok_check#<check number>"
    what: str                # PRE_DOSE or OK_CHECK
    state: str               # DECISION_NEEDED / DELAYED (pre-dose), ASKED (OK-check)
    text: str                # the words without the age (a change of these is a change in substance)
    since: datetime | None = None  # OK-check: when it was asked (the tile counts from it)

    def age_s(self, now: datetime) -> float | None:
        return None if self.since is None else round(max(0.0, (now - self.since).total_seconds()), 1)

    def prompt(self, now: datetime) -> str:
        """The words with the age: "OK-check asked 0:45 ago"."""
        age = self.age_s(now)
        return self.text if age is None else f"{self.text} {clock(age)} ago"

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {"key": self.key, "what": self.what, "state": self.state, "text": self.text,
                "since": iso_utc(self.since) if self.since else None, "age_s": self.age_s(now),
                "prompt": self.prompt(now)}


def clock(seconds: float) -> str:
    """45 → '0:45', 3725 → '62:05' (minutes:seconds, as the station's call timer)."""
    m, s = divmod(int(seconds), 60)
    return f"{m}:{s:02d}"


def limit(f: Finding) -> str:
    """The limit the pre-dose sample broke: '> 160/100', '> 110', '< 90', 'diastolic > 100'."""
    a, v = f.advisory, f.samples[-1][1]
    main = v["nibp_systolic"] if a.vital == "nibp" else v["value"]
    if a.below is not None and main < a.below:
        return f"< {a.below:g}"
    if a.diastolic_above is not None:
        return f"> {a.above:g}/{a.diastolic_above:g}" if a.above is not None else f"diastolic > {a.diastolic_above:g}"
    return f"> {a.above:g}"


def pre_dose_text(f: Finding, decision: str | None) -> str:
    a = f.advisory
    name = SHORT.get(a.vital, a.vital)
    what = "delayed, recheck" if decision == "delay" else "decision needed"
    return f"Pre-dose {name} {show(a.vital, f.samples[-1][1])} {limit(f)} — {what}"


def waiting(session: Session | None, pre_dose: Sequence[Finding]) -> tuple[Waiting, ...]:
    """The room's waits, pre-dose holds first. `pre_dose`: the findings without a decision to proceed (the
    snapshot's); the session's last pre-dose decision says whether the nurse delayed."""
    if session is None or not session.is_open:
        return ()
    decision = session.pre_dose_decision
    state = DELAYED if decision == "delay" else DECISION_NEEDED
    out = [Waiting(f"{PRE_DOSE}:{f.advisory.id}", PRE_DOSE, state, pre_dose_text(f, decision)) for f in pre_dose]
    c = session.check
    if c.open_since is not None and not c.missed:
        out.append(Waiting(f"{OK_CHECK}#{c.asked}", OK_CHECK, ASKED, "OK-check asked", c.open_since))
    return tuple(out)
