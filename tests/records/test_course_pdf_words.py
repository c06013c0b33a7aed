"""The course record's comfort plan in words (ui/report/course_pdf.py comfort_rows)."""

from __future__ import annotations

from roomcontrol.ui.report.course_pdf import comfort_rows


def test_the_chart_reads_the_plan_in_words_with_the_kelvin_kept_for_the_record():
    rows = dict(comfort_rows({"playlist": "nature", "track": "02_ocean.ogg", "volume": 20, "light": 10,
                              "colour_temp_k": 2200, "diffuser": True, "note": "likes to hold a stone"}))
    assert rows == {"Light": "very warm at 10 % (2200 K)", "Music": "Ocean (Nature) at 20 %", "Mist": "on",
                    "Eye mask": "no", "Blanket": "no", "Patient's words": "“likes to hold a stone”"}
    assert dict(comfort_rows({}))["Music"] == "the room's music at 30 %"


def test_a_plan_this_version_cannot_read_is_shown_key_by_key_as_given():
    assert comfort_rows({"light": 10, "scent": "lavender", "eye_mask": True, "note": ""}) == [
        ("light", "10"), ("scent", "lavender"), ("eye mask", "yes"), ("note", "–")]
    assert comfort_rows("odd") == []
