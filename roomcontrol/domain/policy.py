"""The clinic's rules for a session, as plain values. `roomcontrol.config` fills them from room.toml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # protocol.py builds on this module's values
    from roomcontrol.domain.protocol import Protocol

DEFAULT_CHECKLIST = ("consent", "npo", "escort", "pregnancy_screen", "iv_access")
KNOWN_CHECKLIST_ITEMS = (
    "consent", "npo", "escort", "pregnancy_screen", "baseline_vitals", "iv_access",
    "allergies_reviewed", "medications_reviewed", "bladder_emptied", "identity_confirmed",
)


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self, unit: str) -> str:
        return f"{_num(self.low)}–{_num(self.high)} {unit}".rstrip()


@dataclass(frozen=True)
class DoseBounds:
    weight_kg: Range = Range(30, 250)
    dose_mg_per_kg: Range = Range(0.1, 2.0)
    planned_infusion_min: Range = Range(20, 240)
    concentration_mg_per_ml: Range = Range(0.1, 10.0)


@dataclass(frozen=True)
class SessionPolicy:
    planned_infusion_min: float = 40
    min_recovery_min: int = 30
    required_checklist: tuple[str, ...] = DEFAULT_CHECKLIST
    require_baseline_vitals: bool = True
    npo_solids_hours: float = 6.0
    npo_clear_fluids_hours: float = 2.0
    min_padss_for_discharge: int = 9
    require_escort: bool = True
    default_dose_mg_per_kg: float = 0.5
    soft_max_dose_mg_per_kg: float = 1.0  # above this (inside the hard bounds) a dose needs a logged confirmation
    default_concentration_mg_per_ml: float | None = None
    bounds: DoseBounds = field(default_factory=DoseBounds)
    # The protocols this room enables ([session] protocols), the first the default at check-in. A session run
    # under one follows its values (roomcontrol.domain.protocol.session_policy); the values above are the fallback.
    protocols: tuple[Protocol, ...] = ()


def _num(value: float) -> str:
    return f"{value:g}"
