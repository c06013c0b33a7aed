"""Dose arithmetic: weight × mg/kg = total mg, spread over the planned infusion time; the soft maximum above which a
dose needs a logged confirmation; the dose given (rate × time infused)."""

from __future__ import annotations

from dataclasses import dataclass

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
