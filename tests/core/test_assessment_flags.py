"""PHQ-9 item 9 above zero flags the nurse: the flag is the session's (its fold), stays until a nurse sends
acknowledge_flag (logged as assessment.flag_acknowledged, with who), and is refused for anything else."""

import pytest

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.flags import flag_text, flagged_item
from roomcontrol.domain.wording import ACT_NAMES, describe
from tests.core.helpers import NURSE, make_room, walk_to

PHQ = {f"q{n}": 1 for n in range(1, 9)}


def test_item_9_above_zero_flags_until_a_nurse_acknowledges(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "pre_infusion")
    quiet = room.command("record_assessment", "patient", scale="PHQ-9", items={**PHQ, "q9": 0})[0]
    gad = room.command("record_assessment", "patient", scale="GAD-7", items={f"q{n}": 3 for n in range(1, 8)})[0]
    assert room.state.session.flags == ()
    flagged = room.command("record_assessment", "patient", scale="PHQ-9", items={**PHQ, "q9": 2})[0]
    (flag,) = room.state.session.pending_flags
    assert (flag.seq, flag.scale, flag.item, flag.value, flag.pending) == (flagged.seq, "PHQ-9", "q9", 2, True)
    assert describe(flagged) == ("PHQ-9 recorded: score 10 — FLAGGED: PHQ-9 item 9 (thoughts of death or "
                                 "self-harm) answered 2 of 3")
    assert describe(quiet) == "PHQ-9 recorded: score 8"

    for seq in (quiet.seq, gad.seq, 9999):
        with pytest.raises(Refused, match=rf"assessment #{seq} has no flag to acknowledge; flagged and not yet "
                                          rf"acknowledged: #{flagged.seq}"):
            room.command("acknowledge_flag", NURSE, assessment_seq=seq)
    assert not C.AcknowledgeFlag(assessment_seq=flagged.seq).patient_may()  # a nurse's act, never the patient's

    ack = room.command("acknowledge_flag", NURSE, assessment_seq=flagged.seq)[0]
    assert (ack.kind, ack.actor, ack.session_id) == (K.ASSESSMENT_FLAG_ACKNOWLEDGED, NURSE, flagged.session_id)
    assert ack.payload == {"assessment_seq": flagged.seq, "scale": "PHQ-9", "item": "q9", "value": 2}
    assert describe(ack) == (f"Flag acknowledged (#{flagged.seq}): PHQ-9 item 9 (thoughts of death or self-harm) "
                             "answered 2 of 3")
    assert ACT_NAMES[K.ASSESSMENT_FLAG_ACKNOWLEDGED] == "acknowledged flags"
    (flag,) = room.state.session.flags
    assert flag.acknowledged_by == NURSE and flag.acknowledged_at == ack.ts and not room.state.session.pending_flags
    with pytest.raises(Refused, match=rf"the flag on assessment #{flagged.seq} was already acknowledged by {NURSE}"):
        room.command("acknowledge_flag", NURSE, assessment_seq=flagged.seq)
    room.close()


def test_a_room_without_a_session_has_no_flag_to_acknowledge(tmp_path):
    room = make_room(tmp_path)
    with pytest.raises(Refused, match="assessment #3 has no flag to acknowledge; flagged and not yet "
                                      "acknowledged: none"):
        room.command("acknowledge_flag", NURSE, assessment_seq=3)
    room.close()


def test_the_flag_rule_and_its_words():
    assert flagged_item("PHQ-9", {"q9": 1}) == ("q9", 1)
    assert flagged_item("PHQ-9", {"q9": 0}) is None and flagged_item("GAD-7", {"q7": 3}) is None
    assert flag_text("X", "mood", 1, 4) == "X item mood answered 1 of 4"
