"""The room's light and music in a nurse's words (domain/ambient_words.py)."""

from __future__ import annotations

import pytest

from roomcontrol.domain.ambient import COOLEST_K, WARMEST_K
from roomcontrol.domain.ambient_words import light_colour, playlist_title, track_title


@pytest.mark.parametrize(("kelvin", "words"), [
    (WARMEST_K, "very warm"), (2200, "very warm"), (2400, "very warm"), (2401, "warm"), (2700, "warm"),
    (3000, "neutral"), (4000, "neutral"), (4001, "cool"), (COOLEST_K, "cool")])
def test_a_colour_temperature_is_named_as_lamp_packaging_names_it(kelvin, words):
    assert light_colour(kelvin) == words


@pytest.mark.parametrize(("file_name", "title"), [
    ("02_ocean.ogg", "Ocean"), ("01_evening_pad.ogg", "Evening pad"), ("soft-rain.mp3", "Soft rain"),
    ("nature/01_soft_rain.ogg", "Soft rain"), ("3 - Forest walk.flac", "Forest walk"), ("03.ogg", "03"),
    ("README", "README"), ("end_of_infusion.ogg", "End of infusion")])
def test_a_track_reads_as_its_title_not_its_file_name(file_name, title):
    assert track_title(file_name) == title


def test_a_playlist_reads_as_its_title():
    assert [playlist_title(p) for p in ("nature", "calm_evening", "01-chimes")] == ["Nature", "Calm evening", "Chimes"]
