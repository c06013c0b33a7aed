"""The comfort plan as data: read from its dict strictly (naming the key), checked against a room's playlists and
the patient's limits, fitted to another room's music, laid over a scene, described, and saved at discharge."""

from datetime import datetime, timezone

import pytest

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.comfort import (KEYS, NOTE_MAX, ComfortPlan, Levels, check_plan, fitted, overlay, read_plan,
                                        saving_plan, summary)
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.session import RoomState, apply

PLAYLISTS = {"calm": ("01_evening_pad.ogg", "02_drift_pad.ogg"), "nature": ("01_soft_rain.ogg", "02_ocean.ogg")}
LIMITS = {"light": (5.0, 30.0), "volume": (0.0, 45.0)}
SCENE = Levels(light_percent=12, colour_temp_k=2400, playlist="calm", volume_percent=35, diffuser_on_s=30,
               diffuser_off_s=90)
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def test_a_plan_round_trips_through_its_dict_and_a_saved_payload():
    plan = ComfortPlan(playlist="nature", track="02_ocean.ogg", volume=20, light=10, colour_temp_k=2200,
                       diffuser=True, prefers_silence=False, eye_mask=True, blanket=True, note="likes to hold a stone")
    raw = plan.to_dict()
    assert tuple(raw) == KEYS
    assert read_plan(raw) == plan
    assert read_plan({"plan": raw}) == plan  # the comfort.plan_saved payload, as the hub's course passes it
    assert read_plan({}) == ComfortPlan()
    assert read_plan({"note": "  warm hands  ", "colour_temp_k": 2700.4}) == ComfortPlan(note="warm hands")


@pytest.mark.parametrize("raw, message", [
    ("loud", "a comfort plan must be a table"),
    ({"lights": 10}, "unknown key 'lights'; known: playlist"),
    ({"note": 7}, "note must be text"),
    ({"blanket": "yes"}, "blanket must be true or false"),
    ({"light": 101}, "light must be a percentage 0–100"),
    ({"volume": True}, "volume must be a percentage"),
    ({"colour_temp_k": 9000}, "colour_temp_k must be 1800–6500 K"),
    ({"colour_temp_k": False}, "colour_temp_k must be 1800–6500 K"),
    ({"note": "x" * (NOTE_MAX + 1)}, f"longer than {NOTE_MAX} characters"),
    ({"track": "02_ocean.ogg"}, "a track needs its playlist"),
])
def test_a_wrong_plan_is_refused_naming_the_key(raw, message):
    with pytest.raises(Refused, match=message):
        read_plan(raw)


def test_the_room_and_the_actor_decide_what_a_plan_may_ask():
    nurse = ComfortPlan(playlist="nature", track="02_ocean.ogg", light=90, volume=80, diffuser=True)
    assert check_plan(nurse, PLAYLISTS, "rn.ada") == nurse  # the nurse: the device's whole range
    with pytest.raises(Refused, match="light can be set between 5 and 70 % from the chair"):
        check_plan(nurse, PLAYLISTS, "patient")
    with pytest.raises(Refused, match="volume can be set between 0 and 45"):
        check_plan(ComfortPlan(light=20, volume=50), PLAYLISTS, "patient", LIMITS)
    with pytest.raises(Refused, match="the diffuser is switched on by the nurse"):
        check_plan(ComfortPlan(light=20, volume=20, diffuser=True), PLAYLISTS, "patient")
    calm = ComfortPlan(light=20, volume=20, prefers_silence=True, note="quiet please")
    assert check_plan(calm, PLAYLISTS, "patient") == calm
    with pytest.raises(Refused, match="no playlist 'jazz' in this room; known: calm, nature"):
        check_plan(ComfortPlan(playlist="jazz"), PLAYLISTS, "rn.ada")
    with pytest.raises(Refused, match="known: none"):
        check_plan(ComfortPlan(playlist="jazz"), {}, "rn.ada")
    with pytest.raises(Refused, match="no track '03_wind.ogg' in the playlist 'nature'"):
        check_plan(ComfortPlan(playlist="nature", track="03_wind.ogg"), PLAYLISTS, "rn.ada")


def test_a_plan_from_another_room_keeps_what_this_room_can_play():
    theirs = ComfortPlan(playlist="jazz", track="a.ogg", light=10)
    assert fitted(theirs, PLAYLISTS) == ComfortPlan(light=10)
    assert fitted(ComfortPlan(playlist="nature", track="a.ogg"), PLAYLISTS) == ComfortPlan(playlist="nature")
    ours = ComfortPlan(playlist="nature", track="02_ocean.ogg")
    assert fitted(ours, PLAYLISTS) == ours


