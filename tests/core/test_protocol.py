"""Issue 15, item 1: a protocol file parsed into typed values; every mistake named by file, dotted key, value and
what is allowed, all at once; the rules a session follows under a protocol."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import DoseBounds, Range, SessionPolicy
from roomcontrol.domain.protocol import (FixedDose, ProtocolError, Scheduled, WeightDose, chosen, enabled, fixed_plan,
                                         parse_protocol, session_policy)

SHIPPED = Path(__file__).resolve().parents[2] / "protocols"


def shipped(name: str) -> dict:
    with (SHIPPED / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def problems(raw: dict, source: str = "p.toml") -> list[str]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(raw, source)
    assert str(caught.value).startswith(f"{source} has {len(caught.value.problems)} problem")
    return caught.value.problems


def test_the_depression_protocol():
    p = parse_protocol(shipped("ketamine-depression"), "ketamine-depression.toml")
    assert (p.id, p.version, p.session_type, p.source) == ("ketamine-depression", 1, "iv_infusion",
                                                          "ketamine-depression.toml")
    assert p.dose == WeightDose(0.5, 1.0, Range(0.1, 2.0), Range(30, 250)) and p.fixed_dose is None
    assert p.phases.infusion_min == 40 and p.phases.infusion_bounds_min == Range(20, 240)
    assert p.phases.min_recovery_min == 30
    assert p.checks == ("consent", "npo", "escort", "pregnancy_screen", "iv_access")
    assert p.vitals[0] == Scheduled("nibp", "pre_dose", (), None, "BP before dosing")
    assert p.vitals[1] == Scheduled("nibp", "dose", (), 15.0, "BP during the infusion")
    assert [s.what for s in p.scales] == ["PHQ-9", "CADSS-6", "MOAA/S", "PADSS"]
    twice = next(a for a in p.advisories if a.id == "bp-high-twice")
    assert (twice.when, twice.vital, twice.above, twice.diastolic_above, twice.readings, twice.within_min) == \
        ("during", "nibp", 180, 110, 2, 5)
    hr = next(a for a in p.advisories if a.id == "hr-sustained")
    assert (hr.above, hr.sustained_s, hr.readings) == (120, 120, 1)
    assert (p.discharge.moaas, p.discharge.cadss_max, p.discharge.vitals_within_pct, p.discharge.escort,
            p.discharge.min_padss, p.discharge.min_after_last_dose_min) == (5, 0, 20, "required", 9, 30)


def test_the_pain_protocol_is_longer_and_higher():
    p = parse_protocol(shipped("ketamine-pain"), "ketamine-pain.toml")
    assert isinstance(p.dose, WeightDose) and p.dose.mg_per_kg == 1.0 and p.dose.soft_max_mg_per_kg == 1.5
    assert p.phases.infusion_min == 240 and p.phases.min_recovery_min == 60
    assert next(a for a in p.advisories if a.id == "spo2-low").below == 92


def test_the_esketamine_protocol():
    p = parse_protocol(shipped("esketamine-nasal"), "esketamine-nasal.toml")
    assert p.session_type == "intranasal" and p.phases.infusion_min is None
    dose = p.fixed_dose
    assert dose == FixedDose((56.0, 84.0), 56.0, 28.0, 5.0, Range(30, 250))
    assert (dose.devices(56), dose.dosing_min(56), dose.devices(84), dose.dosing_min(84)) == (2, 5, 3, 10)
    assert p.phases.min_recovery_min == 120 and p.discharge.min_after_last_dose_min == 120
    assert [(v.anchor, v.at_min) for v in p.vitals] == [("pre_dose", ()), ("dose", (40.0,)), ("discharge", ())]
    assert p.discharge.min_padss is None and p.discharge.escort == "required"


def test_every_mistake_is_named_at_once():
    raw = shipped("ketamine-depression")
    raw.update({"id": "Bad Id", "version": 0, "title": "", "colour": "blue", "checks": ["consent", "coffee"]})
    raw["phases"].update(infusion_min=600, min_recovery_min=-1, extra=1)
    raw["dose"].update(mg_per_kg=True, bounds_mg_per_kg=[2.0, 0.1], soft_max_mg_per_kg="1")
    raw["vitals"][1]["every_min"] = 0
    raw["scales"][0]["scale"] = "HAM-D"
    raw["advisories"][0]["vital"] = "temperature"
    raw["discharge"]["escort"] = "maybe"
    got = problems(raw)
    assert 'id = "Bad Id": must be 1–48 lower-case letters, digits or \'-\'' in got
    assert "version = 0: must be a whole number from 1 to 9999" in got
    assert 'title = "": must be a non-empty title of at most 80 characters' in got
    assert any(g.startswith("(top level).colour: unknown key; known keys in [(top level)]: id, version") for g in got)
    assert any(g.startswith("checks = ['consent', 'coffee']: must be a list without repeats of \"consent\"")
               for g in got)
    assert "phases.infusion_min = 600: must be a number from 5 to 480" in got
    assert "phases.min_recovery_min = -1: must be a whole number from 0 to 600" in got
    assert any(g.startswith("phases.extra: unknown key; known keys in [phases]") for g in got)
    assert "dose.mg_per_kg = true: must be a number from 0.05 to 5" in got
    assert "dose.bounds_mg_per_kg = [2.0, 0.1]: must be [low, high] with 0.05 ≤ low < high ≤ 5" in got
    assert 'dose.soft_max_mg_per_kg = "1": must be a number from 0.05 to 5' in got
    assert "vitals[1].every_min = 0: must be a number from 1 to 240" in got
    assert any(g.startswith('scales[0].scale = "HAM-D": must be one of "PADSS"') for g in got)
    assert any(g.startswith('advisories[0].vital = "temperature": must be one of "nibp"') for g in got)
    assert 'discharge.escort = "maybe": must be one of "required", "advised", "not_required"' in got


def test_missing_keys_and_wrong_shapes():
    got = problems({"phases": [], "dose": 3, "vitals": {"measure": "nibp"}, "discharge": "soon"})
    assert "id: missing; must be 1–48 lower-case letters, digits or '-'" in got
    assert any(g.startswith("version: missing;") for g in got)
    assert any(g.startswith("title: missing;") for g in got)
    assert 'session_type: missing; must be one of "iv_infusion", "intranasal"' in got
    assert "phases = []: must be a table" in got and "dose = 3: must be a table" in got
    assert "vitals = {'measure': 'nibp'}: must be an array of tables ([[vitals]])" in got
    assert 'discharge = "soon": must be a table' in got
    assert any(g.startswith("phases.infusion_min: missing;") for g in got)
    assert any(g.startswith("dose.mg_per_kg: missing;") for g in got)


def test_values_that_disagree_with_each_other():
    raw = shipped("ketamine-depression")
    raw["phases"].update(infusion_min=300)
    raw["dose"].update(mg_per_kg=2.5, soft_max_mg_per_kg=0.3, bounds_mg_per_kg=[0.2, 2.0])
    got = problems(raw)
    assert "phases.infusion_min = 300.0: must lie inside phases.infusion_bounds_min [20, 240]" in got
    assert "dose.mg_per_kg = 2.5: must lie inside dose.bounds_mg_per_kg [0.2, 2]" in got
    assert ("dose.soft_max_mg_per_kg = 0.3: must lie inside dose.bounds_mg_per_kg [0.2, 2] and be at least "
            "dose.mg_per_kg (2.5)") in got


def test_schedules_need_their_times_and_only_where_they_mean_something():
    raw = shipped("ketamine-depression")
    raw["vitals"] = [{"measure": "nibp", "anchor": "pre_dose", "at_min": [5]},
                     {"measure": "nibp", "anchor": "dose"},
                     {"measure": "pulse", "anchor": "noon", "at_min": [5, 5], "colour": 1}]
    got = problems(raw)
    assert ('vitals[0]: anchor "pre_dose" is one check (before dosing, before leaving); at_min and every_min are '
            "for the anchors dose and recovery") in got
    assert 'vitals[1]: anchor "dose" needs at_min (minutes from the anchor) or every_min' in got
    assert any(g.startswith('vitals[2].measure = "pulse": must be one of "nibp"') for g in got)
    assert any(g.startswith('vitals[2].anchor = "noon": must be one of "pre_dose"') for g in got)
    assert "vitals[2].at_min = [5, 5]: must be a list of 1 to 48 different minutes from 0 to 600" in got
    assert any(g.startswith("vitals[2].colour: unknown key; known keys in [vitals[2]]: measure, anchor") for g in got)


def test_advisories_need_a_limit_a_window_and_a_unique_id():
    raw = shipped("ketamine-depression")
    raw["advisories"] = [
        {"id": "a", "when": "during", "vital": "heart_rate", "says": "x"},
        {"id": "a", "when": "later", "vital": "heart_rate", "above": 120, "diastolic_above": 90, "readings": 3,
         "says": ""},
    ]
    got = problems(raw)
    assert "advisories[0]: needs a limit: above, below (or diastolic_above for nibp)" in got
    assert 'advisories[1].id = "a": must differ from every other advisory\'s id' in got
    assert 'advisories[1].when = "later": must be one of "pre_dose", "during"' in got
    assert 'advisories[1].diastolic_above: only for vital = "nibp"' in got
    assert "advisories[1].within_min: missing; readings = 3 needs the minutes they fall within" in got
    assert 'advisories[1].says = "": must be a non-empty text of at most 200 characters' in got


def test_fixed_dose_mistakes():
    raw = shipped("esketamine-nasal")
    raw["phases"]["infusion_min"] = 10
    raw["dose"].update(choices_mg=[56, 70], default_mg=28, device_mg=28)
    got = problems(raw)
    assert ('phases.infusion_min: only for session_type = "iv_infusion"; an intranasal protocol\'s dosing time '
            "follows from dose.device_interval_min") in got
    assert "dose.choices_mg = [56.0, 70.0]: each dose must be a whole number of devices of dose.device_mg (28 mg)" \
        in got
    assert "dose.default_mg = 28.0: must be one of dose.choices_mg (56, 70)" in got
    raw = shipped("esketamine-nasal")
    raw["dose"] = {"choices_mg": "56"}
    got = problems(raw)
    assert any(g.startswith('dose.choices_mg = "56": must be a list of 1 to 6 different doses') for g in got)
    assert any(g.startswith("dose.device_mg: missing;") for g in got)


def test_defaults_of_optional_keys():
    raw = copy.deepcopy(shipped("ketamine-depression"))
    for key in ("checks", "vitals", "scales", "advisories", "discharge"):
        raw.pop(key)
    raw["phases"].pop("infusion_bounds_min")
    raw["dose"].pop("weight_bounds_kg")
    p = parse_protocol(raw, "p.toml")
    assert p.checks == () and p.vitals == () and p.advisories == ()
    assert p.phases.infusion_bounds_min == Range(5, 480) and p.dose.weight_kg == Range(30, 250)
    assert (p.discharge.min_after_last_dose_min, p.discharge.moaas, p.discharge.escort) == (30, 5, "required")


ROOM = SessionPolicy(planned_infusion_min=45, min_recovery_min=20, required_checklist=("consent",),
                     min_padss_for_discharge=8, require_escort=False, default_dose_mg_per_kg=0.4,
                     soft_max_dose_mg_per_kg=0.8, bounds=DoseBounds(concentration_mg_per_ml=Range(1, 5)))


def test_a_session_follows_its_protocol_and_the_room_where_it_gives_nothing():
    depression = parse_protocol(shipped("ketamine-depression"), "d")
    nasal = parse_protocol(shipped("esketamine-nasal"), "n")
    assert session_policy(ROOM, None) is ROOM
    rules = session_policy(ROOM, depression)
    assert (rules.planned_infusion_min, rules.default_dose_mg_per_kg, rules.soft_max_dose_mg_per_kg) == (40, 0.5, 1.0)
    assert rules.bounds == DoseBounds(Range(30, 250), Range(0.1, 2.0), Range(20, 240), Range(1, 5))
    assert rules.required_checklist == depression.checks and rules.require_escort
    assert (rules.min_recovery_min, rules.min_padss_for_discharge) == (30, 9)
    rules = session_policy(ROOM, nasal)
    assert rules.planned_infusion_min == 5 and rules.min_recovery_min == 120
    assert rules.min_padss_for_discharge == 8                # the protocol gives none: the room's
    assert rules.default_dose_mg_per_kg == 0.4 and rules.bounds.weight_kg == Range(30, 250)


def test_choosing_a_protocol():
    depression = parse_protocol(shipped("ketamine-depression"), "d")
    pain = parse_protocol(shipped("ketamine-pain"), "p")
    room = SessionPolicy(protocols=(depression, pain))
    assert chosen(room, None) is depression and chosen(room, "ketamine-pain") is pain
    assert chosen(SessionPolicy(), None) is None
    with pytest.raises(Refused, match="protocol 'esketamine-nasal' is not enabled in this room; enabled: "
                                      "ketamine-depression, ketamine-pain"):
        chosen(room, "esketamine-nasal")
    with pytest.raises(Refused, match="enabled: none"):
        chosen(SessionPolicy(), "ketamine-pain")
    assert enabled(room, "ketamine-pain") is pain and enabled(room, None) is None and enabled(room, "x") is None


def test_the_fixed_dose_plan():
    dose = parse_protocol(shipped("esketamine-nasal"), "n").fixed_dose
    assert fixed_plan(dose, 80, None) == {
        "weight_kg": 80.0, "dose_mg": 56.0, "devices": 2, "device_interval_min": 5.0, "dose_mg_per_kg": 0.7,
        "total_dose_mg": 56.0, "planned_infusion_min": 5.0, "rate_mg_per_h": None,
        "concentration_mg_per_ml": None, "rate_ml_per_h": None}
    assert fixed_plan(dose, 80, 84)["devices"] == 3
    with pytest.raises(Refused, match=r"the dose must be one of this protocol's: 56 mg or 84 mg, got 70"):
        fixed_plan(dose, 80, 70)
    with pytest.raises(Refused, match=r"weight must be a number \(30–250 kg\), got 20"):
        fixed_plan(dose, 20, 56)
    with pytest.raises(Refused, match="got True"):
        fixed_plan(dose, True, 56)


# Any value a TOML file can hold, put at any key of a shipped protocol: parsed, or refused with ProtocolError,
# never another exception (a clinic's typo must stop the room with a message, not a traceback).

TOML_VALUES = st.recursive(
    st.booleans() | st.integers(-10**6, 10**6)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


def _keys(raw, path=()):
    yield path
    if isinstance(raw, dict):
        for k, v in raw.items():
            yield from _keys(v, (*path, k))
    elif isinstance(raw, list):
        for i, v in enumerate(raw):
            yield from _keys(v, (*path, i))


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["ketamine-depression", "ketamine-pain", "esketamine-nasal"]), data=st.data())
def test_any_value_anywhere_is_parsed_or_named(name, data):
    raw = shipped(name)
    paths = [p for p in _keys(raw) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(TOML_VALUES)
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        parse_protocol(raw, "p.toml")
    except ProtocolError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
