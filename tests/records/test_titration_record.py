"""A titrated infusion in the record (issue #15, item 5): the rate segments with their times, rate and mg and the total
in the model and the PDF, the total and each segment in the FHIR MedicationAdministration, the rate changes in the
events CSV."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from roomcontrol.records import commands
from roomcontrol.records.fhir import validate_bundle
from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import write_report
from tests.core.helpers import NURSE, discharged, make_room, walk_to
from tests.records.test_pdf import needs_pdftotext


@pytest.fixture(scope="module")
def titrated(tmp_path_factory):
    """80 kg, 0.5 mg/kg over 40 min = 60 mg/h: 10 min at 60, 20 min at 30, a 5 min pause, 10 min at 90 = 35 mg."""
    data_dir = tmp_path_factory.mktemp("titrated")
    room = make_room(data_dir)
    walk_to(room, "infusing")
    room.clock.advance(10 * 60)
    room.command("change_rate", NURSE, rate_mg_per_h=30, reason="dissociation too deep")
    room.clock.advance(20 * 60)
    room.command("pause_infusion", NURSE, reason="bathroom")
    room.clock.advance(5 * 60)
    room.command("change_rate", NURSE, rate_mg_per_h=90, reason="patient comfortable")
    room.command("resume_infusion", NURSE)
    room.clock.advance(10 * 60)
    room.command("complete_infusion", NURSE)
    sid = discharged(room)
    return data_dir, sid


def test_the_record_has_the_segments_the_rate_changes_and_the_exact_total(titrated):
    r = load_record(*titrated)
    inf = r.infusion
    assert [(s.rate_mg_per_h, round(s.running_s(r.closed_at) / 60)) for s in inf.segments] == [
        (60.0, 10), (30.0, 20), (90.0, 10)]
    assert r.dose_given_mg == 35.0 and inf.infused_min == 40 and inf.titrated
    assert [(c.from_mg_per_h, c.to_mg_per_h, c.reason, c.at_infused_s, c.by) for c in inf.rate_changes] == [
        (60.0, 30.0, "dissociation too deep", 600.0, NURSE), (30.0, 90.0, "patient comfortable", 1800.0, NURSE)]


@needs_pdftotext
def test_the_pdf_shows_each_segment_and_the_total(titrated, tmp_path):
    data_dir, sid = titrated
    write_report(data_dir, None, sid, tmp_path / "r.pdf")
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                         check=True, timeout=60)
    lines = [" ".join(line.split()) for line in out.stdout.splitlines()]
    text = " ".join(lines)
    assert "Dose GIVEN 35 mg over 3 rate segments (40 min infused, titrated 2×; below)" in text
    segments = [line for line in lines if line.split(" ")[0] in ("1", "2", "3") and "mg/h" in line]
    assert [line.split(" ")[3:] for line in segments] == [
        ["60", "mg/h", "10", "min", "10", "mg"], ["30", "mg/h", "20", "min", "10", "mg"],
        ["90", "mg/h", "10", "min", "15", "mg"]]
    assert any(line.startswith("Total 40 min 35 mg") for line in lines)
    assert "60 → 30 mg/h 10 min dissociation too deep" in text and "30 → 90 mg/h 30 min patient comfortable" in text


def test_the_fhir_administration_carries_the_total_and_each_segment(titrated):
    data_dir, sid = titrated
    bundle = commands.export_fhir(data_dir, None, sid[:8])
    validate_bundle(bundle)
    ket = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration"
               and e["resource"]["medicationCodeableConcept"]["text"] == "ketamine")
    assert ket["dosage"]["dose"]["value"] == 35.0 and "rateQuantity" not in ket["dosage"]
    assert "over 3 rate segments" in ket["dosage"]["text"]
    notes = [n["text"] for n in ket["note"]]
    assert notes[0].endswith("at 60 mg/h: 10 mg") and notes[1].endswith("at 30 mg/h: 10 mg")
    assert notes[2].endswith("at 90 mg/h: 15 mg")
    assert notes[3].endswith(f"by {NURSE} from 60 to 30 mg/h: dissociation too deep")


def test_the_events_csv_has_the_rate_changes(titrated, tmp_path):
    data_dir, sid = titrated
    paths = commands.export_csv(data_dir, sid[:8], tmp_path)
    with next(p for p in paths if p.name.endswith("-events.csv")).open(encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if row["kind"] == "infusion.rate_changed"]
    assert [json.loads(row["payload_json"])["to_mg_per_h"] for row in rows] == [30.0, 90.0]
    assert rows[0]["description"] == ("Rate changed from 60 to 30 mg/h after 10 min 00 s infused: "
                                      "dissociation too deep")
