"""Dose arithmetic: weight × mg/kg = total mg, spread over the planned infusion time; the soft maximum above which a
dose needs a logged confirmation; a changed rate checked against the same bounds; the dose given, summed exactly over
the rate segments (rate × running time of each; pauses give nothing)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import DoseBounds, Range, SessionPolicy

HIGH_DOSE_UNCONFIRMED = "dose.high_unconfirmed"  # the code of the refusal the screen answers with a confirmation


@dataclass(frozen=True)
class DosePlan:
    weight_kg: float
    dose_mg_per_kg: float
    total_dose_mg: float
    planned_infusion_min: float
    rate_mg_per_h: float
    concentration_mg_per_ml: float | None
    rate_ml_per_h: float | None

    def as_payload(self) -> dict[str, float | None]:
        return {
            "weight_kg": self.weight_kg,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "total_dose_mg": self.total_dose_mg,
            "planned_infusion_min": self.planned_infusion_min,
            "rate_mg_per_h": self.rate_mg_per_h,
            "concentration_mg_per_ml": self.concentration_mg_per_ml,
            "rate_ml_per_h": self.rate_ml_per_h,
        }


def plan_dose(weight_kg: object, dose_mg_per_kg: object, planned_infusion_min: object,
              concentration_mg_per_ml: object = None, bounds: DoseBounds = DoseBounds()) -> DosePlan:
    weight = _checked("weight", weight_kg, bounds.weight_kg, "kg")
    dose = _checked("dose", dose_mg_per_kg, bounds.dose_mg_per_kg, "mg/kg")
    minutes = _checked("planned infusion time", planned_infusion_min, bounds.planned_infusion_min, "min")
    conc = None
    if concentration_mg_per_ml is not None:
        conc = _checked("bag concentration", concentration_mg_per_ml, bounds.concentration_mg_per_ml, "mg/mL")
    total = round(weight * dose, 2)
    rate = round(total * 60.0 / minutes, 2)
    return DosePlan(
        weight_kg=weight, dose_mg_per_kg=dose, total_dose_mg=total, planned_infusion_min=minutes,
        rate_mg_per_h=rate, concentration_mg_per_ml=conc,
        rate_ml_per_h=round(rate / conc, 2) if conc else None,
    )


def _checked(name: str, value: object, allowed: Range, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused(f"{name} must be a number ({allowed.describe(unit)}), got {value!r}")
    if value != value or value not in allowed:  # NaN fails both comparisons
        raise Refused(f"{name} {value:g} {unit} is outside the allowed {allowed.describe(unit)}")
    return float(value)


class HighDoseUnconfirmed(Refused):
    """A dose above the clinic's soft maximum sent without `high_dose_confirmed`: the screen recognises it by
    its code and asks for the confirmation; the message says so to anyone else (a script, a scenario)."""
    code = HIGH_DOSE_UNCONFIRMED

    def __init__(self, plan: DosePlan, soft_max_mg_per_kg: float):
        self.plan, self.soft_max_mg_per_kg = plan, soft_max_mg_per_kg
        super().__init__(f"dose {plan.dose_mg_per_kg:g} mg/kg ({plan.total_dose_mg:g} mg, {plan.rate_mg_per_h:g} "
                         f"mg/h) is above the clinic's usual maximum of {soft_max_mg_per_kg:g} mg/kg: "
                         "it needs an explicit high-dose confirmation")


def is_high(plan: DosePlan, policy: SessionPolicy) -> bool:
    """Above the soft maximum (the hard bounds have already passed)."""
    return plan.dose_mg_per_kg > policy.soft_max_dose_mg_per_kg


def high_dose_payload(plan: DosePlan, policy: SessionPolicy) -> dict[str, float]:
    """What `dose.high_confirmed` records besides who confirmed (its actor)."""
    return {"dose_mg_per_kg": plan.dose_mg_per_kg, "total_dose_mg": plan.total_dose_mg,
            "rate_mg_per_h": plan.rate_mg_per_h, "soft_max_mg_per_kg": policy.soft_max_dose_mg_per_kg}


def given_mg(rate_mg_per_h: object, infused_s: float) -> float | None:
    """Ketamine actually given: the planned rate × the time infused (pauses excluded, as the session's fold
    counts it). None without a rate."""
    if isinstance(rate_mg_per_h, bool) or not isinstance(rate_mg_per_h, (int, float)):
        return None
    return round(float(rate_mg_per_h) * max(0.0, infused_s) / 3600.0, 2)


@dataclass(frozen=True)
class Segment:
    """A stretch of infusion at one rate: from a start, resume or rate change to the next pause, rate change or
    end (None while it runs). `planned`: at the prescribed rate, before any change (a corrected plan re-rates it)."""
    start: datetime
    rate_mg_per_h: float
    end: datetime | None = None
    planned: bool = True

    def running_s(self, now: datetime) -> float:
        return max(0.0, ((self.end or now) - self.start).total_seconds())

    def mg(self, now: datetime) -> float:
        return self.rate_mg_per_h * self.running_s(now) / 3600.0


def given_over(segments: Iterable[Segment], now: datetime) -> float:
    """Ketamine given: Σ rate × running time of each segment (an open one runs until `now`), rounded to 0.01 mg
    once, at the end, so that the segments' own rounded figures never drift from the total."""
    return round(sum(seg.mg(now) for seg in segments), 2)


