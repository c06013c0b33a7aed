"""Advisory rules (roomcontrol.domain.advisories) at their boundaries: pre-dose limits (above, not at), "two readings
> 180/110 within 5 min" (4 min apart advises, 6 min apart does not), "HR > 120 for 2 min", once per episode, NIBP
made of its systolic and diastolic, and the words the nurse reads."""

from datetime import datetime, timedelta, timezone

from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols
from roomcontrol.domain import advisories as A
from roomcontrol.domain.protocol import Advisory
from roomcontrol.domain.vitals import UNITS, Reading

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
errors: list[str] = []
DEPRESSION, PAIN, ESKETAMINE = load_protocols(["ketamine-depression", "ketamine-pain", "esketamine-nasal"],
                                              SHIPPED_DIR, errors)
assert errors == []


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def r(kind: str, value: float, when: datetime, flags=()) -> Reading:
    return Reading(kind, value, UNITS[kind], when, flags=frozenset(flags))


def nibp(watch: A.AdvisoryWatch, sys_: float, dia: float, when: datetime) -> list[A.Finding]:
    """A measurement as monitors send it: systolic, diastolic and mean at one time."""
    return (watch.reading(r("nibp_systolic", sys_, when)) + watch.reading(r("nibp_diastolic", dia, when))
            + watch.reading(r("nibp_mean", (sys_ + 2 * dia) / 3, when)))


def test_pre_dose_limits_are_above_not_at_and_either_pressure_counts():
    def ids(values):
        return [f.advisory.id for f in A.pre_dose_findings(DEPRESSION, values, T0)]
    assert ids({"nibp_systolic": 160, "nibp_diastolic": 100, "heart_rate": 110}) == []
    assert ids({"nibp_systolic": 161, "nibp_diastolic": 80, "heart_rate": 70}) == ["pre-dose-bp"]
    assert ids({"nibp_systolic": 120, "nibp_diastolic": 101}) == ["pre-dose-bp"]
    assert ids({"nibp_systolic": 170, "nibp_diastolic": 104, "pulse_rate": 111}) == ["pre-dose-bp", "pre-dose-hr"]
    assert ids({"nibp_systolic": 170}) == []  # half a measurement is no reading
    assert A.pre_dose_findings(None, {"nibp_systolic": 200, "nibp_diastolic": 120}, T0) == ()
    found = A.pre_dose_findings(ESKETAMINE, {"nibp_systolic": 150, "nibp_diastolic": 92}, T0)
    assert [f.advisory.id for f in found] == ["pre-dose-bp"]
    assert found[0].readings == "BP 150/92" and found[0].value == 150
    assert found[0].text.startswith("Blood pressure above 140/90 before dosing") and found[0].text.endswith("BP 150/92")


def test_two_readings_4_min_apart_advise_6_min_apart_do_not():
    watch = A.AdvisoryWatch(DEPRESSION)
    assert nibp(watch, 186, 112, at(10)) == []
    found = nibp(watch, 184, 111, at(14))
    assert [f.advisory.id for f in found] == ["bp-high-twice"]
    assert found[0].readings == "BP 186/112, 184/111 (4 min apart)"
    assert found[0].text == "Two readings above 180/110 within 5 min: consider pausing the infusion — " \
                            "BP 186/112, 184/111 (4 min apart)"
    apart = A.AdvisoryWatch(DEPRESSION)
    assert nibp(apart, 186, 112, at(10)) == []
    assert nibp(apart, 184, 111, at(16)) == []  # 6 min: the first has left the window
    assert [f.readings for f in nibp(apart, 190, 100, at(21))] == ["BP 184/111, 190/100 (5 min apart)"]


def test_the_limits_are_strict_and_after_advising_two_new_readings_are_needed():
    watch = A.AdvisoryWatch(DEPRESSION)
    assert nibp(watch, 180, 110, at(0)) == [] and nibp(watch, 180, 110, at(2)) == []  # at the limit: not above
    assert nibp(watch, 181, 90, at(4)) == []
    assert len(nibp(watch, 120, 111, at(6))) == 1  # systolic then diastolic above: two readings
    assert nibp(watch, 185, 115, at(7)) == []  # the episode advised: this one starts a new count
    assert len(nibp(watch, 185, 115, at(8))) == 1


def test_hr_above_120_for_2_min_advises_once_per_episode():
    watch = A.AdvisoryWatch(PAIN)
    assert watch.reading(r("heart_rate", 125, at(0))) == []
    assert watch.reading(r("heart_rate", 130, at(1, 59))) == []
    found = watch.reading(r("heart_rate", 131, at(2)))
    assert [f.advisory.id for f in found] == ["hr-sustained"]
    assert found[0].readings == "HR 131 (above 120 for 2 min)" and found[0].value == 131
    assert watch.reading(r("heart_rate", 140, at(5))) == []  # the same episode
    assert watch.reading(r("heart_rate", 120, at(6))) == []  # back at the limit: the episode ends
    assert watch.reading(r("heart_rate", 121, at(7))) == []
    assert len(watch.reading(r("heart_rate", 122, at(9)))) == 1


def test_a_dip_below_the_limit_restarts_the_sustained_clock():
    watch = A.AdvisoryWatch(PAIN)
    watch.reading(r("heart_rate", 125, at(0)))
    watch.reading(r("heart_rate", 118, at(1)))
    assert watch.reading(r("heart_rate", 125, at(2, 30))) == []
    assert watch.reading(r("pulse_rate", 126, at(4, 30)))[0].advisory.id == "hr-sustained"


def test_a_below_rule_says_below():
    watch = A.AdvisoryWatch(PAIN)
    watch.reading(r("spo2", 91, at(0)))
    found = watch.reading(r("spo2", 90, at(1)))
    assert found[0].readings == "SpO2 90 % (below 92 for 1 min)"


def test_untrusted_and_unknown_readings_and_a_split_measurement_are_not_counted():
    watch = A.AdvisoryWatch(DEPRESSION)
    assert watch.reading(r("heart_rate", 150, at(0), flags=("artifact",))) == []
    assert watch.reading(Reading("heart_rate", None, "/min", at(0))) == []
    assert watch.reading(r("perfusion_index", 3.0, at(0))) == []
    assert watch.reading(r("nibp_systolic", 190, at(0))) == []
    assert watch.reading(r("nibp_diastolic", 120, at(0, 30))) == []  # not the same measurement
    assert watch.reading(r("nibp_systolic", 190, at(0, 30))) == []  # now one: first beyond reading
    assert watch.reading(r("nibp_systolic", 191, at(0, 31))) == []  # a repeat of the same measurement
    assert A.AdvisoryWatch(None).rules == ()


def test_a_rule_with_one_reading_and_a_plain_sample():
    rule = Advisory("rr-low", "during", "respiratory_rate", None, 8, None, 1, None, None, "Breathing slow")
    finding = A.Finding(rule, ((T0, {"value": 7}),))
    assert finding.readings == "RR 7" and A.beyond(rule, {"value": 7}) and not A.beyond(rule, {"value": 8})
    assert A.minutes(45) == "45 s" and A.minutes(150) == "2 min 30 s" and A.condition("x") == "advisory:x"
