"""The command catalogue: every command the room's engine accepts, declared once as a frozen dataclass.

A declaration gives the command's name, its arguments with their types and defaults, and who may send it.
`parse(name, args)` turns a by-name command (a scenario step, a script, a test) into the typed object, refusing
an unknown name, a missing or unknown argument and a wrong type with a message naming the argument. Handlers
take the typed object: the domain's in roomcontrol.domain.commands, the engine's bound by the engine
(`Room.bind`), which refuses a name that is not declared here.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any, Callable, ClassVar, TypeVar, dataclass_transform, get_args, get_origin, get_type_hints

from roomcontrol.domain.errors import Refused

# Who may send a command (DESIGN.md, The screen). The actor "system" (scenarios, the room itself) may send any.
STAFF = "staff"      # a nurse signed in on this room, under their own staff id
PATIENT = "patient"  # also the patient from the chair (record_assessment: only the patient's own scales)
ANYONE = "anyone"    # signed in or not (unlock, lock)
PATIENT_SCALES = frozenset({"PHQ-9", "GAD-7"})
# What a nurse may do from the clinic station (docs/STATION.md): the room's engine runs it under her staff id with
# via="station". Audio pause stays in the room: silencing a room from afar is not an act on the patient.
STATION_COMMANDS = ("acknowledge_alarm", "answer_call")

CATALOGUE: dict[str, type[Command]] = {}
_Declared = TypeVar("_Declared", bound="type[Command]")


@dataclass_transform(frozen_default=True, kw_only_default=True)
def command(name: str, audience: str = STAFF, *, details: bool = False) -> Callable[[_Declared], _Declared]:
    """Declare a command. `details=True`: further named arguments are kept in its `details` table."""
    def declare(cls: _Declared) -> _Declared:
        if name in CATALOGUE:
            raise ValueError(f"command {name!r} is declared twice")
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)  # in place: without slots it returns cls itself
        cls.name, cls.audience, cls.takes_details = name, audience, details
        CATALOGUE[name] = cls
        return cls
    return declare


class Command:
    """The base of every declared command (its class attributes are set by `command`)."""
    name: ClassVar[str]
    audience: ClassVar[str]
    takes_details: ClassVar[bool]
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]  # every command is a dataclass

    def args(self) -> dict[str, Any]:
        """The arguments by name, as a by-name command gives them (details spread out)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "details"}
        return {**out, **getattr(self, "details", {})}

    def patient_may(self) -> bool:
        return self.audience in (PATIENT, ANYONE)

    def needs_admin(self) -> bool:
        """Whether this command, with these arguments, may come only from an administrator (the staff gate asks)."""
        return False


# -- the session (handled in roomcontrol.domain.commands) ----------------------------------------------------
@command("open_session")
class OpenSession(Command):
    patient_ref: str
    weight_kg: float
    course_no: int = 1
    dose_mg_per_kg: float | None = None
    planned_infusion_min: float | None = None
    concentration_mg_per_ml: float | None = None
    high_dose_confirmed: bool = False  # a dose above the soft maximum is refused without it
    protocol: str | None = None        # one the room enables (protocols/<id>.toml); None: the room's first
    dose_mg: float | None = None       # a fixed-dose (intranasal) protocol's dose, one of its choices


@command("confirm_checklist", details=True)
class ConfirmChecklist(Command):
    item: str
    hours_since_solids: float | None = None
    hours_since_clear_fluids: float | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


@command("record_baseline")
class RecordBaseline(Command):
    heart_rate: float
    spo2: float
    nibp_systolic: float
    nibp_diastolic: float
    source: str = "typed"


@command("start_infusion")
class StartInfusion(Command):
    pass


@command("pause_infusion")
class PauseInfusion(Command):
    reason: str


@command("resume_infusion")
class ResumeInfusion(Command):
    pass


@command("change_rate")
class ChangeRate(Command):
    """Titration while infusing or paused: the new rate, why, and the high-dose confirmation when it needs one."""
    rate_mg_per_h: float
    reason: str
    high_dose_confirmed: bool = False  # a rate above the soft maximum over the planned time is refused without it


@command("give_device")
class GiveDevice(Command):
    """A fixed-dose (intranasal) session's next nasal device, given now: the first starts the dosing (after the
    protocol's checks), each next one no sooner than the protocol's interval, the last one ends the dosing."""


@command("complete_infusion")
class CompleteInfusion(Command):
    pass


@command("stop_infusion")
class StopInfusion(Command):
    reason: str


@command("record_assessment", PATIENT)
class RecordAssessment(Command):
    scale: str
    items: dict[str, Any]

    def patient_may(self) -> bool:
        return self.scale in PATIENT_SCALES


@command("acknowledge_flag")
class AcknowledgeFlag(Command):
    assessment_seq: int  # the assessment.recorded whose answer was flagged (PHQ-9 item 9)


@command("note_symptom", details=True)
class NoteSymptom(Command):
    symptom: str
    severity: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


@command("give_medication")
class GiveMedication(Command):
    drug: str
    dose: float
    unit: str
    route: str
    indication: str | None = None


@command("add_note")
class AddNote(Command):
    text: str


@command("call_nurse", PATIENT)
class CallNurse(Command):
    pass


@command("answer_call")
class AnswerCall(Command):
    """The nurse answers the patient's pending call (logged with the response time)."""


@command("discharge")
class Discharge(Command):
    escort_confirmed: bool = False
    override_reason: str | None = None  # an administrator discharges despite an active high-priority alarm
    escort_name: str | None = None      # under a protocol: the escort named with a phone number
    escort_phone: str | None = None
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)  # unmet protocol rule → admin's reason
    signed_by: str | None = None        # the administrator who signed the overrides with their PIN just now
    rems: dict[str, Any] | None = None  # the REMS Patient Monitoring Form's fields (a protocol with rems = true)
    save_comfort_plan: bool = True  # keep the session's comfort plan for next time (comfort.plan_saved)

    def needs_admin(self) -> bool:
        return self.override_reason is not None


