"""A dose above the clinic's soft maximum: refused without an explicit confirmation, logged with who confirmed;
the soft maximum in room.toml; the dose given (rate × time infused)."""

import pytest

from roomcontrol.config.room import parse_config
from roomcontrol.domain.dose import HIGH_DOSE_UNCONFIRMED, HighDoseUnconfirmed, given_mg, is_high, plan_dose
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import SessionPolicy
from tests.core.helpers import NURSE, OPEN_ARGS, make_room


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    yield r
    r.close()


def test_a_high_dose_is_refused_without_the_confirmation(room):
    with pytest.raises(HighDoseUnconfirmed) as refused:
        room.command("open_session", NURSE, **{**OPEN_ARGS, "weight_kg": 70, "dose_mg_per_kg": 2.0})
    assert refused.value.code == HIGH_DOSE_UNCONFIRMED and isinstance(refused.value, Refused)
    assert "dose 2 mg/kg (140 mg, 210 mg/h) is above the clinic's usual maximum of 1 mg/kg" in str(refused.value)
    assert room.state.phase == "idle"
    assert [e.kind for e in room.log.events() if e.kind.startswith(("session.", "dose."))] == []


def test_a_confirmed_high_dose_opens_and_logs_who_confirmed_it(room):
    room.command("open_session", NURSE, **{**OPEN_ARGS, "weight_kg": 70, "dose_mg_per_kg": 2.0},
                 high_dose_confirmed=True)
    assert room.state.phase == "pre_infusion"
    events = [e for e in room.log.events() if e.kind in ("session.opened", "dose.high_confirmed")]
    assert [e.kind for e in events] == ["session.opened", "dose.high_confirmed"]
    confirmed = events[1]
    assert confirmed.actor == NURSE and confirmed.session_id == events[0].session_id
    assert confirmed.payload == {"dose_mg_per_kg": 2.0, "total_dose_mg": 140.0, "rate_mg_per_h": 210.0,
                                 "soft_max_mg_per_kg": 1.0}


def test_at_or_below_the_soft_maximum_no_confirmation_is_asked_or_logged(room):
    room.command("open_session", NURSE, **{**OPEN_ARGS, "dose_mg_per_kg": 1.0}, high_dose_confirmed=True)
    assert "dose.high_confirmed" not in [e.kind for e in room.log.events()]
    assert not is_high(plan_dose(70, 1.0, 40), SessionPolicy())
    assert is_high(plan_dose(70, 1.05, 40), SessionPolicy())


def test_the_soft_maximum_comes_from_room_toml(tmp_path):
    errors = []
    config = parse_config({"session": {"soft_max_dose_mg_per_kg": 0.75}}, errors)
    assert errors == [] and config.session.soft_max_dose_mg_per_kg == 0.75
    r = make_room(tmp_path, config)
    with pytest.raises(HighDoseUnconfirmed, match="usual maximum of 0.75 mg/kg"):
        r.command("open_session", NURSE, **{**OPEN_ARGS, "dose_mg_per_kg": 0.8})
    r.close()


@pytest.mark.parametrize("session, match", [
    ({"soft_max_dose_mg_per_kg": 2.5},
     r"session.soft_max_dose_mg_per_kg = 2.5: must lie inside session.bounds.dose_mg_per_kg \[0.1, 2\]"),
    ({"soft_max_dose_mg_per_kg": 0.4}, r"at least session.default_dose_mg_per_kg \(0.5\)"),
    ({"soft_max_dose_mg_per_kg": "high"}, r"soft_max_dose_mg_per_kg.*must be a number from 0.05 to 5"),
])
def test_a_wrong_soft_maximum_names_the_key_and_what_is_allowed(session, match):
    errors = []
    parse_config({"session": session}, errors)
    assert any(__import__("re").search(match, e) for e in errors), errors


def test_the_dose_given_is_the_rate_times_the_time_infused():
    assert given_mg(210.0, 40 * 60) == 140.0
    assert given_mg(210.0, 20 * 60) == 70.0
    assert given_mg(None, 600) is None and given_mg(True, 600) is None


def test_the_dose_plan_is_corrected_with_its_totals_computed_again(room):
    from tests.core.helpers import walk_to
    walk_to(room, "infusing")
    opened = next(e for e in room.log.events() if e.kind == "session.opened")
    room.command("correct_event", NURSE, seq=opened.seq, reason="weighed again: 75 kg",
                 changes={"weight_kg": 75})
    corrected = [e for e in room.log.events() if e.kind == "event.corrected"][-1]
    assert corrected.actor == NURSE
    assert corrected.payload["changes"] == {"weight_kg": 75.0, "total_dose_mg": 37.5, "rate_mg_per_h": 56.25}
    assert corrected.payload["was"] == {"weight_kg": 80.0, "total_dose_mg": 40.0, "rate_mg_per_h": 60.0}
    assert room.state.session.plan["total_dose_mg"] == 37.5  # the open session follows its corrected plan
    for changes, match in (({"total_dose_mg": 50}, "computed from the weight, the dose and the planned time"),
                           ({"patient_ref": "PT-8"}, "patient reference cannot be corrected"),
                           ({"dose_mg_per_kg": 5}, r"dose 5 mg/kg is outside the allowed 0.1–2 mg/kg")):
        with pytest.raises(Refused, match=match):
            room.command("correct_event", NURSE, seq=opened.seq, reason="x", changes=changes)
