"""A corrected entry in the session record: the record (and so the PDF, FHIR and CSV) shows the corrected value,
marked corrected, with the original and the reason."""

from __future__ import annotations

import shutil
from datetime import timezone

import pytest

from roomcontrol.records.csvout import event_rows
from roomcontrol.records.fhir import build_bundle
from roomcontrol.records.loader import load_record
from tests.core.helpers import NURSE, make_room, walk_to
from tests.records.session_factory import START

REASON = "8 mg was drawn up and given; 4 mg was a typo"


@pytest.fixture(scope="module")
def corrected_session(tmp_path_factory):
    """A session with ondansetron charted as 4 mg, corrected to 8 mg after discharge (a chart fix)."""
    data_dir = tmp_path_factory.mktemp("corrected")
    room = make_room(data_dir)
    try:
        walk_to(room, "infusing")
        [given] = room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV",
                               indication="nausea")
        room.command("note_symptom", NURSE, symptom="nausea", severity="mild")
        room.clock.advance(40 * 60)
        room.command("complete_infusion", NURSE)
        room.clock.advance(30 * 60)
        room.command("record_assessment", NURSE, scale="PADSS",
                     items=dict(vital_signs=2, activity=2, nausea_vomiting=2, pain=2, bleeding=2))
        room.command("discharge", NURSE, escort_confirmed=True)
        session_id = room.state.session.session_id
        [fix] = room.command("correct_event", NURSE, seq=given.seq, reason=REASON, changes={"dose": 8})
    finally:
        room.close()
    return data_dir, session_id, given, fix


def test_the_record_shows_the_corrected_dose_marked_corrected(corrected_session):
    data_dir, sid, given, fix = corrected_session
    record = load_record(data_dir, sid)
    [med] = record.medications
    assert (med.drug, med.dose, med.unit, med.route, med.indication) == ("ondansetron", 8, "mg", "IV", "nausea")
    assert med.corrected and med.original["dose"] == 4 and med.correction_reasons == (REASON,)
    [c] = med.corrections
    assert (c.seq, c.by, c.corrects_seq, c.changes, c.was) == (fix.seq, NURSE, given.seq, {"dose": 8}, {"dose": 4})
    assert record.corrections == (c,)
    assert record.last_seq == fix.seq  # the correction is part of the session's record
    [symptom] = record.symptoms
    assert not symptom.corrected and symptom.original is None
    assert record.closing.padss_score == 10
    assert "corrected entries" in record.staff_acts()[NURSE]


def test_fhir_and_csv_carry_the_corrected_dose(corrected_session):
    data_dir, sid, given, fix = corrected_session
    record = load_record(data_dir, sid)
    bundle = build_bundle(record)
    doses = [e["resource"]["dosage"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "MedicationAdministration"
             and e["resource"]["medicationCodeableConcept"].get("text") == "ondansetron"]
    assert [d["text"] for d in doses] == ["8 mg IV"]
    lines = [row["description"] for row in event_rows(record)]
    assert f"Corrected #{given.seq} (medication given: ondansetron): dose 4 → 8; reason: {REASON}" in lines


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is missing: apt-get install poppler-utils")
def test_the_pdf_shows_the_corrected_dose_and_the_correction(corrected_session, tmp_path):
    from roomcontrol.ui.report import write_report
    from tests.records.test_pdf import pdf_text

    data_dir, sid, given, fix = corrected_session
    pdf = write_report(data_dir, None, sid, tmp_path / "record.pdf", tz=timezone.utc, generated_at=START)
    flat = " ".join(pdf_text(pdf).split())
    assert "ondansetron 8 mg IV, for nausea" in flat
    tables = flat.split("EVENT LOG")[0]
    # marked where it is shown, not only in the log (the By column's text may wrap into the cell's lines)
    assert "— corrected (was dose 4; reason:" in tables and "4 mg was a typo)" in tables
    assert "ondansetron 4 mg" not in flat.split("EVENT LOG")[0]  # the tables show only the corrected dose
    assert f"Corrected #{given.seq} (medication given: ondansetron): dose 4 → 8; reason: 8 mg was drawn up" in flat
