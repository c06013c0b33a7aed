"""Ambient rules and perceptual dimming (roomcontrol.domain.ambient, .brightness): pure values in, values out."""

import math

import pytest

from roomcontrol.domain import brightness as B
from roomcontrol.domain.ambient import AmbientChange, check_change, rgb_for, warmth
from roomcontrol.domain.errors import Refused


def test_warmth_runs_from_cool_to_warm_and_is_clamped():
    assert warmth(6500) == 0.0
    assert warmth(1800) == 1.0
    assert warmth(99999) == 0.0 and warmth(100) == 1.0
    assert 0.0 < warmth(2700) < 1.0


def test_rgb_loses_blue_as_the_white_warms():
    assert rgb_for(6500) == (1.0, 0.85, 0.8)
    warm = rgb_for(1800)
    assert warm == (1.0, 0.5, 0.15)
    assert warm[2] < warm[1] < warm[0]


@pytest.mark.parametrize("target, value, actor, expected", [
    ("track", "next", "patient", AmbientChange("track", "next")),
    ("diffuser", True, "nurse", AmbientChange("diffuser", True)),
    ("light", 40, "patient", AmbientChange("light", 40.0)),
    ("volume", 100, "nurse", AmbientChange("volume", 100.0)),
])
def test_allowed_changes(target, value, actor, expected):
    change = check_change(target, value, actor)
    assert change == expected
    assert type(change.value) is type(expected.value)


@pytest.mark.parametrize("target, value, actor, match", [
    ("smell", 1, "nurse", "unknown ambient target 'smell'"),
    ("track", "rewind", "nurse", "track must be one of next, previous, pause, play"),
    ("diffuser", True, "patient", "the diffuser is set by the nurse"),
    ("diffuser", 1, "nurse", "diffuser must be on"),
    ("light", True, "nurse", "light must be a percentage 0–100, got True"),
    ("light", "50", "nurse", "must be a percentage"),
    ("volume", 101, "nurse", "must be a percentage"),
    ("light", 90, "patient", "light can be set between 5 and 70 % from the chair"),
    ("volume", 61, "patient", "volume can be set between 0 and 60 % from the chair"),
])
def test_refused_changes_say_why(target, value, actor, match):
    with pytest.raises(Refused, match=match):
        check_change(target, value, actor)


def test_clamp_and_nan():
    assert B.clamp01(-0.5) == 0.0 and B.clamp01(1.5) == 1.0 and B.clamp01(0.25) == 0.25
    with pytest.raises(ValueError, match="NaN"):
        B.clamp01(math.nan)


@pytest.mark.parametrize("curve", B.CURVES)
def test_curves_are_monotonic_and_round_trip(curve):
    levels = [i / 20 for i in range(21)]
    outputs = [B.level_to_output(x, curve) for x in levels]
    assert outputs[0] == 0.0 and outputs[-1] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(outputs, outputs[1:]))
    for level, output in zip(levels, outputs):
        assert B.output_to_level(output, curve) == pytest.approx(level, abs=1e-9)


def test_cie_is_linear_near_black_and_gamma_is_a_power_law():
    assert B.lightness_to_luminance(4.0) == pytest.approx(4.0 / (24389 / 27))  # below L* 8: the linear segment
    assert B.luminance_to_lightness(0.001) == pytest.approx(0.001 * 24389 / 27)
    assert B.lightness_to_luminance(150) == pytest.approx(1.0)  # clamped to 100
    assert B.level_to_output(0.5, B.GAMMA22) == pytest.approx(0.5 ** 2.2)
    assert B.output_to_level(0.5, B.GAMMA22) == pytest.approx(0.5 ** (1 / 2.2))


@pytest.mark.parametrize("convert", [B.level_to_output, B.output_to_level])
def test_unknown_curve_is_an_error(convert):
    with pytest.raises(ValueError, match="unknown brightness curve 'linear'"):
        convert(0.5, "linear")


def test_dmx_values():
    assert B.to_dmx(0.0) == 0 and B.to_dmx(1.0) == 255 and B.to_dmx(2.0) == 255
    assert B.level_to_dmx(1.0) == 255
    assert B.level_to_dmx(0.5) == round(B.level_to_output(0.5) * 255)


def test_fade_moves_level_and_colour_together_and_lands_exactly():
    fade = B.Fade(0.2, 0.8, start=10.0, duration=4.0, start_color=(0.0, 1.0), end_color=(1.0, 0.0))
    assert fade.progress(9.0) == 0.0 and not fade.done(12.0)
    assert fade.level_at(12.0) == pytest.approx(0.5)
    assert fade.color_at(12.0) == pytest.approx((0.5, 0.5))
    assert fade.level_at(20.0) == 0.8 and fade.color_at(20.0) == (1.0, 0.0) and fade.done(14.0)


def test_an_instant_fade_and_a_fade_without_colour():
    instant = B.Fade(0.0, 1.0, start=0.0, duration=0.0, end_color=(0.3,))
    assert instant.progress(-5.0) == 1.0 and instant.level_at(0.0) == 1.0
    plain = B.Fade(0.0, 1.0, start=0.0, duration=2.0, end_color=(0.3,))
    assert plain.color_at(1.0) == (0.3,)  # nothing to move from: the target colour


def test_fade_duration():
    assert B.fade_duration(0.0, 1.0, 0.5) == 2.0
    assert B.fade_duration(0.9, 0.3, 0.2) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="above 0"):
        B.fade_duration(0.0, 1.0, 0.0)


def test_zone_slots_per_kind():
    assert B.zone_slots("dimmer", 1.0, ()) == (255,)
    assert B.zone_slots("tunable_white", 1.0, (1.0,)) == (255, 0)
    assert B.zone_slots("tunable_white", 1.0, ()) == (128, 128)  # no colour: an even mix
    assert B.zone_slots("rgb", 1.0, (1.0, 0.0, 0.5)) == (255, 0, 128)
    assert B.zone_slots("rgb", 1.0, ()) == (255, 255, 255)
    with pytest.raises(ValueError, match="unknown zone kind 'strobe'"):
        B.zone_slots("strobe", 1.0, ())
