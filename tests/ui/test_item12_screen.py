"""Issue 11, item 12 on the real screen: a scenario playing with the window open, a symptom's severity, the
medication's indication, the Play button that follows the player, the patient's sliders per scene."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from roomcontrol.engine.scenario import Scenario, Step
from roomcontrol.engine.scenario_thread import start_scenario
from roomcontrol.devices.audio.voices import AudioStatus
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, kinds, sign_in, wait_phase


def test_a_scenario_plays_with_the_window_open_and_the_screen_shows_its_events(ui, qtbot):
    scenario = Scenario("training", (
        Step(1, 0.0, "open_session", NURSE, {"patient_ref": "PT-TRAIN", "course_no": 1, "weight_kg": 70,
                                             "dose_mg_per_kg": 0.5, "planned_infusion_min": 40}),
        Step(2, 0.0, "confirm_checklist", NURSE, {"item": "consent"}),
        Step(3, 0.1, "note_symptom", NURSE, {"symptom": "anxiety", "severity": "mild"}),
    ))
    done: list = []
    finished = threading.Event()
    start_scenario(SimpleNamespace(room=ui.room, gate=ui.controller.gate), scenario, ui.clock,
                   on_done=lambda reason: (done.append(reason), finished.set()))
    qtbot.waitUntil(finished.is_set, timeout=WAIT_MS)
    assert done == [None]
    wait_phase(qtbot, ui, "pre_infusion")  # the screen, still locked, follows the scripted session
    assert ui.window.current == "lock"
    events = [e for e in ui.room.log.events() if e.kind in ("session.opened", "checklist.confirmed",
                                                            "symptom.noted")]
    assert [(e.kind, e.actor) for e in events] == [("session.opened", NURSE), ("checklist.confirmed", NURSE),
                                                  ("symptom.noted", NURSE)]
    # the screen stays usable: the nurse signs in and sees the scripted session
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    timeline = ui.window.pages["main"].timeline
    qtbot.waitUntil(lambda: "Symptom noted: anxiety (mild)" in timeline_text(timeline), timeout=WAIT_MS)


def timeline_text(timeline) -> str:
    lst = timeline.list
    return "\n".join(lst.item(i).text() for i in range(lst.count()))


def open_session(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    ui.room.command("open_session", NURSE, patient_ref="PT-12", course_no=1, weight_kg=70, dose_mg_per_kg=0.5,
                    planned_infusion_min=40)
    wait_phase(qtbot, ui, "pre_infusion")


def test_a_symptom_is_noted_with_its_severity_or_not_at_all(ui, qtbot):
    open_session(ui, qtbot)
    quick = ui.window.pages["main"].quick
    click(qtbot, quick.buttons["headache"])
    assert quick.stack.currentIndex() == 1 and "Headache" in quick.asking.text()
    assert all(b.height() >= 56 for b in quick.severity.values())
    click(qtbot, quick.cancel)  # changed her mind: nothing logged
    assert quick.stack.currentIndex() == 0
    click(qtbot, quick.buttons["headache"])
    click(qtbot, quick.severity["severe"])
    qtbot.waitUntil(lambda: "Noted: headache (severe)" in ui.window.pages["main"].timeline.status.text(),
                    timeout=WAIT_MS)
    noted = [e for e in ui.room.log.events(kinds=["symptom.noted"])]
    assert [(e.payload, e.actor) for e in noted] == [({"symptom": "headache", "severity": "severe"}, NURSE)]
    qtbot.waitUntil(lambda: "Symptom noted: headache (severe)" in timeline_text(ui.window.pages["main"].timeline),
                    timeout=WAIT_MS)


def test_medication_is_recorded_with_its_indication(ui, qtbot):
    open_session(ui, qtbot)
    click(qtbot, ui.window.pages["main"].quick.buttons["medication"])
    med = ui.window.pages["medication"]
    click(qtbot, med.presets.buttons["Midazolam"])
    assert med.indication.text() == "anxiety"  # the preset's usual reason, which the nurse may change
    med.indication.clear()
    qtbot.keyClicks(med.indication, "agitation on emergence")
    click(qtbot, med.save)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    given = list(ui.room.log.events(kinds=["medication.given"]))
    assert given[0].payload["indication"] == "agitation on emergence" and given[0].actor == NURSE
    assert med.indication.text() == ""  # the next entry starts empty
    qtbot.waitUntil(lambda: "for agitation on emergence" in timeline_text(ui.window.pages["main"].timeline),
                    timeout=WAIT_MS)


def test_play_follows_the_players_real_state(ui, qtbot):
    panel = ui.window.pages["main"].ambient
    qtbot.waitUntil(lambda: panel.track.text() == "No sound device", timeout=WAIT_MS)  # audio=False here
    assert not panel.play.isEnabled()
    ui.controller.ambient.emit({"audio": AudioStatus(track=None, tracks=0), "light_percent": 10})
    assert not panel.play.isEnabled() and panel.play.text() == "No music"
    ui.controller.ambient.emit({"audio": AudioStatus(track="soft_rain.ogg", tracks=3, playing=True),
                                "light_percent": 10})
    assert panel.play.isEnabled() and panel.play.text() == "Pause"
    assert panel.track.text() == "♪ Soft rain"  # the track's title, not its file name
    ui.controller.ambient.emit({"audio": AudioStatus(track="02_ocean.ogg", tracks=3, playing=True),
                                "light_percent": 10})
    assert panel.track.text() == "♪ Ocean"  # the playlist's order number is not part of the title
    ui.controller.ambient.emit({"audio": AudioStatus(track="soft_rain.ogg", tracks=3, playing=True, paused=True),
                                "light_percent": 10})
    assert panel.play.text() == "Play"


def test_the_patients_sliders_show_the_scenes_range(ui, qtbot):
    open_session(ui, qtbot)
    for item, args in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                       ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})):
        ui.room.command("confirm_checklist", NURSE, item=item, **args)
    ui.room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
    ui.room.command("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")
    click(qtbot, ui.window.topbar.lock_button)
    qtbot.waitUntil(lambda: ui.window.current == "lock", timeout=WAIT_MS)
    lock = ui.window.pages["lock"]
    light, volume = lock.ambient.light.slider, lock.ambient.volume.slider
    ui.controller.refresh_ambient()
    qtbot.waitUntil(lambda: (light.maximum(), volume.maximum()) == (30, 45), timeout=WAIT_MS)
    assert light.minimum() == 5
