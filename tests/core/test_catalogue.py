"""The command catalogue: each command declared once with its arguments and audience, by-name commands checked
against it, the engine's handlers bound to it, and a command's result carrying the room right after it."""

import dataclasses

import pytest

from roomcontrol.domain import catalogue as C
from roomcontrol.domain.commands import DECIDES
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.staff import StaffGate
from tests.core.helpers import NURSE, OPEN_ARGS, make_room


def test_every_command_is_declared_once_and_handled_once(tmp_path):
    # + acknowledge_flag, answer_call (#11), change_rate, record_draw, record_waste, give_device, answer_check,
    # decide_pre_dose, respond_advisory, start_nibp, validate_reading (#15),
    # set_comfort_plan (#16)
    assert len(C.CATALOGUE) == len({cls.__name__ for cls in C.CATALOGUE.values()}) == 36
    assert all(cls.name == name for name, cls in C.CATALOGUE.items())
    with pytest.raises(ValueError, match="declared twice"):
        C.command("add_note")(type("AddNoteAgain", (C.Command,), {"__annotations__": {"text": "str"}}))
    room = make_room(tmp_path)
    assert set(room.unbound()) == {"apply_scene", "set_ambient", "test_device", "start_nibp", "unlock", "lock",
                                   "record_draw", "record_waste", "set_comfort_plan"}
    with pytest.raises(RuntimeError, match="no handler bound for .*apply_scene"):
        room.start()
    with pytest.raises(ValueError, match="already has a handler"):
        room.bind(C.AddNote, lambda command, actor, now: [])
    with pytest.raises(ValueError, match="not a command of the catalogue"):
        room.bind(dataclasses.make_dataclass("Teleport", [], bases=(C.Command,)), lambda command, actor, now: [])
    with pytest.raises(Refused, match="apply_scene is not available in this room"):
        room.command("apply_scene", NURSE, scene="calm")
    devices = RoomDevices(room, room.config, audio=False)
    StaffGate(room)
    ControlledRecord(room)
    assert room.unbound() == [] and set(DECIDES) <= set(C.CATALOGUE.values())
    devices.close()
    room.close()


@pytest.mark.parametrize("name,args,match", [
    ("teleport", {}, r"unknown command 'teleport'"),
    ("open_session", {"patient_ref": "PT-1"}, r"open_session: missing weight_kg"),
    ("open_session", {**OPEN_ARGS, "colour": "blue"},
     r"open_session: unknown argument 'colour'; it takes patient_ref, weight_kg, course_no"),
    ("open_session", {**OPEN_ARGS, "weight_kg": True}, r"open_session: weight_kg must be a number, got True"),
    ("open_session", {**OPEN_ARGS, "course_no": 2.0}, r"course_no must be a whole number, got 2.0"),
    ("open_session", {**OPEN_ARGS, "dose_mg_per_kg": "0.5"}, r"dose_mg_per_kg must be a number or none, got '0.5'"),
    ("discharge", {"escort_confirmed": 1}, r"discharge: escort_confirmed must be true or false, got 1"),
    ("record_assessment", {"scale": "GAD-7", "items": [1, 2]}, r"items must be a table"),
    ("set_ambient", {"target": "light", "value": None}, r"value must be a number or true or false or text"),
    ("call_nurse", {"loud": True}, r"call_nurse: unknown argument 'loud'; it takes no arguments"),
])
def test_by_name_commands_are_refused_with_the_argument_and_what_is_allowed(name, args, match):
    with pytest.raises(Refused, match=match):
        C.parse(name, args)


def test_parse_gives_the_typed_command_with_defaults_and_details():
    assert C.parse("open_session", {"patient_ref": "PT-1", "weight_kg": 70}) == C.OpenSession(
        patient_ref="PT-1", weight_kg=70, course_no=1)
    checked = C.parse("confirm_checklist", {"item": "escort", "name": "Sam"})
    assert checked.details == {"name": "Sam"} and checked.args() == {
        "item": "escort", "hours_since_solids": None, "hours_since_clear_fluids": None, "name": "Sam"}


def test_audience():
    assert C.parse("unlock", {"staff_id": "rn.ada", "pin": "1"}).audience == C.ANYONE
    assert C.CallNurse().patient_may() and C.SetAmbient(target="light", value=20).patient_may()
    assert C.RecordAssessment(scale="PHQ-9", items={}).patient_may()
    assert not C.RecordAssessment(scale="PADSS", items={}).patient_may()
    assert not C.AddNote(text="x").patient_may() and C.AddNote.audience == C.STAFF


def test_a_typed_command_is_checked_and_its_result_carries_the_snapshot(tmp_path):
    room = make_room(tmp_path)
    result = room.send(C.OpenSession(patient_ref="PT-1", weight_kg=70), NURSE).result(5)
    assert [e.kind for e in result.events] == ["session.opened"]
    assert result.snapshot.phase == "pre_infusion" and result.snapshot.last_seq == result.events[-1].seq
    with pytest.raises(Refused, match="add_note: text must be text, got 3"):
        room.send(C.AddNote(text=3), NURSE).result(5)
    room.close()