@command("abort_session")
class AbortSession(Command):
    reason: str


# -- the controlled-substance record (handlers bound by roomcontrol.engine.controlled: it checks the PINs) --------
@command("record_draw")
class RecordDraw(Command):
    """The vial or syringe drawn for the session: the protocol's drug, its concentration, the volume, lot, expiry."""
    mg_per_ml: float
    ml: float
    lot: str
    expiry: str                # as on the label: YYYY-MM-DD or YYYY-MM
    drug: str | None = None    # None: the session's protocol's drug


@command("record_waste")
class RecordWaste(Command):
    """The waste, signed at the time by the nurse and a second staff member, each with their own PIN: the one
    command carries both, so no command can add a witness afterwards."""
    ml: float                  # left to waste, at the drawn concentration
    pin: str = dataclasses.field(repr=False)          # the nurse's own PIN, entered again on the waste panel
    witness: str
    witness_pin: str = dataclasses.field(repr=False)
    explanation: str | None = None  # required when drawn ≠ given + wasted beyond the tolerance
# -- the protocol's checks and advisories (handlers in roomcontrol.engine.responsiveness / .advisories) --------
@command("answer_check", PATIENT)
class AnswerCheck(Command):
    """The patient's tap on the "tap if you're OK" check (domain.responsiveness)."""


@command("decide_pre_dose")
class DecidePreDose(Command):
    """The nurse's decision when the pre-dose readings break a protocol's advisory (domain.advisories)."""
    decision: str      # proceed (needs a reason), delay or cancel (ends the session)
    reason: str = ""


@command("respond_advisory")
class RespondAdvisory(Command):
    """The nurse's response to a during-session advisory: "paused" (after pausing) or "continued" with a reason;
    it acknowledges the advisory's alarm if nobody has yet."""
    advisory: str      # the rule's id in the protocol
    response: str
    reason: str = ""


# -- the room (handlers bound by the engine) -----------------------------------------------------------------
@command("acknowledge_alarm")
class AcknowledgeAlarm(Command):
    alarm_id: str | None = None
    condition: str | None = None  # scripts name the condition, not the id


@command("pause_alarm_audio")
class PauseAlarmAudio(Command):
    pass


@command("capture_baseline")
class CaptureBaseline(Command):
    pass


@command("correct_event")
class CorrectEvent(Command):
    seq: int
    reason: str
    changes: dict[str, Any]


@command("apply_scene")
class ApplyScene(Command):
    scene: str


@command("set_ambient", PATIENT)
class SetAmbient(Command):
    target: str
    value: float | bool | str
    final: bool = True  # false while a slider moves: applied, not logged


@command("set_comfort_plan", PATIENT)
class SetComfortPlan(Command):
    """The patient's comfort plan (roomcontrol.domain.comfort's keys) for this session, by the nurse or the patient."""
    plan: dict[str, Any]
    source: str = "room"  # "course": the nurse loaded it from the patient's course at check-in


@command("test_device")
class DeviceTest(Command):
    device: str


@command("unlock", ANYONE)
class Unlock(Command):
    staff_id: str
    pin: str


@command("lock", ANYONE)
class Lock(Command):
    reason: str = "locked"


_TYPE_WORDS = {str: "text", float: "a number", int: "a whole number", bool: "true or false", dict: "a table",
               type(None): "none"}


@command("start_nibp")
class StartNibp(Command):
    """Ask the monitor to measure NIBP now (a monitor that accepts it); `item`: the schedule item it answers."""
    item: str | None = None


@command("validate_reading")
class ValidateReading(Command):
    """Chart the monitor's latest reading of the item's measure for schedule item `item` (domain/schedule.py)."""
    item: str


def parse(name: str, args: dict[str, Any]) -> Command:
    """The typed command for a by-name one, or Refused saying what is wrong and what is allowed."""
    cls = CATALOGUE.get(name)
    if cls is None:
        raise Refused(f"unknown command {name!r}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "details"}
    given = {arg: value for arg, value in args.items() if arg in fields}
    details = {arg: value for arg, value in args.items() if arg not in fields}
    if details and not cls.takes_details:
        takes = f"takes {', '.join(fields)}" if fields else "takes no arguments"
        raise Refused(f"{name}: unknown argument {next(iter(details))!r}; it {takes}")
    missing = [n for n, f in fields.items() if n not in given and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise Refused(f"{name}: missing {', '.join(missing)}")
    return checked(cls(**given, **({"details": details} if cls.takes_details else {})))


def checked(command: Command) -> Command:
    """`command` if each argument has its declared type (a by-name one, or one built by the screen), else Refused."""
    hints = get_type_hints(type(command))
    for f in dataclasses.fields(command):
        value, allowed = getattr(command, f.name), _types_of(hints[f.name])
        if not any(_is(value, t) for t in allowed):
            words = " or ".join(_TYPE_WORDS[t] for t in allowed)
            raise Refused(f"{command.name}: {f.name} must be {words}, got {value!r}")
    return command


def _types_of(hint: Any) -> tuple[type, ...]:
    options = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return tuple(get_origin(t) or t for t in options)  # dict[str, Any] is checked as a dict


def _is(value: object, t: type) -> bool:
    if isinstance(value, bool):  # bool is an int in Python, but never a number here
        return t is bool
    if t is float:  # a whole number is a number
        return isinstance(value, (int, float))
    return isinstance(value, t)
