"""Answers in a patient's questionnaire that a nurse must see before going on: PHQ-9 item 9 (thoughts of death or
self-harm) above zero. A flag stays on the nurse's screen until a nurse acknowledges it (`acknowledge_flag`,
logged as assessment.flag_acknowledged with who); the chart shows it with that acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# scale → (item, what it asks, in the nurse's words)
FLAGGED_ITEMS = {"PHQ-9": ("q9", "thoughts of death or self-harm")}


@dataclass(frozen=True)
class AssessmentFlag:
    seq: int              # the assessment.recorded that raised it
    scale: str
    item: str
    value: int
    item_max: int
    at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.acknowledged_by is None

    def text(self) -> str:
        """'PHQ-9 item 9 (thoughts of death or self-harm) answered 2 of 3'."""
        return flag_text(self.scale, self.item, self.value, self.item_max)


def flagged_item(scale: str, items: dict[str, int]) -> tuple[str, int] | None:
    """(item, answer) when this filled-in scale flags the nurse, else None."""
    rule = FLAGGED_ITEMS.get(scale)
    if rule is None:
        return None
    value = items.get(rule[0], 0)
    return (rule[0], value) if value > 0 else None


def flag_text(scale: str, item: str, value: int, item_max: int) -> str:
    what = FLAGGED_ITEMS.get(scale, (item, ""))[1]
    number = item[1:] if item.startswith("q") and item[1:].isdigit() else item
    return f"{scale} item {number}" + (f" ({what})" if what else "") + f" answered {value} of {item_max}"
