"""The controlled-substance record (issue #15 item 6) in the session's records: the PDF's section (drawn, given,
wasted, witness, discrepancy), the <prefix>-controlled.csv, and the FHIR MedicationAdministration's witness and
notes; an aborted session drawn and never reconciled says so."""

from __future__ import annotations

import csv

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.staff import StaffGate
from roomcontrol.records import commands
from roomcontrol.records.fhir import validate_bundle
from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import write_report
from tests.core.helpers import NURSE, OPEN_ARGS, confirm_checks, discharged, make_room
from tests.records.test_pdf import needs_pdftotext, pdf_text

WITNESS = "rn.bo"


def _room(data_dir):
    add_staff(data_dir, NURSE, "Ada Lee", "nurse", "2468")
    add_staff(data_dir, WITNESS, "Bo Chen", "nurse", "1357")
    room = make_room(data_dir)
    StaffGate(room)
    ControlledRecord(room)
    room.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    return room


@pytest.fixture(scope="module")
def wasted(tmp_path_factory):
    """80 kg × 0.5 mg/kg = 40 mg given; two draws of 10 mg/mL (3 + 2 mL = 50 mg); 0.7 mL wasted: 3 mg short."""
    data_dir = tmp_path_factory.mktemp("cs")
    room, c = _room(data_dir), None
    c = room.command
    c("open_session", NURSE, **OPEN_ARGS)
    c("record_draw", NURSE, mg_per_ml=10, ml=3, lot="KT2291A", expiry="2030-06")
    c("record_draw", NURSE, mg_per_ml=10, ml=2, lot="KT2300B", expiry="2029-12-31")
    confirm_checks(room)
    c("start_infusion", NURSE)
    room.clock.advance(40 * 60)
    c("complete_infusion", NURSE)
    c("record_waste", NURSE, ml=0.7, pin="2468", witness=WITNESS, witness_pin="1357",
      explanation="0.3 mL left in the line")
    sid = discharged(room)
    return data_dir, sid


def test_the_record_carries_the_draws_and_the_witnessed_waste(wasted):
    r = load_record(*wasted)
    cs = r.controlled
    assert [(d.lot, d.mg, d.expiry) for d in cs.draws] == [("KT2291A", 30.0, "2030-06-30"),
                                                           ("KT2300B", 20.0, "2029-12-31")]
    assert cs.waste is not None and (cs.waste.witness, cs.waste.given_mg, cs.waste.mg, cs.waste.discrepancy_mg) == (
        WITNESS, r.dose_given_mg, 7.0, 3.0)


@needs_pdftotext
def test_the_pdf_has_the_controlled_substance_section(wasted, tmp_path):
    data_dir, sid = wasted
    write_report(data_dir, None, sid, tmp_path / "r.pdf")
    text = " ".join(pdf_text(tmp_path / "r.pdf").split())
    assert "CONTROLLED SUBSTANCE" in text
    assert "ketamine 10 mg/mL 3 mL 30 mg KT2291A 2030-06-30 Ada Lee" in text
    assert "ketamine 10 mg/mL 2 mL 20 mg KT2300B 2029-12-31 Ada Lee" in text
    for fact in ("Wasted 7 mg (0.7 mL) by Ada Lee", "WITNESS Bo Chen, who signed with their own PIN at the time",
                 "50 mg drawn − 40 mg given − 7 mg wasted = 3 mg", "DISCREPANCY explained 0.3 mL left in the line"):
        assert fact in text, fact


def test_the_csv_and_the_fhir_administration(wasted, tmp_path):
    data_dir, sid = wasted
    paths = commands.export_csv(data_dir, sid[:8], tmp_path)
    with next(p for p in paths if p.name.endswith("-controlled.csv")).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["lot"], r["drawn_mg"], r["witness"], r["wasted_mg"], r["discrepancy_mg"], r["explanation"])
            for r in rows] == [("KT2291A", "30.0", WITNESS, "7.0", "3.0", "0.3 mL left in the line"),
                               ("KT2300B", "20.0", WITNESS, "7.0", "3.0", "0.3 mL left in the line")]
    bundle = commands.export_fhir(data_dir, None, sid[:8])
    validate_bundle(bundle)
    ket = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration"
               and e["resource"]["medicationCodeableConcept"]["text"] == "ketamine")
    assert [p.get("function", {}).get("text") for p in ket["performer"]] == [
        None, "witness of the controlled-substance waste"]
    notes = [n["text"] for n in ket["note"]]
    assert notes[0] == f"Drawn: ketamine 30 mg (3 mL of 10 mg/mL), lot KT2291A, expires 2030-06-30, by {NURSE}"
    assert notes[2] == (f"Wasted: 7 mg (0.7 mL) by {NURSE}, witnessed by {WITNESS}; drawn 50 mg, given 40 mg, "
                        "discrepancy 3 mg: 0.3 mL left in the line")


@needs_pdftotext
def test_an_aborted_session_drawn_and_not_reconciled(tmp_path):
    room = _room(tmp_path)
    room.command("open_session", NURSE, **OPEN_ARGS)
    room.command("record_draw", NURSE, mg_per_ml=10, ml=5, lot="KT1", expiry="2030-06")
    room.command("abort_session", NURSE, reason="patient declined")
    sid = room.state.session.session_id
    room.close()
    write_report(tmp_path, None, sid, tmp_path / "r.pdf")
    text = " ".join(pdf_text(tmp_path / "r.pdf").split())
    assert "NOT RECONCILED: 50 mg drawn, no waste recorded (the session was aborted)." in text
    assert len(commands.export_csv(tmp_path, sid[:8], tmp_path / "csv")) == 4
