"""The log's lines in the nurse's words (roomcontrol.domain.wording): the kinds the screen tests do not show."""

from datetime import datetime, timezone

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.events import Event
from roomcontrol.domain.wording import correction_changes, describe

NOW = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)


def event(kind: str, payload: dict) -> Event:
    return Event(1, "e1", "room-1", "s1", NOW, kind, "nurse.kim", payload)


@pytest.mark.parametrize("kind, payload, line", [
    (K.INFUSION_STOPPED, {"infused_min": 12.5, "planned_infusion_min": 40, "reason": "nausea"},
     "Infusion stopped early after 12 min 30 s of 40 min: nausea"),
    (K.INFUSION_COMPLETED, {"infused_min": 40.6, "planned_infusion_min": 40},
     "Infusion completed: 40 min 36 s of 40 min"),
    (K.INFUSION_COMPLETED, {"planned_infusion_min": 40}, "Infusion completed: – of 40 min"),
    (K.NOTE_ADDED, {"text": "resting"}, "Note: resting"),
    (K.ALARM_CONDITION_GONE, {"condition": "spo2.low"}, "Alarm condition over, awaiting acknowledgement: SpO2 low"),
    (K.STAFF_LOCKED_OUT, {"staff_id": "kim"}, "kim locked out after wrong PINs"),
    (K.ROOM_STARTED, {"version": "1.2"}, "RoomControl 1.2 started"),
    ("custom.thing", {"light_percent": 12.0, "fast": True}, "custom.thing: light percent 12, fast yes"),
    ("custom.thing", {}, "custom.thing"),
])
def test_describe(kind, payload, line):
    assert describe(event(kind, payload)) == line


def test_a_correction_shows_an_empty_value_as_a_dash_and_a_flag_as_yes_or_no():
    assert correction_changes({"indication": None, "escort": True}, {"indication": "nausea", "escort": False}) == \
        "indication nausea → –, escort no → yes"


def test_a_corrected_dose_plan_reads_as_a_nurse_says_it_with_each_unit_after_the_value():
    changes = {"weight_kg": 72, "total_dose_mg": 144, "rate_mg_per_h": 216}
    was = {"weight_kg": 70, "total_dose_mg": 140, "rate_mg_per_h": 210}
    assert correction_changes(changes, was) == "weight 70 → 72 kg, total dose 140 → 144 mg, rate 210 → 216 mg/h"
    assert correction_changes({"hours_since_solids": 8}, {"hours_since_solids": 6}) == "hours since solids 6 → 8 h"
    assert correction_changes({"spo2": 97}, {}) == "SpO2 – → 97 %"  # an unknown old value is a dash


def test_clinical_alarms_are_worded_by_their_own_text_and_condition():
    from roomcontrol.domain.alarms import Alarm, AlarmView
    from roomcontrol.domain.wording import alarm_text, condition_label
    assert condition_label("responsiveness") == "No response to the check"
    assert condition_label("advisory:hr-sustained") == "Advisory hr-sustained"
    alarm = Alarm("a", "advisory:spo2-low", "medium", datetime(2026, 1, 5, tzinfo=timezone.utc), 90,
                  text="SpO2 below 92 — SpO2 90 %")
    assert alarm_text(AlarmView(alarm)) == "SpO₂ below 92 — SpO₂ 90 %"


def test_a_clinical_alarm_raised_is_described_by_its_text():
    raised = event(K.ALARM_RAISED, {"alarm_id": "a", "condition": "responsiveness", "priority": "medium",
                                     "text": "No response to the check (2 min)"})
    assert describe(raised) == "Alarm raised: No response to the check (2 min), medium priority"
    acked = event(K.ALARM_ACKNOWLEDGED, {"alarm_id": "a", "condition": "responsiveness"})
    assert describe(acked) == "Alarm acknowledged: No response to the check"
