"""The session PDF shows what the protocol's check and advisories did: the checks asked/answered/missed, the
missed-check and advisory alarms in their own words, the pre-dose decision and the nurse's response with who."""

from __future__ import annotations

from datetime import timezone

from roomcontrol.config import load_config
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.ui.report import write_report
from tests.core.helpers import BASELINE, NURSE, OPEN_ARGS, confirm_checks, make_room
from tests.records.test_pdf import needs_pdftotext, pdf_text


def run(room, seconds):
    for _ in range(seconds):
        room.clock.advance(1)
        room.tick()


@needs_pdftotext
def test_the_pdf_lists_checks_advisory_alarms_and_decisions(tmp_path):
    config = load_config(None)
    room = make_room(tmp_path, config)
    room.command("open_session", NURSE, **OPEN_ARGS)
    confirm_checks(room, baseline=dict(BASELINE, nibp_systolic=168, nibp_diastolic=96))
    room.command("decide_pre_dose", NURSE, decision="proceed", reason="white-coat, falling")
    room.command("start_infusion", NURSE)
    run(room, 10 * 60 + 4)
    room.command("answer_check", "patient")
    run(room, 10 * 60 - 4 + 125)  # the second check missed
    room.command("acknowledge_alarm", NURSE, condition="responsiveness")
    for sys_, dia in ((186, 112), (184, 111)):
        for kind, value in (("nibp_systolic", sys_), ("nibp_diastolic", dia)):
            room.post_reading(Reading(kind, value, UNITS[kind], room.clock.now(), source="test"))
        room.clock.advance(4 * 60)
    room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="continued",
                 reason="anxious, rechecking")
    sid = room.state.session.session_id
    room.command("abort_session", NURSE, reason="end of test")
    room.close()
    pdf = write_report(tmp_path, config, sid[:8], tmp_path / "r.pdf", tz=timezone.utc)
    flat = " ".join(pdf_text(pdf).split())
    for fact in ("RESPONSIVENESS CHECKS AND ADVISORIES", "Tap if you're OK asked 2, answered 1, median answer 4 s, "
                 "missed 1", "Check 2 missed: no tap within 2 min 00 s",
                 "Pre-dose advisory, decided to proceed: white-coat, falling",
                 "Advisory bp-high-twice answered, infusion continued: anxious, rechecking",
                 "No response to the check (2 min)", "BP 186/112, 184/111 (4 min apart)"):
        assert fact in flat, fact
