"""The vitals parsers' refusals that the protocol tests do not reach, so the parsers stay at 100 % lines
(scripts/check_coverage.py): a wrong setting, a line too long or not hex, a broken MSH, a date that does not exist,
an MLLP frame that never ends."""

from datetime import datetime, timezone

import pytest

from roomcontrol.devices.vitals.hl7_oru import Hl7Error, label_table, parse_dtm, split_msh
from roomcontrol.devices.vitals.masimo import BadLine, MasimoParser
from roomcontrol.devices.vitals.mllp import MAX_MESSAGE, MllpDeframer, mllp_frame
from roomcontrol.devices.vitals.nonin import NoninParser

NOW = datetime(2026, 11, 24, 9, 5, 2, tzinfo=timezone.utc)


def test_nonin_takes_only_data_formats_2_and_7():
    with pytest.raises(ValueError, match="data_format must be 2 or 7"):
        NoninParser(data_format=13)


@pytest.mark.parametrize("line, why", [
    (b"09/15/10 15:10:29 SPO2=097% " + b"X" * 512, "too long"),
    (b"09/15/10 15:10:29 SPO2=097% BPM=064 ALARM=2G EXC=800", "not hex: '2G'"),
])
def test_masimo_bad_lines(line, why):
    parser = MasimoParser(device_tz=timezone.utc)
    with pytest.raises(BadLine, match=why):
        parser.parse_line(line, NOW)
    assert parser.feed(line + b"\r\n", NOW) == [] and parser.counters["bad_lines"] == 1


def test_masimo_dashes_in_alarm_and_exception_fields_are_no_flags():
    line = b"09/15/10 15:10:29 SPO2=097% ALARM=---- EXC=------"
    readings = MasimoParser(device_tz=timezone.utc).parse_line(line, NOW)
    assert [(r.kind, r.value, r.flags) for r in readings] == [("spo2", 97.0, frozenset())]


@pytest.mark.parametrize("sep", ["A", " "])
def test_hl7_msh_needs_a_field_separator_that_is_not_a_letter_or_space(sep):
    with pytest.raises(Hl7Error, match="bad field separator in MSH"):
        split_msh(f"MSH{sep}^~\\&{sep}MONITOR{sep}ICU")


def test_hl7_label_table_maps_only_to_known_kinds():
    assert label_table({"my-hr": "heart_rate"})["MY-HR"] == "heart_rate"
    with pytest.raises(ValueError, match=r"unknown kinds: \['pulse'\]"):
        label_table({"HR": "pulse"})


@pytest.mark.parametrize("text", ["20261324", "20260230120000"])
def test_hl7_time_that_does_not_exist_is_refused(text):
    with pytest.raises(Hl7Error, match=f"bad HL7 time '{text}'"):
        parse_dtm(text, timezone.utc)


def test_an_mllp_frame_that_never_ends_is_dropped_and_the_next_one_taken():
    d = MllpDeframer()
    assert d.feed(b"\x0b" + b"x" * MAX_MESSAGE) == []  # over the limit with no end: dropped, not kept growing
    assert d.counters["broken_frames"] == 1
    assert d.feed(mllp_frame("MSH|ok")) == [b"MSH|ok"]


def test_hl7_times_past_the_calendar_are_bad_times_not_crashes():
    """Found by bench/fuzz.py: year 1 or 9999 with an offset overflows the conversion to UTC."""
    import pytest

    from roomcontrol.devices.vitals.hl7_oru import Hl7Error, parse_dtm
    for text in ("00010101000000+0100", "99991231235959-0100", "20260101000000+2400"):
        with pytest.raises(Hl7Error, match="bad HL7 time"):
            parse_dtm(text)
