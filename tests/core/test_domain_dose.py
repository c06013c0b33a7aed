"""Dose arithmetic, assessment scores and the clinic's policy values (roomcontrol.domain.dose, .scales, .policy)."""

import math

import pytest

from roomcontrol.domain.dose import DosePlan, plan_dose
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import DoseBounds, Range, SessionPolicy
from roomcontrol.domain.scales import SCALES, score


def test_a_dose_plan_with_a_bag_concentration():
    plan = plan_dose(80, 0.5, 40, 2)
    assert plan == DosePlan(weight_kg=80.0, dose_mg_per_kg=0.5, total_dose_mg=40.0, planned_infusion_min=40.0,
                            rate_mg_per_h=60.0, concentration_mg_per_ml=2.0, rate_ml_per_h=30.0)
    assert plan.as_payload() == {"weight_kg": 80.0, "dose_mg_per_kg": 0.5, "total_dose_mg": 40.0,
                                 "planned_infusion_min": 40.0, "rate_mg_per_h": 60.0,
                                 "concentration_mg_per_ml": 2.0, "rate_ml_per_h": 30.0}


def test_a_dose_plan_without_concentration_has_no_volume_rate():
    plan = plan_dose(72.5, 0.75, 45)
    assert plan.total_dose_mg == 54.38 and plan.rate_mg_per_h == 72.51
    assert plan.concentration_mg_per_ml is None and plan.rate_ml_per_h is None


@pytest.mark.parametrize("args, match", [
    ((True, 0.5, 40), r"weight must be a number \(30–250 kg\), got True"),
    (("80", 0.5, 40), "weight must be a number"),
    ((20, 0.5, 40), "weight 20 kg is outside the allowed 30–250 kg"),
    ((80, math.nan, 40), "dose nan mg/kg is outside"),
    ((80, 0.5, 300), "planned infusion time 300 min is outside the allowed 20–240 min"),
    ((80, 0.5, 40, 50), "bag concentration 50 mg/mL is outside the allowed 0.1–10 mg/mL"),
])
def test_out_of_bounds_doses_are_refused(args, match):
    with pytest.raises(Refused, match=match):
        plan_dose(*args)


def test_bounds_come_from_the_policy():
    tight = DoseBounds(weight_kg=Range(40, 120))
    with pytest.raises(Refused, match="outside the allowed 40–120 kg"):
        plan_dose(130, 0.5, 40, bounds=tight)
    assert 0.1 in Range(0.1, 2.0) and 2.5 not in Range(0.1, 2.0)
    assert Range(1, 2).describe("") == "1–2"
    assert SessionPolicy().bounds == DoseBounds()


def test_scale_scores_are_the_sum_of_their_items():
    padss = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2, "bleeding": 2}
    assert score("PADSS", padss) == 9
    assert SCALES["PADSS"].max_score == 10 and SCALES["CADSS-6"].max_score == 24
    assert score("PHQ-9", {f"q{n}": 0 for n in range(1, 10)}) == 0


@pytest.mark.parametrize("scale, items, match", [
    ("MADRS", {}, "unknown scale 'MADRS'; known: PADSS, CADSS-6, PHQ-9, GAD-7"),
    ("GAD-7", [1, 2, 3], "GAD-7 items must be a table"),
    ("GAD-7", {f"q{n}": 1 for n in range(1, 7)}, "GAD-7 is missing q7"),
    ("GAD-7", {**{f"q{n}": 1 for n in range(1, 8)}, "q8": 1}, "GAD-7 has no item q8"),
    ("GAD-7", {**{f"q{n}": 1 for n in range(1, 8)}, "q3": 4}, "GAD-7 q3 must be a whole number 0–3, got 4"),
    ("GAD-7", {**{f"q{n}": 1 for n in range(1, 8)}, "q2": True}, "got True"),
    ("GAD-7", {**{f"q{n}": 1 for n in range(1, 8)}, "q1": 1.0}, "got 1.0"),
])
def test_bad_scale_items_are_refused(scale, items, match):
    with pytest.raises(Refused, match=match):
        score(scale, items)
