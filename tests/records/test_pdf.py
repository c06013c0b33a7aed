"""The PDF record: made from a scripted session and read back with pdftotext (Debian: poppler-utils)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timezone

import pytest

from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import render_pdf, write_report
from tests.records.session_factory import CONFIG, START

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="pdftotext is missing: apt-get install poppler-utils")


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture(scope="module")
def report_text(played, tmp_path_factory):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install poppler-utils")
    data_dir, sid = played
    pdf = tmp_path_factory.mktemp("pdf") / "record.pdf"
    assert write_report(data_dir, CONFIG, sid[:8], pdf, tz=timezone.utc, generated_at=START) == pdf
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf_text(pdf), sid


@needs_pdftotext
def test_the_pdf_holds_the_key_facts(report_text):
    text, sid = report_text
    flat = " ".join(text.split())
    for fact in ("Lakeside Ketamine Clinic", "Room 3 (Willow)", "PT-1042", "COURSE NO.",
                 "9 Mar 2026", sid[:8],
                 "0.5 mg/kg × 72.5 kg", "36.25 mg", "54.38 mg/h", "40 min of 40 min",
                 "patient asked for a short break",
                 "ondansetron 4 mg IV, for nausea", "nausea, moderate",
                 "PHQ-9", "10 / 27", "CADSS-6", "PADSS at discharge 10 / 10",
                 "Escort confirmed YES, confirmed", "Discharged: PADSS 10, escort Sam Okafor (+1 555 014 7788)",
                 "SpO2 low", "VITALS EVERY 5 MINUTES", "BL baseline 72 98 124/78",
                 "WHO DID WHAT", "rn.ada", "name Sam (partner)", "Page 1 of 4"):
        assert fact in flat, fact
    assert "ﬁ" not in text  # no ligatures: "confirmed" is found as typed


@needs_pdftotext
def test_the_vitals_table_has_a_row_every_5_minutes(report_text):
    text, _ = report_text
    rows = re.findall(r"^\s*(\d\d:\d\d)\s+(\d+)\s+(Pre-infusion|Infusing|Paused|Recovery)\s+(\d+)\s+(\d+)"
                      r"\s+(?:\d+/\d+(?: ✓)?|–)\s+(\d+)\s+(\d+)\s*$", text, flags=re.M)
    assert [int(r[1]) for r in rows] == list(range(0, 80, 5))
    assert text.count(" ✓") >= 4  # the BPs the scenario's nurse charted (its validate_reading steps)
    assert all(12 <= int(r[5]) <= 16 and 36 <= int(r[6]) <= 40 for r in rows)  # RR and EtCO2 columns
    assert "EtCO2 mmHg" in text  # the column head and the chart's legend
    assert rows[0][0] == "08:31" and rows[4][2] == "Infusing" and rows[5][2] == "Paused" and rows[-1][2] == "Recovery"


@needs_pdftotext
def test_the_times_print_in_the_zone_asked(played, tmp_path):
    from datetime import timedelta, timezone as tzmod

    data_dir, sid = played
    pdf = render_pdf(load_record(data_dir, sid), tmp_path / "r.pdf", clinic_name="C", room_name="R",
                     tz=tzmod(timedelta(hours=1)), generated_at=START)
    text = pdf_text(pdf)
    assert "UTC+01:00" in text and "09:31 by rn.ada" in text
