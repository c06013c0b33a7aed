"""The room's light and music in a nurse's words: "warm light", "Ocean", "Nature" — never "2200 K" or a file name.
One place for the check-in course panel, the comfort page, the comfort plan's summary (and so the event log's
wording) and the course record PDF."""

from __future__ import annotations

import re

# Colour temperature bands, warmest first (the upper bound of each, in kelvin). Candlelight is ~1900 K, a household
# "warm white" bulb 2700 K, "neutral white" ~4000 K, daylight 5000–6500 K: the words lamp packaging uses.
COLOUR_BANDS = ((2400, "very warm"), (2700, "warm"), (4000, "neutral"))
COOL = "cool"
_NUMBER_PREFIX = re.compile(r"^\d+[\s_.-]*")  # "02_" in "02_ocean.ogg": the playlist's order, not the title
_SEPARATORS = re.compile(r"[_-]+")


def light_colour(colour_temp_k: float) -> str:
    """'very warm' (≤ 2400 K), 'warm' (≤ 2700 K), 'neutral' (≤ 4000 K) or 'cool'."""
    return next((words for high, words in COLOUR_BANDS if colour_temp_k <= high), COOL)


def _title(name: str) -> str:
    words = _SEPARATORS.sub(" ", _NUMBER_PREFIX.sub("", name)).strip() or name.strip()
    return words[:1].upper() + words[1:]


def track_title(file_name: str) -> str:
    """A track's title from its file name: '02_ocean.ogg' → 'Ocean', 'soft-rain.mp3' → 'Soft rain'. A name that is
    only a number keeps it ('03.ogg' → '03')."""
    stem = file_name.rsplit("/", 1)[-1]
    return _title(stem.rsplit(".", 1)[0] if "." in stem else stem)


def playlist_title(folder: str) -> str:
    """A playlist's title from its folder name: 'nature' → 'Nature', 'calm_evening' → 'Calm evening'."""
    return _title(folder)
