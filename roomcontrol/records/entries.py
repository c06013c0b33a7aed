"""The parts of a session record: what each entry of the timeline, the vitals table and the plan holds, and the
words that describe a plan (pure, no I/O). `roomcontrol.records.model` folds a session's events into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from roomcontrol.domain import session as S
from roomcontrol.domain.dose import Segment
from roomcontrol.domain.scales import SCALES
from roomcontrol.domain.vitals import trusted
from roomcontrol.domain.wording import DEVICE_LABELS, number


GRID_S = 300  # the vitals table: one row every 5 minutes


def duration(minutes: float | None) -> str:
    """A time span as a chart reads it: "40 min 38 s", "40 min", "45 s" (never decimal minutes)."""
    if minutes is None:
        return "–"
    total = int(round(minutes * 60))
    m, s = divmod(total, 60)
    if m and s:
        return f"{m} min {s} s"
    return f"{m} min" if m else f"{s} s"


def plan_text(plan: dict) -> str:
    """The dose plan in one line, as the PDF and the FHIR notes say it: '0.5 mg/kg × 72.5 kg = 36.25 mg over 40 min
    at 54.38 mg/h', or for a fixed dose '56 mg as 2 devices of 28 mg, 5 min apart (0.8 mg/kg at 70 kg)'."""
    if plan.get("devices") is not None:
        devices, mg = int(plan["devices"]), float(plan.get("dose_mg") or plan.get("total_dose_mg") or 0.0)
        apart = f", {number(plan.get('device_interval_min'))} min apart" if devices > 1 else ""
        return (f"{number(mg)} mg as {devices} device{'s' if devices != 1 else ''} of {number(mg / devices)} mg"
                f"{apart} ({number(plan.get('dose_mg_per_kg'))} mg/kg at {number(plan.get('weight_kg'))} kg)")
    return (f"{number(plan.get('dose_mg_per_kg'))} mg/kg × {number(plan.get('weight_kg'))} kg = "
            f"{number(plan.get('total_dose_mg'))} mg over {number(plan.get('planned_infusion_min'))} min at "
            f"{number(plan.get('rate_mg_per_h'))} mg/h")


GRID_KINDS = ("heart_rate", "spo2", "nibp_systolic", "nibp_diastolic", "respiratory_rate", "etco2")


@dataclass(frozen=True)
class VitalSample:
    ts: datetime
    kind: str
    value: float | None
    unit: str
    flags: tuple[str, ...] = ()
    source: str = ""
    row_id: int | None = None

    @property
    def trusted(self) -> bool:
        """A value that can be charted: present and not flagged as sensor-off or artefact."""
        return trusted(self)


@dataclass(frozen=True)
class Correction:
    """One `event.corrected`: what it changed in an entry, from what, by whom and why."""
    seq: int
    event_id: str
    at: datetime
    by: str
    corrects_seq: int
    corrects_id: str
    corrects_kind: str
    reason: str
    changes: dict              # the changed fields, corrected values (for items: only the changed items)
    was: dict                  # the same fields before this correction
    corrected: dict            # the entry's full payload after this correction
    original: dict             # the entry's payload as first logged


class Correctable:
    """An entry of the record that shows its corrected values; `corrections` lists how they came to be."""
    corrections: tuple[Correction, ...]

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)

    @property
    def original(self) -> dict | None:
        """The payload as first logged, or None for an entry never corrected."""
        return self.corrections[0].original if self.corrections else None

    @property
    def correction_reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.corrections)


@dataclass(frozen=True)
class ChecklistItem(Correctable):
    item: str
    at: datetime
    by: str
    details: dict
    event_id: str = ""
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Baseline(Correctable):
    at: datetime
    by: str
    values: dict          # heart_rate, spo2, nibp_systolic, nibp_diastolic
    source: str
    event_id: str
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Prescription(Correctable):
    """The dose PRESCRIBED: the plan of session.opened (weight, mg/kg, total, planned time, rate), with its
    corrections; a dose above the clinic's soft maximum carries who confirmed it and against which limit."""
    plan: dict
    by: str
    event_id: str
    corrections: tuple[Correction, ...] = ()
    high_dose_confirmed_by: str | None = None
    soft_max_mg_per_kg: float | None = None

    @property
    def total_dose_mg(self) -> float:
        return float(self.plan.get("total_dose_mg") or 0.0)


