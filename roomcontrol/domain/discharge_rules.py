"""Discharge rules from the session's protocol (issue #15 item 7): what is still unmet, in the nurse's words.

`unmet(rules, session, now, vitals, escort)` weighs the protocol's [discharge] table against the session:
monitoring time after the last dose, the latest MOAA/S and CADSS-6 (each scored after the last dose), the last
vitals against the baseline, and the escort. `overridden(...)` is the decision: every blocking rule that is
unmet must carry an administrator's reason, else Refused names what is left. Pure: the engine hands in the
latest readings (`vitals`) as it hands in the alarms.

MOAA/S is read generically as the scale event named "MOAA/S" (session.scores), whoever adds the scale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.protocol import Discharge, Protocol
from roomcontrol.domain.rems import form_payload
from roomcontrol.domain.session import Session
from roomcontrol.domain.vitals import Reading, trusted

MONITORING, MOAAS, CADSS, VITALS, ESCORT = "monitoring", "moaas", "cadss", "vitals", "escort"
RULES = (MONITORING, MOAAS, CADSS, VITALS, ESCORT)
RULE_LABELS = {MONITORING: "Monitoring time", MOAAS: "MOAA/S", CADSS: "CADSS-6", VITALS: "Vitals",
               ESCORT: "Escort"}
# What the last vitals are compared on: (reading kind, baseline key, words).
COMPARED = (("heart_rate", "heart_rate", "Heart rate"), ("nibp_systolic", "nibp_systolic", "Systolic pressure"),
            ("nibp_diastolic", "nibp_diastolic", "Diastolic pressure"))
PHONE_DIGITS = (7, 15)  # E.164 allows up to 15 digits; 7 is a short local number


@dataclass(frozen=True)
class Unmet:
    rule: str
    says: str              # plain words for the screen and the log
    blocking: bool = True  # False: advice only (an escort the protocol advises)


@dataclass(frozen=True)
class Escort:
    name: str
    phone: str

    def as_payload(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone}


def escort(name: object, phone: object) -> Escort | None:
    """The escort as the nurse typed them (None: nobody named), or Refused saying what is wrong."""
    blank = [not (isinstance(v, str) and v.strip()) for v in (name, phone)]
    if all(blank):
        return None
    if blank[0]:
        raise Refused("type the escort's name as well as the phone number")
    if blank[1]:
        raise Refused("type the escort's phone number as well as the name")
    assert isinstance(name, str) and isinstance(phone, str)
    name, phone = name.strip(), phone.strip()
    if len(name) > 80 or not any(c.isalpha() for c in name):
        raise Refused(f"the escort's name must have letters and at most 80 characters, got {name!r}")
    digits = re.sub(r"\D", "", phone)
    if not re.fullmatch(r"\+?[0-9 ().\-/]+", phone) or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        raise Refused(f"the escort's phone number must be {PHONE_DIGITS[0]}–{PHONE_DIGITS[1]} digits (spaces, "
                      f"'+', '-', brackets allowed), got {phone!r}")
    return Escort(name, phone)


def span(minutes: float) -> str:
    """1 h 32 min, 2 h, 45 min."""
    whole = int(minutes)
    h, m = divmod(whole, 60)
    return " ".join(p for p in (f"{h} h" if h else "", f"{m} min" if m or not h else "") if p)


def last_vitals(latest: Mapping[str, Reading]) -> dict[str, tuple[float, datetime]]:
    """The latest trusted value of each vital with when it came (the pulse rate stands in for a missing heart
    rate): what the vitals rule compares with the baseline."""
    out = {k: (r.value, r.received_ts) for k, r in latest.items() if r.value is not None and trusted(r)}
    if "heart_rate" not in out and "pulse_rate" in out:
        out["heart_rate"] = out["pulse_rate"]
    return out


def last_dose_at(s: Session) -> datetime | None:
    """The end of dosing (the last device, or the infusion's end); None while dosing has not ended."""
    return s.infusion_ended_at


def unmet(rules: Discharge, s: Session, now: datetime, vitals: Mapping[str, tuple[float, datetime]],
          named: Escort | None) -> tuple[Unmet, ...]:
    """Every discharge rule the session does not meet yet, in the order of RULES."""
    dose = last_dose_at(s)
    out = [_monitoring(rules, dose, now), _moaas(rules, s, dose), _cadss(rules, s, dose),
           _vitals(rules, s, dose, vitals), _escort(rules, named)]
    return tuple(u for u in out if u is not None)


def _monitoring(rules: Discharge, dose: datetime | None, now: datetime) -> Unmet | None:
    need = rules.min_after_last_dose_min
    done = 0.0 if dose is None else max(0.0, (now - dose).total_seconds() / 60.0)
    if done >= need:
        return None
    return Unmet(MONITORING, f"Monitored {span(done)} of the {span(need)} required after the last dose")


def _since(s: Session, scale: str, dose: datetime | None) -> int | None:
    """The scale's latest score, if it was scored after the last dose."""
    at = s.score_at.get(scale)
    if at is None or dose is None or at < dose:
        return None
    return s.scores.get(scale)


def _moaas(rules: Discharge, s: Session, dose: datetime | None) -> Unmet | None:
    score = _since(s, "MOAA/S", dose)
    if score is None:
        return Unmet(MOAAS, f"No MOAA/S scored since the last dose; {rules.moaas} is required")
    if score != rules.moaas:
        return Unmet(MOAAS, f"MOAA/S is {score}; {rules.moaas} is required")
    return None


def _cadss(rules: Discharge, s: Session, dose: datetime | None) -> Unmet | None:
    if rules.cadss_max is None:
        return None
    score = _since(s, "CADSS-6", dose)
    if score is None:
        return Unmet(CADSS, f"No CADSS-6 scored since the last dose; it must be back to {rules.cadss_max} or less")
    if score > rules.cadss_max:
        return Unmet(CADSS, f"CADSS-6 is {score}; it must be back to {rules.cadss_max} or less")
    return None


def _vitals(rules: Discharge, s: Session, dose: datetime | None,
            vitals: Mapping[str, tuple[float, datetime]]) -> Unmet | None:
    pct = rules.vitals_within_pct
    if pct is None:
        return None
    if s.baseline is None:
        return Unmet(VITALS, "No baseline vitals to compare the last vitals with")
    last = {kind: value for kind, (value, at) in vitals.items() if dose is not None and at >= dose}
    if "nibp_systolic" not in last or "nibp_diastolic" not in last:
        return Unmet(VITALS, "No blood pressure measured since the last dose")
    off = []
    for kind, key, words in COMPARED:
        base, value = s.baseline.get(key), last.get(kind)
        if not isinstance(base, (int, float)) or not base or value is None:
            continue
        change = (value - base) / base * 100.0
        if abs(change) > pct:
            off.append(f"{words} {value:g} is {abs(change):.0f} % {'above' if change > 0 else 'below'} the "
                       f"baseline {base:g}")
    if not off:
        return None
    return Unmet(VITALS, "; ".join(off) + f" (within {pct:g} % required)")


def _escort(rules: Discharge, named: Escort | None) -> Unmet | None:
    if named is not None or rules.escort == "not_required":
        return None
    if rules.escort == "advised":
        return Unmet(ESCORT, "No escort named: this protocol advises one", blocking=False)
    return Unmet(ESCORT, "No escort named with a phone number: this protocol requires one")


def overridden(found: tuple[Unmet, ...], overrides: Mapping[str, object],
               signed_by: str | None) -> list[dict[str, str]]:
    """The overrides to log ({rule, says, reason}) when every blocking unmet rule has an administrator's reason;
    Refused naming the rules left. An override of a rule that is met now is dropped (nothing to override)."""
    unknown = sorted(set(overrides) - set(RULES))
    if unknown:
        raise Refused(f"unknown discharge rule {', '.join(unknown)}; the rules: {', '.join(RULES)}")
    blocking = [u for u in found if u.blocking]
    left = [u for u in blocking if not (isinstance(overrides.get(u.rule), str)
                                        and str(overrides.get(u.rule)).strip())]
    if left:
        raise Refused("cannot discharge yet: " + "; ".join(u.says for u in left)
                      + ". An administrator may override each with a reason")
    if blocking and not signed_by:
        raise Refused("an administrator signs the override with their PIN")
    out = []
    for u in blocking:
        reason = str(overrides[u.rule]).strip()
        if len(reason) > 200:
            raise Refused(f"the reason to override {RULE_LABELS[u.rule]} is longer than 200 characters")
        out.append({"rule": u.rule, "says": u.says, "reason": reason})
    return out


def checks_at_discharge(protocol: Protocol, s: Session, now: datetime, vitals: Mapping[str, tuple[float, datetime]],
                        named: Escort | None, overrides: Mapping[str, object], signed_by: str | None,
                        rems_form: Mapping[str, Any] | None, actor: str) -> list[NewEvent]:
    """The events a discharge under `protocol` logs before session.discharged: each overridden rule (by the
    administrator who signed) and the REMS form (by the nurse); Refused while a rule is unmet and not overridden,
    or while the protocol's REMS form is incomplete."""
    done = overridden(unmet(protocol.discharge, s, now, vitals, named), overrides, signed_by)
    events = [NewEvent(K.DISCHARGE_RULE_OVERRIDDEN, o, signed_by or actor, s.session_id) for o in done]
    if protocol.rems:
        events.append(NewEvent(K.REMS_FORM_COMPLETED, form_payload(rems_form or {}, s, now), actor, s.session_id))
    return events
