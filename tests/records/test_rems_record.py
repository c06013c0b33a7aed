"""Issue 15 items 7 and 8 in the record: the session PDF of an esketamine discharge shows the escort and each
overridden rule (who, why), and a page mapped to the SPRAVATO REMS Patient Monitoring Form's sections."""

from __future__ import annotations

import subprocess
from datetime import timezone

import pytest

from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import render_pdf
from tests.core.discharge_help import CADSS_0, ESCORT, rems_form, vitals
from tests.core.helpers import BASELINE, NURSE, PADSS_10, make_room
from tests.core.protocol_crash_child import protocols_config
from tests.records.test_pdf import needs_pdftotext, pdf_text


@pytest.fixture(scope="module")
def discharged(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rems")
    r = make_room(data_dir, protocols_config())
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal", dose_mg=84)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        r.command("confirm_checklist", NURSE, item=item)
    r.command("record_baseline", NURSE, **BASELINE)
    r.command("start_infusion", NURSE)
    r.clock.advance(10 * 60)
    r.command("complete_infusion", NURSE)
    r.clock.advance(122 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    r.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    vitals(r)
    form = rems_form(r, psychostimulants=True, medications_which="methylphenidate 10 mg",
                     serious_adverse_events=True, serious_adverse_events_what="vasovagal syncope at 20 min")
    r.command("discharge", NURSE, **ESCORT, rems=form, overrides={"moaas": "baseline MOAA/S is 4 (hearing loss)"},
              signed_by="adm.kim")
    sid = r.state.session.session_id
    r.close()
    return data_dir, sid


@needs_pdftotext
def test_the_pdf_shows_the_overrides_the_escort_and_the_rems_page(discharged, tmp_path):
    data_dir, sid = discharged
    pdf = render_pdf(load_record(data_dir, sid), tmp_path / "r.pdf", clinic_name="C", room_name="R",
                     tz=timezone.utc)
    text = pdf_text(pdf)
    assert "Grace Hopper, phone +1 555 010 2030" in text
    row = next(line for line in text.splitlines() if "No MOAA/S scored since the last dose;" in line)
    assert "MOAA/S" in row and "baseline MOAA/S is 4 (hearing" in row and "adm.kim" in row  # rule, why, who
    pages = text.split("\f")
    rems = next(p for p in pages if "SPRAVATO REMS" in p)
    for words in ("CONCOMITANT MEDICATION", "Psychostimulants", "methylphenidate 10 mg", "Monitoring staff",
                  "Ada Lovelace", "EK2291", "84 mg (3 devices)", "132 min", "ready to leave 90 min after the",
                  "120/80 mmHg", "138/86 mmHg", "124/80 mmHg", "Sedation", "Respiratory depression",
                  "vasovagal syncope at 20 min"):
        assert words in rems, words
    # the page as an image, to look at (docs/ has the first pages; this one is checked by eye in review)
    last = len(pages) - (1 if pages[-1].strip() == "" else 0)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(last), "-l", str(last), str(pdf),
                    str(tmp_path / "rems")], check=True)
    assert list(tmp_path.glob("rems*.png"))
