"""Words and numbers for the screen: times, device health and one line per logged event (phase and device words:
domain/wording)."""

from __future__ import annotations

from datetime import datetime

from roomcontrol.domain.wording import ALARM_UNITS, condition_label, describe, typeset
from roomcontrol.domain.wording import vital_label  # noqa: F401  (settings)

HEALTH: dict[str | None, tuple[str, str | None]] = {
    "ok": ("OK", "ok"), "connecting": ("connecting", "warn"), "no_data": ("no data", "warn"),
    "sensor_off": ("sensor off", "warn"), "lost": ("lost", "bad")}
UNITS = ALARM_UNITS


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    minutes, secs = divmod(int(max(0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def clock(ts: datetime) -> str:
    return ts.astimezone().strftime("%H:%M")


def words(key: str) -> str:
    return key.replace("_", " ")


def alarm_text(alarm) -> str:
    kind, suffix = alarm.subject, alarm.what
    text = screen_text(condition_label(alarm.condition))
    if alarm.value is not None and suffix in ("low", "high"):
        text += f"  {alarm.value:g}{UNITS.get(kind, '')}"
    return text


def ago(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min ago"
    return f"{int(seconds // 86400)} days ago"  # "338 h 26 min ago" (a reading from the last visit) said nothing


# Logged, but not what a nurse needs to read in the room's timeline.
TIMELINE_HIDDEN = frozenset({"room.started", "alarm.condition_gone"})


def screen_text(text: str) -> str:
    """The shared wording, with the screen's typography (the PDF's fonts lack the subscript)."""
    return typeset(text)


def event_line(e) -> str | None:
    """One line for the timeline (the same words as the PDF record), or None for events hidden there."""
    return None if e.kind in TIMELINE_HIDDEN else screen_text(describe(e))


def is_alarm(e) -> bool:
    return e.kind.startswith("alarm.")
