"""The alarm rules' guards that the room tests do not reach (roomcontrol.domain.alarms, .monitoring)."""

from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.alarms import AlarmBoard, AlarmEngine, AlarmRules, Limit, apply
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.monitoring import Monitoring
from roomcontrol.domain.vitals import UNITS, Reading

NOW = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)
SPO2_LOW = Limit("spo2", 90, None, "high", 10, False)


def reading(kind: str, value: float, at: datetime = NOW) -> Reading:
    return Reading(kind, value, UNITS[kind], at)


def test_an_alarm_event_for_an_alarm_not_on_the_board_changes_nothing():
    board = AlarmBoard()
    for kind in (K.ALARM_ACKNOWLEDGED, K.ALARM_CLEARED, K.ALARM_ESCALATED):
        assert apply(board, kind, {"alarm_id": "gone", "by": "nurse"}, NOW) is board


def test_a_delay_running_out_raises_no_second_alarm_for_a_condition_already_raised():
    engine = AlarmEngine(AlarmRules({"spo2": SPO2_LOW}), new_id=lambda: "a1")
    assert engine.reading(AlarmBoard(), reading("spo2", 85), NOW) == []  # held: waiting out its 10 s
    raised = apply(AlarmBoard(), K.ALARM_RAISED, {"alarm_id": "a0", "condition": "spo2.low", "priority": "high"}, NOW)
    assert engine.tick(raised, NOW + timedelta(seconds=11)) == []


def test_a_monitor_baseline_needs_an_nibp_of_the_last_15_minutes():
    m = Monitoring(AlarmRules({}), new_id=lambda: "x")
    old = NOW - timedelta(minutes=16)
    m.reading(reading("nibp_systolic", 120, old), old, armed=False)
    m.reading(reading("nibp_diastolic", 80, old), old, armed=False)
    m.reading(reading("heart_rate", 70), NOW, armed=False)
    m.reading(reading("spo2", 98), NOW, armed=False)
    with pytest.raises(Refused, match="over 15 minutes old"):
        m.baseline(NOW)
    m.reading(reading("nibp_systolic", 118), NOW, armed=False)
    m.reading(reading("nibp_diastolic", 76), NOW, armed=False)
    assert m.baseline(NOW) == {"heart_rate": 70, "spo2": 98, "nibp_systolic": 118, "nibp_diastolic": 76,
                               "source": "monitor"}
