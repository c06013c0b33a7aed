"""The chart shows a flagged answer with the nurse's acknowledgement (or that none was given): the record and
the PDF."""

import shutil
import subprocess
from datetime import timezone

import pytest

from roomcontrol.records.model import build_record
from roomcontrol.ui.report import render_pdf
from tests.core.helpers import NURSE, make_room, walk_to

PHQ = {f"q{n}": 1 for n in range(1, 9)}


def record_with_flags(tmp_path, acknowledge: bool):
    room = make_room(tmp_path)
    walk_to(room, "pre_infusion")
    flagged = room.command("record_assessment", "patient", scale="PHQ-9", items={**PHQ, "q9": 3})[0]
    if acknowledge:
        room.clock.advance(90)
        room.command("acknowledge_flag", NURSE, assessment_seq=flagged.seq)
    room.command("record_assessment", "patient", scale="GAD-7", items={f"q{n}": 0 for n in range(1, 8)})
    room.command("abort_session", NURSE, reason="patient declined")
    record = build_record(room.log.events())
    room.close()
    return record, flagged


def test_the_record_carries_the_flag_and_who_acknowledged_it(tmp_path):
    record, flagged = record_with_flags(tmp_path, acknowledge=True)
    phq, gad = record.assessments
    assert phq.flag == "PHQ-9 item 9 (thoughts of death or self-harm) answered 3 of 3"
    assert phq.flag_acknowledged_by == NURSE and (phq.flag_acknowledged_at - flagged.ts).total_seconds() == 90
    assert gad.flag is None and gad.flag_acknowledged_by is None
    assert "acknowledged flags" in record.staff_acts()[NURSE]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is missing: apt-get install poppler-utils")
@pytest.mark.parametrize("acknowledge, words", [
    (True, ("q9 3. FLAGGED: PHQ-9", "acknowledged by rn.ada at 09:01",
            "Flag acknowledged (#3): PHQ-9 item 9 (thoughts of death or self-harm) answered 3 of 3")),
    (False, ("q9 3. FLAGGED: PHQ-9", "NOT acknowledged by a nurse")),
])
def test_the_pdf_shows_the_flag_with_its_acknowledgement(tmp_path, acknowledge, words):
    record, _ = record_with_flags(tmp_path / "room", acknowledge)
    pdf = render_pdf(record, tmp_path / "r.pdf", clinic_name="C", room_name="R", tz=timezone.utc)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert all(w in flat for w in words), flat