def rerated(segments: Iterable[Segment], rate_mg_per_h: float) -> tuple[Segment, ...]:
    """The segments with the prescribed ones at `rate_mg_per_h` (the plan as corrected); changed ones stay."""
    return tuple(replace(seg, rate_mg_per_h=rate_mg_per_h) if seg.planned else seg for seg in segments)


class HighRateUnconfirmed(Refused):
    """A rate that would give more than the soft maximum over the planned time, sent without confirmation: the same
    code as a high dose at opening, so the screen asks the same question."""
    code = HIGH_DOSE_UNCONFIRMED

    def __init__(self, rate: float, mg_per_kg: float, soft_max_mg_per_kg: float):
        self.rate, self.mg_per_kg, self.soft_max_mg_per_kg = rate, mg_per_kg, soft_max_mg_per_kg
        super().__init__(f"{rate:g} mg/h over the planned time is {round(mg_per_kg, 3):g} mg/kg, above the clinic's usual "
                         f"maximum of {soft_max_mg_per_kg:g} mg/kg: it needs an explicit high-dose confirmation")


def rate_dose_per_kg(rate_mg_per_h: float, plan: Mapping[str, Any]) -> float:
    """The mg/kg a rate would give over the session's planned infusion time (unrounded: the limits compare it)."""
    return rate_mg_per_h * float(plan["planned_infusion_min"]) / 60.0 / float(plan["weight_kg"])


def checked_rate(rate_mg_per_h: object, plan: Mapping[str, Any], policy: SessionPolicy) -> tuple[float, bool]:
    """A new rate (mg/h) and whether it is high (above the soft maximum over the planned time); Refused if it is
    not a positive number or would pass the hard maximum."""
    if isinstance(rate_mg_per_h, bool) or not isinstance(rate_mg_per_h, (int, float)) \
            or not rate_mg_per_h > 0 or rate_mg_per_h == float("inf"):
        raise Refused(f"the new rate must be a number of mg/h above 0 (to stop the flow, pause), "
                      f"got {rate_mg_per_h!r}")
    rate = float(rate_mg_per_h)
    per_kg = rate_dose_per_kg(rate, plan)
    hard = policy.bounds.dose_mg_per_kg.high
    if per_kg > hard:
        most = hard * float(plan["weight_kg"]) * 60.0 / float(plan["planned_infusion_min"])
        raise Refused(f"{rate:g} mg/h over the planned {float(plan['planned_infusion_min']):g} min is "
                      f"{round(per_kg, 3):g} "
                      f"mg/kg, above the hard maximum of {hard:g} mg/kg (at most {most:.2f} mg/h)")
    return rate, per_kg > policy.soft_max_dose_mg_per_kg


def high_rate_payload(rate_mg_per_h: float, plan: Mapping[str, Any], policy: SessionPolicy) -> dict[str, float]:
    """What `dose.high_confirmed` records for a high rate: the same fields as for a high dose at opening."""
    per_kg = rate_dose_per_kg(rate_mg_per_h, plan)
    return {"dose_mg_per_kg": round(per_kg, 3), "total_dose_mg": round(per_kg * float(plan["weight_kg"]), 2),
            "rate_mg_per_h": rate_mg_per_h, "soft_max_mg_per_kg": policy.soft_max_dose_mg_per_kg}