@dataclass(frozen=True)
class RateChange:
    """One `infusion.rate_changed`: when, by whom, from and to which rate, why, after how long infused."""
    event_id: str
    at: datetime
    by: str
    from_mg_per_h: float | None
    to_mg_per_h: float
    reason: str
    at_infused_s: float


@dataclass(frozen=True)
class Infusion:
    started_at: datetime | None
    started_by: str | None
    ended_at: datetime | None
    ended_by: str | None
    end_kind: str | None        # completed, stopped, or None (never started / aborted)
    stop_reason: str | None
    infused_min: float
    planned_min: float
    rate_mg_per_h: float | None
    pauses: tuple[S.Pause, ...]  # as the session's fold has them
    event_id: str | None        # the infusion.started event: the anchor of the FHIR Procedure
    segments: tuple[Segment, ...] = ()        # the infusion at each rate (the prescribed ones at the corrected plan)
    rate_changes: tuple[RateChange, ...] = ()  # titration, in order

    @property
    def titrated(self) -> bool:
        return bool(self.rate_changes)

    @property
    def fraction_given(self) -> float:
        return min(1.0, self.infused_min / self.planned_min) if self.planned_min else 0.0


@dataclass(frozen=True)
class Validated:
    """A monitor reading the nurse charted for a schedule item (vitals.validated): nurse-validated, as anaesthesia
    records tell it from auto-captured vitals."""
    event_id: str
    at: datetime            # when she charted it
    by: str
    item: str               # the schedule item's label ("BP during the infusion")
    reading: dict           # the values as the monitor gave them
    reading_at: datetime | None  # when the room received the reading (the stored vitals' time)


@dataclass(frozen=True)
class Assessment(Correctable):
    event_id: str
    at: datetime
    by: str
    scale: str
    items: dict
    score: int
    corrections: tuple[Correction, ...] = ()
    flag: str | None = None                   # a flagged answer ("PHQ-9 item 9 (…) answered 2 of 3"), if any
    flag_acknowledged_by: str | None = None   # the nurse who acknowledged it
    flag_acknowledged_at: datetime | None = None

    @property
    def max_score(self) -> int | None:
        scale = SCALES.get(self.scale)
        return scale.max_score if scale else None


@dataclass(frozen=True)
class Symptom(Correctable):
    event_id: str
    at: datetime
    by: str
    symptom: str
    severity: str | None
    details: dict
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Medication(Correctable):
    event_id: str
    at: datetime
    by: str
    drug: str
    dose: float
    unit: str
    route: str
    indication: str | None
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class AlarmRecord:
    alarm_id: str
    condition: str
    priority: str               # when raised
    value: float | None
    raised_at: datetime
    event_id: str
    top_priority: str = ""      # after escalations
    escalations: int = 0
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    audio_paused_by: tuple[str, ...] = ()
    cleared_at: datetime | None = None
    clear_reason: str | None = None
    open_at_close: bool = False       # still active when the session closed (not cleared by its condition)
    override: str | None = None       # discharged despite it: "override by <who>: <reason>"
    text: str | None = None           # a clinical alarm's own wording, with its values (domain.alarms)

    @property
    def technical(self) -> bool:
        return self.condition.split(".")[0] in DEVICE_LABELS


@dataclass(frozen=True)
class Note(Correctable):
    at: datetime
    by: str
    text: str
    event_id: str = ""
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Closing:
    kind: str                   # discharged or aborted
    at: datetime
    by: str
    event_id: str
    padss_score: int | None = None
    escort_confirmed: bool | None = None
    recovery_min: float | None = None
    reason: str | None = None   # aborted
    phase: str | None = None    # aborted: the phase it was aborted in


@dataclass(frozen=True)
class ProtocolRef:
    """The treatment protocol a session ran under, as session.opened logged it (never today's file)."""
    id: str
    version: int | None
    title: str           # the id where a log from before titles were logged has none

    @property
    def cited(self) -> str:
        """'ketamine-depression v1': how the records name the file and its version."""
        return f"{self.id} v{self.version}" if self.version is not None else self.id


@dataclass(frozen=True)
class GridRow:
    at: datetime
    minute: int
    phase: str
    values: dict                # kind → value or None
