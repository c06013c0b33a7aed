"""Issue 15 item 7 and 8, the pure rules: each discharge rule at its boundaries, the escort's validation, the
override decision, and the REMS form's required fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain import discharge_rules as D
from roomcontrol.domain import kinds as K
from roomcontrol.domain import rems as R
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import Discharge, parse_protocol
from roomcontrol.domain.session import Session
from roomcontrol.domain.timefmt import iso_utc

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
DOSE_END = T0 + timedelta(minutes=10)
RULES = Discharge(min_after_last_dose_min=120, moaas=5, cadss_max=0, vitals_within_pct=20, escort="required",
                  min_padss=None)
BASE = {"heart_rate": 80, "spo2": 98, "nibp_systolic": 120, "nibp_diastolic": 80}
GOOD = D.Escort("Grace Hopper", "+1 555 010 2030")


def at(minutes: float) -> datetime:
    return DOSE_END + timedelta(minutes=minutes)


def session(**over) -> Session:
    s = Session("s1", T0, "PT-1", 1, {"dose_mg": 56.0, "devices": 2}, phase="recovery", baseline=dict(BASE),
                infusion_started_at=T0, infusion_ended_at=DOSE_END, recovery_started_at=DOSE_END,
                scores={"MOAA/S": 5, "CADSS-6": 0}, score_at={"MOAA/S": at(100), "CADSS-6": at(100)})
    return replace(s, **over)


def vitals(hr=80.0, sys_=120.0, dia=80.0, when=None) -> dict:
    when = when or at(110)
    return {"heart_rate": (hr, when), "nibp_systolic": (sys_, when), "nibp_diastolic": (dia, when)}


def rules_left(s=None, now=None, v=None, named=GOOD, rules=RULES) -> dict[str, str]:
    found = D.unmet(rules, s or session(), now or at(120), vitals() if v is None else v, named)
    return {u.rule: u.says for u in found}


def test_all_met_at_the_boundaries():
    # exactly 2 h after the last dose, MOAA/S exactly 5, CADSS exactly at the threshold, vitals exactly 20 % off
    assert rules_left(v=vitals(hr=96, sys_=144, dia=64)) == {}


def test_monitoring_time_after_the_last_dose():
    assert rules_left(now=at(119.99)) == {"monitoring": "Monitored 1 h 59 min of the 2 h required after the last "
                                                         "dose"}
    assert rules_left(now=at(92))["monitoring"] == "Monitored 1 h 32 min of the 2 h required after the last dose"
    assert rules_left(now=at(45), rules=replace(RULES, min_after_last_dose_min=60))["monitoring"] == \
        "Monitored 45 min of the 1 h required after the last dose"
    # dosing not ended: nothing counts yet
    left = rules_left(s=session(infusion_ended_at=None))
    assert left["monitoring"] == "Monitored 0 min of the 2 h required after the last dose"
    assert D.span(150) == "2 h 30 min" and D.span(0) == "0 min"


def test_moaas_must_equal_the_required_score_scored_after_the_dose():
    assert rules_left(s=session(scores={"MOAA/S": 4, "CADSS-6": 0}))["moaas"] == "MOAA/S is 4; 5 is required"
    before = session(score_at={"MOAA/S": DOSE_END - timedelta(seconds=1), "CADSS-6": at(100)})
    assert rules_left(s=before)["moaas"] == "No MOAA/S scored since the last dose; 5 is required"
    assert "moaas" not in rules_left(s=session(score_at={"MOAA/S": DOSE_END, "CADSS-6": at(1)}))
    assert rules_left(s=session(scores={}, score_at={})).keys() == {"moaas", "cadss"}
    # a protocol asking for 4 is met by 4 and not by 5 ("== required")
    assert "moaas" in rules_left(rules=replace(RULES, moaas=4))


def test_cadss_back_to_its_threshold():
    assert rules_left(s=session(scores={"MOAA/S": 5, "CADSS-6": 1}))["cadss"] == \
        "CADSS-6 is 1; it must be back to 0 or less"
    assert "cadss" not in rules_left(s=session(scores={"MOAA/S": 5, "CADSS-6": 3}),
                                     rules=replace(RULES, cadss_max=3))
    assert rules_left(s=session(score_at={"MOAA/S": at(100)}))["cadss"] == \
        "No CADSS-6 scored since the last dose; it must be back to 0 or less"
    assert "cadss" not in rules_left(s=session(scores={"MOAA/S": 5}), rules=replace(RULES, cadss_max=None))


def test_last_vitals_within_the_protocols_percent_of_baseline():
    assert rules_left(v=vitals(sys_=144.5))["vitals"] == \
        "Systolic pressure 144.5 is 20 % above the baseline 120 (within 20 % required)"
    assert rules_left(v=vitals(hr=63, dia=100))["vitals"] == (
        "Heart rate 63 is 21 % below the baseline 80; Diastolic pressure 100 is 25 % above the baseline 80 "
        "(within 20 % required)")
    assert rules_left(v=vitals(when=DOSE_END - timedelta(seconds=1)))["vitals"] == \
        "No blood pressure measured since the last dose"
    assert rules_left(v={"heart_rate": (80.0, at(1))})["vitals"] == "No blood pressure measured since the last dose"
    assert rules_left(s=session(baseline=None))["vitals"] == "No baseline vitals to compare the last vitals with"
    # a vital missing from the last readings, or from the baseline, is not compared
    assert "vitals" not in rules_left(v={k: v for k, v in vitals().items() if k != "heart_rate"})
    assert "vitals" not in rules_left(s=session(baseline={**BASE, "heart_rate": None}), v=vitals(hr=200))
    assert "vitals" not in rules_left(v=vitals(hr=200), rules=replace(RULES, vitals_within_pct=None))
    assert "vitals" in rules_left(s=session(infusion_ended_at=None))


def test_escort_policy():
    assert rules_left(named=None)["escort"] == "No escort named with a phone number: this protocol requires one"
    advised = D.unmet(replace(RULES, escort="advised"), session(), at(120), vitals(), None)
    assert advised == (D.Unmet("escort", "No escort named: this protocol advises one", blocking=False),)
    assert rules_left(named=None, rules=replace(RULES, escort="not_required")) == {}


def test_the_escort_is_validated_in_plain_words():
    assert D.escort(None, "  ") is None
    assert D.escort(" Grace Hopper ", "(555) 010-2030") == D.Escort("Grace Hopper", "(555) 010-2030")
    assert GOOD.as_payload() == {"name": "Grace Hopper", "phone": "+1 555 010 2030"}
    with pytest.raises(Refused, match="type the escort's name as well"):
        D.escort("", "555 010 2030")
    with pytest.raises(Refused, match="type the escort's phone number as well"):
        D.escort("Grace", None)
    with pytest.raises(Refused, match="must have letters"):
        D.escort("12345", "555 010 2030")
    with pytest.raises(Refused, match="phone number must be 7–15 digits"):
        D.escort("Grace", "12-34")
    with pytest.raises(Refused, match="phone number must be 7–15 digits"):
        D.escort("Grace", "call 5550102030")
    with pytest.raises(Refused, match="phone number must be 7–15 digits"):
        D.escort("Grace", "1" * 16)


def test_overrides_need_a_reason_per_rule_and_an_administrators_signature():
    found = D.unmet(RULES, session(scores={"MOAA/S": 4, "CADSS-6": 0}), at(92), vitals(), None)
    assert [u.rule for u in found] == ["monitoring", "moaas", "escort"]
    with pytest.raises(Refused) as caught:
        D.overridden(found, {"moaas": "hearing loss"}, "adm")
    assert str(caught.value) == ("cannot discharge yet: Monitored 1 h 32 min of the 2 h required after the last "
                                 "dose; No escort named with a phone number: this protocol requires one. An "
                                 "administrator may override each with a reason")
    reasons = {"monitoring": "transferred to the ward", "moaas": "baseline 4: hearing loss", "escort": " taxi "}
    with pytest.raises(Refused, match="an administrator signs the override with their PIN"):
        D.overridden(found, reasons, None)
    with pytest.raises(Refused, match="unknown discharge rule padss"):
        D.overridden(found, {**reasons, "padss": "x"}, "adm")
    with pytest.raises(Refused, match="reason to override MOAA/S is longer than 200"):
        D.overridden(found, {**reasons, "moaas": "x" * 201}, "adm")
    with pytest.raises(Refused, match="cannot discharge yet: No escort"):
        D.overridden(found, {**reasons, "escort": "  "}, "adm")
    assert D.overridden(found, reasons, "adm")[2] == {
        "rule": "escort", "says": "No escort named with a phone number: this protocol requires one",
        "reason": "taxi"}
    # a rule met by now needs no override (and one given is dropped); advice never blocks
    assert D.overridden((), {"moaas": "x"}, None) == []
    assert D.overridden((D.Unmet("escort", "advised", blocking=False),), {}, None) == []


def esketamine():
    return parse_protocol({
        "id": "esk", "version": 1, "title": "Esketamine", "session_type": "intranasal", "rems": True,
        "phases": {"min_recovery_min": 120},
        "dose": {"choices_mg": [56, 84], "device_mg": 28, "device_interval_min": 5},
        "discharge": {"cadss_max": 0, "vitals_within_pct": 20}}, "esk.toml")


def test_checks_at_discharge_log_the_overrides_by_the_signer_and_the_rems_form_by_the_nurse():
    p = esketamine()
    s = session(scores={"MOAA/S": 4, "CADSS-6": 0})
    form = full_form()
    events = D.checks_at_discharge(p, s, at(120), vitals(), GOOD, {"moaas": "baseline 4"}, "adm", form, "rn.ada")
    assert [(e.kind, e.actor) for e in events] == [(K.DISCHARGE_RULE_OVERRIDDEN, "adm"),
                                                   (K.REMS_FORM_COMPLETED, "rn.ada")]
    with pytest.raises(Refused, match="REMS Patient Monitoring Form is missing: Monitoring staff, Lot number"):
        D.checks_at_discharge(p, session(), at(120), vitals(), GOOD, {}, None, None, "rn.ada")
    plain = replace(p, rems=False)
    assert D.checks_at_discharge(plain, session(), at(120), vitals(), GOOD, {}, None, None, "rn.ada") == []


def test_a_protocol_marks_rems_and_is_refused_naming_the_key():
    assert esketamine().rems is True
    with pytest.raises(ValueError, match='rems = "yes": must be true or false'):
        parse_protocol({"id": "esk", "version": 1, "title": "E", "session_type": "intranasal", "rems": "yes",
                        "phases": {"min_recovery_min": 120},
                        "dose": {"choices_mg": [56], "device_mg": 28, "device_interval_min": 5}}, "esk.toml")
    with pytest.raises(ValueError, match=r'rems = true: the REMS form is for an esketamine'):
        parse_protocol({"id": "iv", "version": 1, "title": "IV", "session_type": "iv_infusion", "rems": True,
                        "phases": {"infusion_min": 40, "min_recovery_min": 30},
                        "dose": {"mg_per_kg": 0.5, "soft_max_mg_per_kg": 1, "bounds_mg_per_kg": [0.1, 1]}},
                       "iv.toml")


# -- the REMS form -------------------------------------------------------------------------------------------
def full_form(**changes) -> dict:
    form = dict(benzodiazepines=False, sedative_hypnotics=True, psychostimulants=False, maois=False,
                medications_which="zolpidem 10 mg at night", monitored_by="Ada Lovelace", lot="EK2291",
                vitals_ok_before=True, vitals_ok_end=True, bp_pre="120/80", bp_40=" 142 / 88 ", bp_end="124/80",
                sedation=True, sedation_resolved=True, dissociation=False, respiratory_depression=False,
                serious_adverse_events=False, ready_at=iso_utc(T0 + timedelta(minutes=90)))
    form.update(changes)
    return form


def test_every_required_field_is_named_while_missing():
    assert R.missing({}) == ["Monitoring staff", "Lot number", "Benzodiazepines",
                             "Non-benzodiazepine sedative hypnotics", "Psychostimulants", "MAOIs",
                             "Vitals acceptable before administration", "Vitals acceptable at completion",
                             "Sedation", "Dissociation", "Respiratory depression", "Serious adverse events",
                             "BP prior to administration", "BP 40 min after administration",
                             "BP prior to completion", "When the patient would have been ready to leave"]
    assert R.missing(full_form()) == []
    # a yes asks for its follow-up: which drugs (once), resolved?, what event
    assert R.missing(full_form(maois=True, medications_which=" ", dissociation=True,
                               serious_adverse_events=True)) == [
        "Which medications", "Dissociation resolved?", "What the serious adverse event was"]
    assert R.missing(full_form(sedation_resolved=False)) == []


def test_the_form_payload_computes_minutes_and_keeps_every_answer():
    s = session()
    p = R.form_payload(full_form(), s, T0 + timedelta(minutes=131))
    assert p["total_monitoring_min"] == 131 and p["ready_min"] == 90 and p["dose_mg"] == 56.0
    assert p["medications"] == {"benzodiazepines": False, "sedative_hypnotics": True, "psychostimulants": False,
                                "maois": False, "which": "zolpidem 10 mg at night"}
    assert p["blood_pressure"] == {"bp_pre": [120, 80], "bp_40": [142, 88], "bp_end": [124, 80]}
    assert p["sedation"] == {"observed": True, "resolved": True}
    assert p["dissociation"] == {"observed": False, "resolved": None}
    assert p["serious_adverse_events"] == {"any": False, "what": None}
    sae = R.form_payload(full_form(serious_adverse_events=True, serious_adverse_events_what="syncope",
                                   sedative_hypnotics=False), s, T0 + timedelta(minutes=131))
    assert sae["serious_adverse_events"] == {"any": True, "what": "syncope"} and sae["medications"]["which"] is None


@pytest.mark.parametrize("changes, says", [
    ({"lot": ""}, "is missing: Lot number"),
    ({"maois": "no"}, "MAOIs must be answered yes or no"),
    ({"sedation_resolved": "yes"}, "Sedation resolved\\? must be answered yes or no"),
    ({"bp_40": "142-88"}, "BP 40 min after administration must be systolic/diastolic"),
    ({"bp_end": "90/95"}, "BP prior to completion 90/95 is not plausible"),
    ({"bp_pre": "300/80"}, "not plausible"),
    ({"lot": "x" * 41}, "Lot number must be a text of at most 40"),
    ({"ready_at": "half past ten"}, "must be a time, got 'half past ten'"),
    ({"ready_at": iso_utc(T0 - timedelta(minutes=1))}, "must lie between the first device and now"),
    ({"ready_at": iso_utc(T0 + timedelta(minutes=200))}, "must lie between the first device and now"),
])
def test_a_wrong_answer_is_refused_naming_the_field(changes, says):
    with pytest.raises(Refused, match=says):
        R.form_payload(full_form(**changes), session(), T0 + timedelta(minutes=131))


def test_the_form_needs_dosing_to_have_started():
    with pytest.raises(Refused, match="dosing has not started"):
        R.form_payload(full_form(), session(infusion_started_at=None), T0 + timedelta(minutes=131))


def test_the_last_vitals_are_the_trusted_ones_with_the_pulse_rate_for_a_missing_heart_rate():
    from roomcontrol.domain.vitals import Reading
    latest = {"pulse_rate": Reading("pulse_rate", 77, "/min", at(1)),
              "spo2": Reading("spo2", 97, "%", at(1), flags=frozenset({"artifact"})),
              "nibp_systolic": Reading("nibp_systolic", None, "mmHg", at(1))}
    assert D.last_vitals(latest) == {"pulse_rate": (77, at(1)), "heart_rate": (77, at(1))}
    latest["heart_rate"] = Reading("heart_rate", 70, "/min", at(2))
    assert D.last_vitals(latest)["heart_rate"] == (70, at(2))
