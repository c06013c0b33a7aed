"""Assessment scales the room records: their items, each item's range, and the score (the sum of the items)."""

from __future__ import annotations

from dataclasses import dataclass

from roomcontrol.domain.errors import Refused


@dataclass(frozen=True)
class Scale:
    name: str
    items: tuple[str, ...]
    item_max: int  # every item scores 0..item_max

    @property
    def max_score(self) -> int:
        return self.item_max * len(self.items)


SCALES = {
    # Post-Anaesthetic Discharge Scoring System (Chung 1995): 0–2 each, 9 or more is ready for discharge.
    "PADSS": Scale("PADSS", ("vital_signs", "activity", "nausea_vomiting", "pain", "bleeding"), 2),
    # Clinician-Administered Dissociative States Scale, six-item short form: 0–4 each.
    "CADSS-6": Scale("CADSS-6", ("slow_motion", "unreal", "body_changed", "separated", "time_changed",
                                  "colours_changed"), 4),
    "PHQ-9": Scale("PHQ-9", tuple(f"q{n}" for n in range(1, 10)), 3),
    "GAD-7": Scale("GAD-7", tuple(f"q{n}" for n in range(1, 8)), 3),
    # Modified Observer's Assessment of Alertness/Sedation, responsiveness (Chernik et al., J Clin Psychopharmacol
    # 1990): one nurse-rated item 0–5, 5 = responds readily to name spoken in a normal tone.
    "MOAA/S": Scale("MOAA/S", ("responsiveness",), 5),
}


def score(scale_name: str, items: object) -> int:
    """Validate the items of one filled-in scale and return its score; refuse anything missing or out of range."""
    scale = SCALES.get(scale_name)
    if scale is None:
        raise Refused(f"unknown scale {scale_name!r}; known: {', '.join(SCALES)}")
    if not isinstance(items, dict):
        raise Refused(f"{scale_name} items must be a table of item → score")
    missing = [name for name in scale.items if name not in items]
    if missing:
        raise Refused(f"{scale_name} is missing {', '.join(missing)}")
    extra = [name for name in items if name not in scale.items]
    if extra:
        raise Refused(f"{scale_name} has no item {', '.join(extra)}; its items: {', '.join(scale.items)}")
    values = []
    for name in scale.items:
        value = items[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= scale.item_max:
            raise Refused(f"{scale_name} {name} must be a whole number 0–{scale.item_max}, got {value!r}")
        values.append(value)
    return sum(values)
