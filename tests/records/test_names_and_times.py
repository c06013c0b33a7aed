"""The chart names people (the staff table) and gives spans in minutes and seconds, never "40.64 min"."""

from __future__ import annotations

import shutil
from datetime import timezone

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.records.loader import load_record
from roomcontrol.records.entries import duration
from roomcontrol.ui.report import render_pdf
from tests.records.session_factory import START
from tests.records.test_pdf import needs_pdftotext, pdf_text


@pytest.mark.parametrize("minutes, text", [(40.64, "40 min 38 s"), (40.0, "40 min"), (0.75, "45 s"),
                                           (32.0, "32 min"), (None, "–"), (2.999, "3 min")])
def test_duration_reads_as_minutes_and_seconds(minutes, text):
    assert duration(minutes) == text


@pytest.fixture
def named(played, tmp_path):
    """The standard session's database with the nurse's account added (the scenario names rn.ada)."""
    data_dir, sid = played
    copy = tmp_path / "room"
    shutil.copytree(data_dir, copy)
    add_staff(copy, "rn.ada", "Ada Lovelace", "nurse", "2468")
    return copy, sid


def test_the_record_names_staff_from_the_staff_table_and_falls_back_to_the_id(named, played):
    data_dir, sid = named
    record = load_record(data_dir, sid)
    assert record.staff_names["rn.ada"] == "Ada Lovelace"
    assert record.name(record.opened_by) == "Ada Lovelace"
    assert record.name("rn.unknown") == "rn.unknown"
    assert load_record(played[0], sid).name("rn.ada") == "rn.ada"  # no account: the id as logged
    assert record.opened_by == "rn.ada"  # the record's data keeps the ids; only what is shown is named


@needs_pdftotext
def test_the_pdf_shows_names_and_minutes_and_seconds(named, tmp_path):
    data_dir, sid = named
    pdf = render_pdf(load_record(data_dir, sid), tmp_path / "r.pdf", clinic_name="C", room_name="R",
                     tz=timezone.utc, generated_at=START)
    flat = " ".join(pdf_text(pdf).split())
    assert "by Ada Lovelace" in flat and "by rn.ada" not in flat
    assert "40 min of 40 min (pauses excluded)" in flat
    assert "Recovery 31 min" in flat or "Recovery 30 min" in flat
    assert "3 min" in flat  # the pause's length
    for decimal in ("40.0 min", "31.0 min", "3.0"):
        assert decimal not in flat, decimal
