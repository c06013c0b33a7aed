"""A reading the nurse charted (vitals.validated, issue #15 item 2) and a MOAA/S score in the record: the PDF's vitals
table marks the charted reading and lists it with who charted it, the FHIR Observation of that BP carries the
nurse as performer and a note, the vitals CSV names her on its rows, and MOAA/S is exported as the other scales."""

from __future__ import annotations

import csv
import subprocess

import pytest

from roomcontrol.config import load_config
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.records import commands
from roomcontrol.records.fhir import validate_bundle
from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import write_report
from tests.core.helpers import NURSE, discharged, make_room, walk_to
from tests.records.test_pdf import needs_pdftotext


@pytest.fixture(scope="module")
def charted(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("charted")
    room = make_room(data_dir, load_config(None))        # ketamine-depression: BP every 15 min of the infusion
    walk_to(room, "infusing")
    room.clock.advance(21 * 60)
    now = room.clock.now()
    for kind, v in (("nibp_systolic", 128.0), ("nibp_diastolic", 82.0), ("nibp_mean", 97.0)):
        room.post_reading(Reading(kind, v, UNITS[kind], now, now, frozenset(), "simulated"))
    room.pump()
    room.command("validate_reading", NURSE, item="nibp@dose+15")
    room.command("record_assessment", NURSE, scale="MOAA/S", items={"responsiveness": 4})
    room.clock.advance(19 * 60)
    room.command("complete_infusion", NURSE)
    sid = discharged(room)
    return data_dir, sid


def test_the_record_holds_the_charted_reading_and_matches_it_to_the_stored_bp(charted):
    r = load_record(*charted)
    (v,) = r.validated
    assert (v.by, v.item, v.reading["nibp_systolic"], v.reading["nibp_diastolic"]) == (
        NURSE, "BP during the infusion", 128, 82)
    (bp,) = [s for s in r.samples("nibp_systolic") if s.value == 128]
    assert r.validation_of(bp.ts) == v and r.validation_of(None) is None
    assert [(a.scale, a.score) for a in r.assessments if a.scale == "MOAA/S"] == [("MOAA/S", 4), ("MOAA/S", 5)]


@needs_pdftotext
def test_the_pdf_marks_the_charted_reading_and_lists_it(charted, tmp_path):
    data_dir, sid = charted
    write_report(data_dir, None, sid, tmp_path / "r.pdf")
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                         check=True, timeout=60)
    lines = [" ".join(line.split()) for line in out.stdout.splitlines()]
    text = " ".join(lines)
    assert any("128/82 ✓" in line for line in lines)
    assert "readings charted by the nurse" in text.lower()
    assert any("BP during the infusion NIBP 128/82 (97) mmHg" in line and NURSE in line for line in lines)
    assert "MOAA/S" in text


def test_fhir_gives_the_charted_bp_its_performer_and_note_and_moaas_its_observation(charted):
    data_dir, sid = charted
    bundle = commands.export_fhir(data_dir, None, sid[:8])
    validate_bundle(bundle)
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    bps = [o for o in obs if o["code"]["coding"][0]["code"] == "85354-9"
           and any(c["valueQuantity"]["value"] == 128 for c in o.get("component", []))]
    (bp,) = bps
    assert bp["performer"][0]["identifier"]["value"] == NURSE
    assert bp["note"][0]["text"].startswith(f"Validated by {NURSE} at ") and "BP during the infusion" in \
        bp["note"][0]["text"]
    others = [o for o in obs if o["code"]["coding"][0]["code"] == "85354-9" and o is not bp]
    # the baseline, and the monitor's BP before discharge (auto-captured: no performer, no note)
    assert [o.get("note", [{}])[0].get("text") for o in others] == ["Baseline before the infusion (typed)", None]
    assert "performer" not in others[1]
    moaas, _ = [o for o in obs if o["code"]["coding"][0]["code"] == "MOAA/S"]
    assert moaas["code"]["coding"][0]["display"].startswith("Modified Observer's Assessment of Alertness/Sedation")
    assert (moaas["valueInteger"], moaas["note"][0]["text"]) == (4, "score 4 of 5")


def test_the_vitals_csv_names_the_nurse_on_the_charted_rows(charted, tmp_path):
    data_dir, sid = charted
    paths = commands.export_csv(data_dir, sid[:8], tmp_path)
    with next(p for p in paths if p.name.endswith("-vitals.csv")).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    marked = [(r["kind"], r["value"]) for r in rows if r["validated_by"] == NURSE]
    assert sorted(marked) == [("nibp_diastolic", "82.0"), ("nibp_mean", "97.0"), ("nibp_systolic", "128.0")]
    assert all(r["validated_by"] == "" for r in rows if (r["kind"], r["value"]) not in marked)