def test_the_scene_takes_the_patients_levels_inside_its_limits():
    plan = ComfortPlan(playlist="nature", track="02_ocean.ogg", light=10, volume=20, colour_temp_k=2000)
    assert overlay(plan, SCENE, LIMITS) == Levels(10, 2000, "nature", 20, 0, 0, "02_ocean.ogg")
    bright = ComfortPlan(light=60, volume=60, diffuser=True)  # the scene's own music, capped to its patient highs
    assert overlay(bright, SCENE, LIMITS) == Levels(30, 2700, "calm", 45, 30, 90, "")
    dark = ComfortPlan(light=0, prefers_silence=True, playlist="nature", diffuser=True)
    no_mist = Levels(60, 3000, "calm", 30, 0, 0)
    assert overlay(dark, no_mist, LIMITS) == Levels(5, 2700, "", 0.0, 30, 90, "")  # a gentle default mist
    assert overlay(ComfortPlan(), Levels(60, 3000, "", 30, 0, 0), LIMITS).volume_percent == 0.0  # no music at all


def test_the_nurse_reads_the_plan_in_one_line():
    assert summary(ComfortPlan(light=10, prefers_silence=True, eye_mask=True, blanket=True)) == \
        "warm light at 10 % · silence · mist off · eye mask, blanket"
    assert summary(ComfortPlan(playlist="nature", track="02_ocean.ogg", volume=20, diffuser=True)) == \
        "warm light at 20 % · Ocean (Nature) at 20 % · mist on"
    assert summary(ComfortPlan()) == "warm light at 20 % · the room's music at 30 % · mist off"
    assert summary(ComfortPlan(playlist="calm", colour_temp_k=2200, light=5)) == \
        "very warm light at 5 % · Calm at 30 % · mist off"
    assert "2200" not in summary(ComfortPlan(colour_temp_k=2200)) and ".ogg" not in summary(
        ComfortPlan(playlist="nature", track="02_ocean.ogg"))


def _state(*kinds_payloads) -> RoomState:
    state = RoomState()
    events = [(K.SESSION_OPENED, {"patient_ref": "PT-7", "course_no": 2, "weight_kg": 80})] + list(kinds_payloads)
    for seq, (kind, payload) in enumerate(events, 1):
        state = apply(state, Event(seq, f"e{seq}", "room-1", "s1", T0, kind, "rn.ada", payload))
    return state


def _discharged(state, c, actor, now, policy, new_id):
    extra = [NewEvent("discharge.override", {}, actor, "s1")] if c.override_reason else []
    return extra + [NewEvent(K.SESSION_DISCHARGED, {}, actor, "s1")]


def test_discharge_saves_the_sessions_plan_unless_the_nurse_says_not_to():
    plan = ComfortPlan(light=10, note="likes to hold a stone").to_dict()
    state = _state((K.COMFORT_PLAN_SET, {"plan": plan, "source": "room"}))
    assert state.session.comfort == plan
    decide = saving_plan(_discharged)
    events = decide(state, C.Discharge(), "rn.ada", T0, SessionPolicy(), lambda: "x")
    assert [(e.kind, e.payload, e.actor) for e in events] == [
        (K.COMFORT_PLAN_SAVED, {"plan": plan}, "rn.ada"), (K.SESSION_DISCHARGED, {}, "rn.ada")]
    events = decide(state, C.Discharge(override_reason="artefact"), "admin", T0, SessionPolicy(), lambda: "x")
    assert [e.kind for e in events] == ["discharge.override", K.COMFORT_PLAN_SAVED, K.SESSION_DISCHARGED]
    events = decide(state, C.Discharge(save_comfort_plan=False), "rn.ada", T0, SessionPolicy(), lambda: "x")
    assert [e.kind for e in events] == [K.SESSION_DISCHARGED]
    no_plan = _state()
    assert [e.kind for e in decide(no_plan, C.Discharge(), "rn.ada", T0, SessionPolicy(), lambda: "x")] == \
        [K.SESSION_DISCHARGED]


def test_the_timeline_says_what_the_plan_is_in_the_patients_words():
    from roomcontrol.domain.wording import describe
    plan = ComfortPlan(light=10, prefers_silence=True, note="likes to hold a stone").to_dict()

    def said(kind, payload):
        return describe(Event(1, "e1", "room-1", "s1", T0, kind, "rn.ada", payload))
    assert said(K.COMFORT_PLAN_SET, {"plan": plan, "source": "course"}) == \
        'Comfort plan set (from the course): warm light at 10 % · silence · mist off · "likes to hold a stone"'
    assert said(K.COMFORT_PLAN_SAVED, {"plan": ComfortPlan().to_dict()}) == \
        "Comfort plan saved for next time: warm light at 20 % · the room's music at 30 % · mist off"
    assert said(K.COMFORT_PLAN_SET, {"plan": "odd"}) == "Comfort plan set: plan odd"
    assert said(K.AMBIENT_SCENE_APPLIED, {"scene": "infusion", "comfort": True}) == \
        "Room scene 'infusion' applied with the comfort plan"
