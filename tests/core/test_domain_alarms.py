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


# -- clinical (non-limit) alarms --------------------------------------------------------------------------------
def test_a_clinical_alarm_is_raised_once_with_its_own_words_and_cleared_by_the_engine():
    engine = AlarmEngine(AlarmRules({}), new_id=lambda: "c1")
    raised = engine.raise_clinical(AlarmBoard(), "advisory:bp-high-twice", "Two readings — BP 186/112", value=186)
    assert raised == [(K.ALARM_RAISED, {"alarm_id": "c1", "condition": "advisory:bp-high-twice", "priority": "medium",
                                        "value": 186, "latching": False, "held_s": 0,
                                        "text": "Two readings — BP 186/112"})]
    board = apply(AlarmBoard(), *raised[0], NOW)
    alarm = board.for_condition("advisory:bp-high-twice")
    assert alarm.clinical and not alarm.technical and alarm.text == "Two readings — BP 186/112"
    assert engine.raise_clinical(board, "advisory:bp-high-twice", "again") == []
    assert engine.clear_clinical(board, "advisory:bp-high-twice", "answered") == [
        (K.ALARM_CLEARED, {"alarm_id": "c1", "condition": "advisory:bp-high-twice", "reason": "answered"})]
    assert engine.clear_clinical(AlarmBoard(), "responsiveness", "answered") == []
    with pytest.raises(ValueError, match="priority must be one of high, medium, low"):
        engine.raise_clinical(board, "responsiveness", "x", priority="urgent")


def test_acknowledging_a_clinical_alarm_clears_it_and_it_escalates_like_any_other():
    m = Monitoring(AlarmRules({}, escalate_after_s=60), new_id=lambda: "c2")
    for kind, payload in m.raise_clinical("responsiveness", "No response to the check (2 min)"):
        m.board = apply(m.board, kind, payload, NOW)
    escalated = m.tick(NOW + timedelta(seconds=60), armed=True)
    assert escalated[0][0] == K.ALARM_ESCALATED and escalated[0][1]["priority"] == "high"
    acked = m.acknowledge("c2", "rn.ada")
    assert [k for k, _ in acked] == [K.ALARM_ACKNOWLEDGED, K.ALARM_CLEARED]
    assert m.clear_clinical("responsiveness", "x")[0][0] == K.ALARM_CLEARED
