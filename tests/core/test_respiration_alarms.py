"""Respiratory depression: RR and EtCO2 limits with the defaults a sedation clinic uses, configurable in room.toml,
and a capnograph gone quiet raising a stale alarm. Readings enter the engine as a driver posts them."""

import pytest

from roomcontrol.config import ConfigError
from roomcontrol.config.room import DEFAULT_ALARMS, load_config
from roomcontrol.domain.vitals import STREAMING_KINDS
from tests.core.test_alarms import feed, kinds, room  # noqa: F401  (room: the infusing room fixture)


def raised(room):
    return {e.payload["condition"]: e.payload["priority"] for e in room.log.events() if e.kind == "alarm.raised"}


def test_the_defaults_are_those_documented():
    assert DEFAULT_ALARMS["respiratory_rate"] == {"low": 8, "high": 30, "priority": "high", "delay_s": 20,
                                                  "latching": False}
    assert DEFAULT_ALARMS["etco2"] == {"low": 25, "high": 50, "priority": "medium", "delay_s": 15,
                                       "latching": False}
    assert "etco2" in STREAMING_KINDS


def test_slow_breathing_is_a_high_priority_alarm_after_its_delay(room):
    feed(room, "respiratory_rate", 14, 3)
    feed(room, "respiratory_rate", 6, 15)
    assert "respiratory_rate.low" not in raised(room)  # a pause in breathing shorter than the delay
    feed(room, "respiratory_rate", 6, 10)
    assert raised(room)["respiratory_rate.low"] == "high"
    feed(room, "respiratory_rate", 12, 2)
    assert kinds(room)[-1] == ("alarm.cleared", "respiratory_rate.low")


@pytest.mark.parametrize("value,condition", [(58, "etco2.high"), (18, "etco2.low")])
def test_etco2_out_of_range_is_a_medium_alarm(room, value, condition):
    feed(room, "etco2", 38, 3)
    feed(room, "etco2", value, 17)
    assert raised(room) == {condition: "medium"}


def test_a_capnograph_gone_quiet_raises_a_stale_alarm(room):
    feed(room, "etco2", 38, 3)
    room.clock.advance(16)
    room.tick()
    assert ("alarm.raised", "etco2.stale") in kinds(room)


def load_config_text(tmp_path, text):
    path = tmp_path / "room.toml"
    path.write_text(text)
    return load_config(path)


def test_room_toml_sets_and_refuses_etco2_limits(tmp_path):
    cfg = load_config_text(tmp_path, '[alarms.etco2]\nlow = 20\nhigh = 55\npriority = "high"\n')
    limit = cfg.alarms.limits["etco2"]
    assert (limit.low, limit.high, limit.priority, limit.delay_s) == (20, 55, "high", 15)
    with pytest.raises(ConfigError, match=r"alarms\.etco2\.high.*5.*100"):
        load_config_text(tmp_path, "[alarms.etco2]\nhigh = 120\n")
    assert "etco2" not in load_config_text(tmp_path, "[alarms.etco2]\nenabled = false\n").alarms.limits
