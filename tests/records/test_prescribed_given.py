"""The record separates the dose PRESCRIBED (the plan at opening, corrected if corrected) from the dose GIVEN
(the prescribed rate × the time actually infused), in the model and in the PDF."""

from __future__ import annotations

import subprocess

from roomcontrol.records.loader import load_record
from roomcontrol.ui.report import write_report
from tests.core.helpers import NURSE, confirm_checks, discharged, make_room
from tests.records.test_pdf import needs_pdftotext


def _session(tmp_path):
    room = make_room(tmp_path)
    room.command("open_session", NURSE, patient_ref="PT-9", weight_kg=70, dose_mg_per_kg=1.5,
                 planned_infusion_min=40, high_dose_confirmed=True)
    confirm_checks(room)
    opened = next(e for e in room.log.events() if e.kind == "session.opened")
    room.command("correct_event", NURSE, seq=opened.seq, reason="scale re-read: 80 kg", changes={"weight_kg": 80})
    room.command("start_infusion", NURSE)
    room.clock.advance(20 * 60)
    room.command("stop_infusion", NURSE, reason="patient asked to stop")
    sid = discharged(room)
    return sid


def test_prescribed_is_the_corrected_plan_and_given_is_rate_times_time(tmp_path):
    sid = _session(tmp_path)
    r = load_record(tmp_path, sid)
    rx = r.prescribed
    assert rx.corrected and rx.original["weight_kg"] == 70.0 and rx.correction_reasons == ("scale re-read: 80 kg",)
    assert rx.total_dose_mg == r.total_dose_mg == 120.0 and r.plan["rate_mg_per_h"] == 180.0   # 80 kg × 1.5
    assert rx.high_dose_confirmed_by == NURSE and rx.soft_max_mg_per_kg == 1.0
    assert r.infusion.infused_min == 20 and r.dose_given_mg == 60.0                        # 180 mg/h × 20 min


@needs_pdftotext
def test_the_pdf_shows_prescribed_and_given_apart(tmp_path):
    sid = _session(tmp_path)
    write_report(tmp_path, None, sid, tmp_path / "r.pdf")
    out = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True)
    text = " ".join(out.stdout.split())  # reading order, not layout: a cell's wrapped lines stay together
    assert "1.5 mg/kg × 80 kg = 120 mg over" in text and "PRESCRIBED dose" in text
    assert "(was 1.5 mg/kg × 70 kg = 105 mg over 40 min; reason: scale" in text
    assert "Dose GIVEN 60 mg = 180 mg/h × 20 min infused" in text
    assert "High dose above the usual maximum of 1 mg/" in text and "confirmed by rn.ada" in text
