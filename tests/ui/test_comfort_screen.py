"""The comfort plan on the screen: the patient's "My comfort" from the locked screen (as "patient", within the
patient's limits), the nurse's Comfort plan from the main screen, and "Save comfort plan for next time" at
discharge (on by default)."""

from __future__ import annotations

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, sign_in, wait_phase
from tests.ui.test_patient_forms import open_session_and_lock, visible_words

STAFF_WORDS = ("Ada", "Lovelace", "Settings", "Lock", NURSE)


def test_the_patient_sets_my_comfort_from_the_locked_screen(ui, qtbot):
    window, room = ui.window, ui.room
    lock = window.pages["lock"]
    assert not lock.comfort.isVisible()  # no session, no comfort plan
    open_session_and_lock(qtbot, ui)
    qtbot.waitUntil(lock.comfort.isVisible, timeout=WAIT_MS)
    click(qtbot, lock.comfort)
    comfort = window.pages["comfort"]
    assert window.current == "comfort" and comfort.title.text() == "My comfort"
    assert not window.header.isVisible() and not window.strip.isVisible()  # no staff controls, no vitals
    words = " ".join(visible_words(window))
    assert not any(w in words for w in STAFF_WORDS), words
    assert (comfort.light.slider.minimum(), comfort.light.slider.maximum()) == (5, 70)  # the patient's limits
    assert comfort.volume.slider.maximum() == 60
    comfort.light.slider.setValue(15)
    click(qtbot, comfort.music.buttons["(silence)"])
    assert not comfort.volume.isEnabled()
    click(qtbot, comfort.blanket)
    qtbot.keyClicks(comfort.note, "likes to hold a stone")
    click(qtbot, comfort.save)
    qtbot.waitUntil(lambda: "Saved" in comfort.message.text(), timeout=WAIT_MS)
    plan_set = [e for e in room.log.events(kinds=["comfort.plan_set"])][-1]
    assert plan_set.actor == "patient"
    assert {k: plan_set.payload["plan"][k] for k in ("light", "prefers_silence", "blanket", "note")} == \
        {"light": 15.0, "prefers_silence": True, "blanket": True, "note": "likes to hold a stone"}
    scene = [e for e in room.log.events(kinds=["ambient.scene_applied"])][-1]
    assert (scene.payload["reason"], scene.payload["light_percent"], scene.payload["playlist"]) == \
        ("comfort.plan_set", 15.0, "")
    # the diffuser is the nurse's to switch on: the patient is told so, nothing is logged
    click(qtbot, comfort.mist)
    click(qtbot, comfort.save)
    qtbot.waitUntil(lambda: "the diffuser is switched on by the nurse" in comfort.message.text(), timeout=WAIT_MS)
    assert len(list(room.log.events(kinds=["comfort.plan_set"]))) == 1


def test_the_nurse_edits_the_plan_and_discharge_saves_it_for_next_time(ui, qtbot):
    window, room, clock = ui.window, ui.room, ui.clock
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    room.command("open_session", NURSE, patient_ref="PT-2002", weight_kg=70)
    wait_phase(qtbot, ui, "pre_infusion")
    click(qtbot, window.main.quick.buttons["comfort"])
    comfort = window.pages["comfort"]
    assert window.current == "comfort" and comfort.title.text() == "Comfort plan · PT-2002"
    assert comfort.light.slider.maximum() == 100  # the nurse: the device's whole range
    comfort.light.slider.setValue(10)
    click(qtbot, comfort.music.buttons["nature"])
    comfort.volume.slider.setValue(20)
    click(qtbot, comfort.colour.buttons[2200])
    click(qtbot, comfort.eye_mask)
    click(qtbot, comfort.save)
    qtbot.waitUntil(lambda: comfort.message.text() == "Comfort plan saved.", timeout=WAIT_MS)
    plan = [e for e in room.log.events(kinds=["comfort.plan_set"])][-1]
    assert plan.actor == NURSE and plan.payload["plan"]["playlist"] == "nature" and \
        plan.payload["plan"]["colour_temp_k"] == 2200 and plan.payload["plan"]["eye_mask"] is True
    # through to discharge by the room's commands; the discharge page's own toggle is on by default
    for item, extra in [("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})]:
        room.command("confirm_checklist", NURSE, item=item, **extra)
    room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
    room.command("start_infusion", NURSE)
    clock.advance(40 * 60)
    room.command("complete_infusion", NURSE)
    clock.advance(31 * 60)
    room.command("record_assessment", NURSE, scale="PADSS",
                 items=dict(vital_signs=2, activity=2, nausea_vomiting=2, pain=2, bleeding=2))
    wait_phase(qtbot, ui, "recovery")
    window.go("discharge")
    discharge = window.pages["discharge"]
    qtbot.waitUntil(discharge.save_comfort.isVisible, timeout=WAIT_MS)
    assert discharge.save_comfort.isChecked() and discharge.save_comfort.text() == "Save comfort plan for next time"
    click(qtbot, discharge.escort)
    hold(qtbot, discharge.discharge)
    wait_phase(qtbot, ui, "discharged")
    saved = list(room.log.events(kinds=["comfort.plan_saved"]))
    assert [(e.actor, e.payload["plan"]["playlist"]) for e in saved] == [(NURSE, "nature")]


def test_the_page_names_light_and_music_in_words_not_kelvin_or_file_names(ui, qtbot):
    window, room = ui.window, ui.room
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    room.command("open_session", NURSE, patient_ref="PT-2003", weight_kg=70)
    wait_phase(qtbot, ui, "pre_infusion")
    room.command("set_comfort_plan", NURSE, source="course",
                 plan={"playlist": "nature", "track": "02_ocean.ogg", "colour_temp_k": 2200, "light": 10})
    qtbot.waitUntil(lambda: ui.controller.last.session.comfort is not None, timeout=WAIT_MS)
    click(qtbot, window.main.quick.buttons["comfort"])
    comfort = window.pages["comfort"]
    assert {k: b.text() for k, b in comfort.colour.buttons.items()} == \
        {2200: "Very warm", 2700: "Warm", 4000: "Neutral"}
    assert comfort.colour.value == 2200 and comfort.music.value == "nature"
    assert comfort.music.buttons["nature"].text() == "Nature"
    assert comfort.starts.isVisible() and comfort.starts.text() == "Starts with Ocean"
    words = " ".join(visible_words(window))
    assert ".ogg" not in words and " K" not in words, words
    click(qtbot, comfort.music.buttons["calm"])  # another playlist starts from its own first track
    assert not comfort.starts.isVisible()
