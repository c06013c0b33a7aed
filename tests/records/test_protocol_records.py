"""Issue 15, Show: the protocol on the records. Each shipped protocol's scenario, played with vitals, gives a PDF
that names the protocol (title under the clinic's name, id and version with the dose) and its plan, a FHIR Bundle
whose Procedure instantiates the protocol (urn:roomcontrol:protocol:<id>|<version>) and CSV files whose every row
carries the protocol; a nasal dose reads as devices (esketamine, nasal route), not as an infusion at a rate."""

from __future__ import annotations

import csv
import shutil
import subprocess
from datetime import timezone

import pytest

from roomcontrol.records.csvout import write_csv
from roomcontrol.records.fhir import build_bundle, validate_bundle
from roomcontrol.records.loader import load_record
from roomcontrol.records.entries import ProtocolRef, plan_text
from roomcontrol.ui.report import render_pdf
from tests.records.protocol_sessions import SHIPPED, START, clinic_config, protocol_session

TITLES = {"ketamine-depression": "IV ketamine, depression (0.5 mg/kg over 40 min)",
          "ketamine-pain": "IV ketamine, chronic pain (1.0 mg/kg over 4 h)",
          "esketamine-nasal": "Esketamine nasal spray (Spravato) 56/84 mg"}
VERSIONS = {"ketamine-depression": 1, "ketamine-pain": 1, "esketamine-nasal": 2}  # 2: draw_before_dose


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """protocol id → its scenario's record (played once for the module, about 2 s)."""
    out = {}
    for pid in SHIPPED:
        data = tmp_path_factory.mktemp(pid)
        out[pid] = load_record(data, protocol_session(data, pid))
    return out


@pytest.mark.parametrize("pid", SHIPPED)
def test_the_record_names_the_protocol_as_logged(records, pid):
    record = records[pid]
    assert record.protocol == ProtocolRef(pid, VERSIONS[pid], TITLES[pid])
    assert record.protocol.cited == f"{pid} v{VERSIONS[pid]}"
    assert record.outcome == "discharged"


def test_the_plan_in_words_and_the_dose_given(records):
    assert plan_text(records["ketamine-depression"].plan) == "0.5 mg/kg × 68 kg = 34 mg over 40 min at 51 mg/h"
    pain = records["ketamine-pain"]
    assert plan_text(pain.plan) == "1 mg/kg × 80 kg = 80 mg over 240 min at 20 mg/h"
    # titrated up for 90 min (25 mg/h) and back: 20 × 1 h + 25 × 1.5 h + 20 × (1.5 h + 10 s)
    assert len(pain.infusion.segments) == 3 and pain.dose_given_mg == pytest.approx(87.83, abs=0.01)
    nasal = records["esketamine-nasal"]
    assert plan_text(nasal.plan) == "56 mg as 2 devices of 28 mg, 5 min apart (0.8 mg/kg at 70 kg)"
    assert nasal.fixed_dose and nasal.dose_given_mg == 56.0 and nasal.phase_name("infusing") == "Dosing"
    assert records["ketamine-pain"].phase_name("infusing") == "Infusing"
    one = dict(nasal.plan, dose_mg=28, devices=1)
    assert plan_text(one) == "28 mg as 1 device of 28 mg (0.8 mg/kg at 70 kg)"


@pytest.mark.parametrize("pid", SHIPPED)
def test_fhir_procedure_instantiates_the_protocol(records, pid):
    bundle = build_bundle(records[pid], clinic_config())
    validate_bundle(bundle)
    resources: dict = {}
    for e in bundle["entry"]:  # the first of each type: the Procedure, then the dose's MedicationAdministration
        resources.setdefault(e["resource"]["resourceType"], e["resource"])
    procedure = resources["Procedure"]
    assert procedure["instantiatesCanonical"] == [f"urn:roomcontrol:protocol:{pid}|{VERSIONS[pid]}"]
    assert procedure["code"]["text"] == TITLES[pid]
    assert procedure["note"][0]["text"] == f"Protocol: {TITLES[pid]} ({pid} v{VERSIONS[pid]})"
    given = resources["MedicationAdministration"]
    drug = given["medicationCodeableConcept"]["coding"][0]
    route = given["dosage"]["route"]["coding"][0]
    if pid == "esketamine-nasal":
        assert (drug["code"], drug["display"], route["display"]) == ("N06AX27", "esketamine", "Nasal route")
        assert given["dosage"]["dose"]["value"] == 56.0 and "rateQuantity" not in given["dosage"]
        assert given["dosage"]["text"].startswith("56 mg as 2 devices of 28 mg, 5 min apart")
    else:
        assert (drug["code"], route["display"]) == ("N01AX03", "Intravenous route")


def test_csv_rows_carry_the_protocol(records, tmp_path):
    for pid in SHIPPED:
        for path in write_csv(records[pid], tmp_path / pid):
            rows = list(csv.DictReader(path.open(encoding="utf-8")))
            assert rows and all((r["protocol"], r["protocol_version"]) == (pid, str(VERSIONS[pid])) for r in rows), \
                path.name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is missing: apt-get install poppler-utils")
@pytest.mark.parametrize("pid", SHIPPED)
def test_the_pdf_names_the_protocol_and_its_plan(records, pid, tmp_path):
    pdf = render_pdf(records[pid], tmp_path / "r.pdf", clinic_name="Harbour Ketamine Clinic", room_name="Room 2",
                     tz=timezone.utc, generated_at=START)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    first = " ".join(text.split("\f")[0].split())
    assert TITLES[pid] in first and f"Protocol {pid}, version {VERSIONS[pid]}" in first
    assert "Intravenous ketamine infusion" not in first
    if pid == "esketamine-nasal":
        for fact in ("DOSE ", "PRESCRIBED dose 56 mg as 2 devices of 28 mg, 5 min apart",
                     "Devices", "1 at 08:37 by Cleo Ramos;", "08:42 by Cleo Ramos",  # named: the scenario's accounts
                     "Dose GIVEN 56 mg of 56 mg prescribed", "CONTROLLED SUBSTANCE",
                     "56 mg drawn = 56 mg given + 0 mg wasted"):  # draw_before_dose: the devices drawn
            assert fact in first, fact
        whole = " ".join(text.split())
        assert "CHECKS BEFORE DOSING AND BASELINE" in whole and "Identity confirmed" in whole
        assert "mg/h" not in first and "Infusing" not in first
    else:
        assert "DOSE AND INFUSION" in first and "mg/kg ×" in first
    if pid == "ketamine-pain":  # the segments and the chart both on page 1
        assert "Total 241 min 87.83 mg" in first and "VITALS, WHOLE SESSION" in first
