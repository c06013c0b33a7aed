#!/usr/bin/env python3
"""Screenshots of the room screen for docs/screenshots/, made from the real app on the offscreen platform.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only NAME ...] [--list]

Every shot is one function below: it starts a fresh simulated room in a temporary data directory the way the
app does (`start_screen`, one window per screen size with the scale and keyboard the app would give it), signs
in with the one staff account through the controller as the PIN pad does, drives the session through the same
commands the buttons send, and grabs each window. The room clock runs ahead by hand (infusion time, recovery
time); the trend plot's earlier minutes are drawn from the simulated patient's model, since nothing waits for
them. Shots made at both sizes are written as NAME-1280x800.png and NAME-1920x1080.png; the older shots made
only at the workstation's 1280×800 keep their plain NAME.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.clock import OffsetClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols  # noqa: E402
from roomcontrol.domain.vitals import Reading  # noqa: E402
from roomcontrol.ui import theme  # noqa: E402
from roomcontrol.ui.app import start_screen  # noqa: E402
from roomcontrol.ui.window import RoomWindow  # noqa: E402

NURSE, NURSE_NAME, PIN = "rn.ada", "Ada Lovelace", "2468"
WITNESS, WITNESS_PIN, ADMIN, ADMIN_PIN = "rn.bo", "1357", "adm.kim", "3579"
OTHER_STAFF = ((WITNESS, "Bo Chen", "nurse", WITNESS_PIN), (ADMIN, "Kim Park", "admin", ADMIN_PIN))
CONFIG = RoomConfig(room_name="Room 3 · Willow", clinic_name="Harbour Ketamine Clinic")
_errors: list[str] = []
# the shipped protocols, as a room.toml naming them gives them (the protocol shots; the older ones keep the policy)
PROTOCOLS = replace(CONFIG, session=replace(CONFIG.session, protocols=load_protocols(
    ("ketamine-depression", "esketamine-nasal"), SHIPPED_DIR, _errors)))
assert not _errors, _errors
SMALL, WIDE = (1280, 800), (1920, 1080)
BOTH = (SMALL, WIDE)
CHECKLIST = (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}), ("escort", {}),
             ("pregnancy_screen", {}), ("iv_access", {}))
PADSS = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2, "bleeding": 2}


# -- waiting on the room -----------------------------------------------------------------------------------
def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait(app, condition: Callable[[], object], timeout: float = 20.0, what: str = "the room") -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        pump(app, 0.05)


# -- one started room and its windows ----------------------------------------------------------------------
class Room:
    """A fresh simulated room started as run_app starts it, with one window per size, none signed in yet.

    `kiosk` gives the windows the on-screen keyboard the room's config gives a touchscreen."""

    def __init__(self, app: QApplication, out: Path, name: str, sizes=BOTH, *, kiosk: bool = False,
                 config: RoomConfig = CONFIG):
        self.app, self.out, self.name = app, out, name
        self.data = Path(tempfile.mkdtemp(prefix="roomcontrol-shots-"))
        add_staff(self.data, NURSE, NURSE_NAME, "nurse", PIN)
        for staff_id, name_, role, pin in OTHER_STAFF:
            add_staff(self.data, staff_id, name_, role, pin)
        self.clock = OffsetClock()
        self.screen = start_screen(config, self.data, clock=self.clock, audio=False)
        self.room, self.devices = self.screen.runtime.room, self.screen.runtime.devices
        self.controller = self.screen.controller
        self.windows: dict[str, RoomWindow] = {}
        for width, height in sizes:
            window = RoomWindow(self.controller, scale=theme.scale_for(width),
                                title=f"RoomControl — {CONFIG.room_name}" + (" (touch)" if kiosk else ""),
                                keyboard=CONFIG.screen.keyboard(kiosk=kiosk))
            window.resize(width, height)
            window.show()
            self.windows[f"{width}x{height}"] = window
        self.plain_names = tuple(sizes) != BOTH  # a shot made at one size only keeps its old plain name
        self.wait(lambda: self.controller.last is not None, what="the room's first snapshot")

    def close(self) -> None:
        for window in self.windows.values():
            window.close()
            window.deleteLater()
        self.screen.close()
        pump(self.app, 0.2)
        shutil.rmtree(self.data, ignore_errors=True)

    # waiting
    def pump(self, seconds: float) -> None:
        pump(self.app, seconds)

    def wait(self, condition: Callable[[], object], timeout: float = 20.0, what: str = "the room") -> None:
        wait(self.app, condition, timeout, what)

    def on_page(self, name: str) -> None:
        self.wait(lambda: all(w.current == name for w in self.windows.values()), what=f"the {name} page")

    # the nurse at the screen
    @property
    def last(self):
        """The room as the screen last saw it."""
        return self.controller.last

    def command(self, name: str, **args) -> list:
        return self.room.command(name, NURSE, **args)

    def sign_in(self) -> None:
        """As the lock screen's PIN pad does: through the controller and the gate's hash check."""
        self.controller.unlock(NURSE, PIN)
        self.wait(lambda: self.controller.staff is not None, what="the sign-in")
        self.on_page("main")

    def lock(self) -> None:
        self.controller.lock()
        self.on_page("lock")

    def go(self, page: str) -> None:
        for window in self.windows.values():
            window.go(page)

    def advance(self, **delta: float) -> None:
        self.clock.offset += timedelta(**delta)

    # the session
    def open_session(self, patient_ref: str = "PT-1042", weight_kg: float = 72.5, course_no: int = 3,
                     dose_mg_per_kg: float = 0.5) -> None:
        self.command("open_session", patient_ref=patient_ref, weight_kg=weight_kg, course_no=course_no,
                     dose_mg_per_kg=dose_mg_per_kg)

    def check(self, count: int = len(CHECKLIST)) -> None:
        for item, extra in CHECKLIST[:count]:
            self.command("confirm_checklist", item=item, **extra)

    def baseline(self) -> None:
        self.command("record_baseline", heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)

    def infusing(self, minutes: float, *, lead_min: float = 4, nausea: bool = True) -> None:
        """Signed in, PT-1042 checked in and infusing for `minutes` (from the room clock), nausea treated."""
        self.sign_in()
        self.open_session()
        self.check()
        self.baseline()
        self.advance(minutes=lead_min)
        self.command("start_infusion")
        self.advance(minutes=minutes)
        if nausea:
            self.command("note_symptom", symptom="nausea", severity="mild")
            self.command("give_medication", drug="Ondansetron", dose=4, unit="mg", route="IV")
        self.cuff()
        # the infusion scene's light fades down, and the screen dims with it (by design, numerics kept bright)
        self.wait(lambda: all(w.dimmer.alpha for w in self.windows.values()), what="the screen to dim")

    def cuff(self) -> None:
        """A cuff measurement now, from the simulated patient's model: the monitor's own cycle runs on real
        seconds, so after the clock ran ahead the last NIBP would be the baseline's, minutes old."""
        session = self.room.state.session
        now = self.clock.now()
        second = (now - session.opened_at).total_seconds()
        started = session.infusion_started_at
        t_min = (now - started).total_seconds() / 60 if started else None
        for kind, value in zip(("nibp_systolic", "nibp_diastolic", "nibp_mean"),
                               self.devices.vitals.model.nibp(second, t_min)):
            self.room.post_reading(Reading(kind, value, "mmHg", now, source="screenshots"))

    def to_elapsed(self, seconds: float) -> None:
        """Run the clock on to this infusion time."""
        self.advance(seconds=seconds - self.room.snapshot().infusion_elapsed_s)
        self.cuff()

    def desaturate(self, duration_s: float = 40):
        """A simulated desaturation, held past the alarm's delay; returns the raised SpO₂-low alarm."""
        self.devices.vitals.add_event("desaturation", duration_s, magnitude=1.7)
        self.wait(lambda: (self.last.vitals["spo2"].value or 100) < 88, what="the SpO₂ to fall")
        self.advance(seconds=16)
        self.wait(lambda: any(a.condition == "spo2.low" for a in self.last.alarms), what="the SpO₂ alarm")
        return next(a for a in self.last.alarms if a.condition == "spo2.low")

    def backfill(self) -> None:
        """The trend plot's minutes since the session opened, drawn from the simulated patient's model."""
        model = self.devices.vitals.model
        session = self.room.state.session
        opened = session.opened_at
        minutes = (self.clock.now() - opened).total_seconds() / 60
        # the plot starts at the session's opening once the screen has seen the session (before, it drops points)
        self.wait(lambda: all(w.main.vitals.trends.start == opened for w in self.windows.values()),
                  what="the trend plot to start")
        lead = ((session.infusion_started_at or opened) - opened).total_seconds()
        for window in self.windows.values():
            trends = window.main.vitals.trends
            for second in range(0, int(minutes * 60), 5):
                t_min = max(0.0, (second - lead) / 60) if second >= lead else None
                n = model.numerics(second, t_min)
                ts = opened + timedelta(seconds=second)
                trends.add("heart_rate", n.heart_rate, ts)
                trends.add("spo2", n.spo2, ts)
                if second % 300 == 0:
                    systolic, diastolic, _ = model.nibp(second, t_min)
                    trends.add("nibp_systolic", systolic, ts)
                    trends.add("nibp_diastolic", diastolic, ts)
            trends.redraw()

    # the pictures
    def grab(self, size: str) -> None:
        window = self.windows[size]
        window.blinker._on = {k: True for k in window.blinker._on}  # a flashing alarm caught lit …
        window.blinker.changed.emit()  # … by every row, tile and band
        window.repaint()
        path = self.out / (f"{self.name}.png" if self.plain_names else f"{self.name}-{size}.png")
        window.grab().save(str(path))
        print("wrote", path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)

    def live(self) -> None:
        """Wait for live HR and SpO₂: after the clock ran ahead, the last readings are old until the monitor's
        next second (the snapshot of the command itself was made before it knew)."""
        self.pump(1.0)
        self.wait(lambda: all(self.last.tiles[k].value != "--" for k in ("hr", "spo2")), what="live numerics")

    def snap(self, settle: float = 1.2) -> None:
        self.pump(settle)
        self.live()
        for size in self.windows:
            self.grab(size)


# -- the shots ----------------------------------------------------------------------------------------------
SHOTS: dict[str, tuple[Callable[[Room], None], tuple, bool, RoomConfig]] = {}


def shot(name: str, sizes=BOTH, *, kiosk: bool = False, config: RoomConfig = CONFIG):
    def register(fn: Callable[[Room], None]):
        SHOTS[name] = (fn, sizes, kiosk, config)
        return fn
    return register


# The session from the lock screen to discharge --------------------------------------------------------------
@shot("lock", (SMALL,))
def lock(r: Room) -> None:
    """The lock screen the patient sees, no session yet."""
    r.pump(2.5)
    r.snap(0)


@shot("checkin", (SMALL,))
def checkin(r: Room) -> None:
    """Check-in of PT-1042, three of the five checklist items confirmed."""
    r.sign_in()
    r.open_session()
    r.check(3)
    r.go("checkin")
    r.snap(1.5)


@shot("main")
def main_screen(r: Room) -> None:
    """14 minutes into the infusion, nausea noted and treated."""
    r.infusing(14)
    r.pump(2.0)
    r.backfill()
    r.snap()


@shot("form-with-vitals-strip")
def form_with_vitals_strip(r: Room) -> None:
    """A form page (medication) keeps its strip of live numerics above it."""
    r.infusing(14)
    r.go("medication")
    r.snap(1.5)


@shot("alarm-high", (SMALL,))
def alarm_high(r: Room) -> None:
    """A high-priority SpO₂ alarm on the main screen."""
    r.infusing(14)
    r.pump(1.0)
    r.backfill()
    r.desaturate()
    r.snap()


@shot("overrun")
def overrun(r: Room) -> None:
    """Past the planned 40 minutes: the amber cue, a big Complete, the overrun counting up."""
    r.infusing(14)
    r.to_elapsed(40 * 60 + 35)
    r.wait(lambda: r.last.planned_time_reached and all(w.main.card.due for w in r.windows.values()),
           what="the planned time")
    r.pump(1.0)
    r.backfill()
    r.snap()


@shot("discharge", (SMALL,))
def discharge(r: Room) -> None:
    """Recovery after a completed infusion: PADSS scored, escort confirmed."""
    r.infusing(14)
    r.to_elapsed(43 * 60 + 35)
    r.command("complete_infusion")
    r.advance(minutes=32)
    r.cuff()
    r.command("record_assessment", scale="PADSS", items=PADSS)
    r.go("discharge")
    for window in r.windows.values():
        page = window.pages["discharge"]
        page.padss.set_items(PADSS)
        page.escort.setChecked(True)
    r.snap(1.5)


# Calls and alarms -------------------------------------------------------------------------------------------
def call_waiting(r: Room) -> None:
    r.infusing(12, nausea=False)
    r.lock()
    r.room.command("call_nurse", "patient")  # the lock screen's Call nurse, sent as the patient
    r.advance(seconds=42)


@shot("lock-call")
def lock_call(r: Room) -> None:
    """The patient pressed Call nurse 42 s ago, the screen locked."""
    call_waiting(r)
    r.snap()


@shot("call-banner")
def call_banner(r: Room) -> None:
    """The waiting call's banner once the nurse has signed in."""
    call_waiting(r)
    r.sign_in()
    r.backfill()
    r.snap()


@shot("lock-alarm")
def lock_alarm(r: Room) -> None:
    """An SpO₂ alarm while the screen is locked."""
    r.infusing(12, nausea=False)
    r.lock()
    r.desaturate(120)
    r.snap()


@shot("alarm-acknowledged")
def alarm_acknowledged(r: Room) -> None:
    """The acknowledged SpO₂ alarm on the banner with its live value, beside a new NIBP alarm not acknowledged."""
    r.infusing(12, nausea=False)
    r.backfill()
    alarm = r.desaturate(120)
    r.command("acknowledge_alarm", alarm_id=alarm.alarm_id)
    for name, value in (("nibp_systolic", 188), ("nibp_diastolic", 96), ("nibp_mean", 127)):
        r.room.post_reading(Reading(name, value, "mmHg", r.clock.now(), source="screenshots"))
    r.wait(lambda: len(r.last.alarms) >= 2, what="the NIBP alarm")
    r.snap(2.5)


# Check-in of the next patient, the dose -------------------------------------------------------------------
def second_patient(r: Room) -> None:
    """PT-2001 opened with everything the old form kept, then aborted; PT-2002 typed into the empty check-in."""
    r.sign_in()
    r.open_session("PT-2001", weight_kg=82, course_no=4, dose_mg_per_kg=0.75)
    r.baseline()
    r.command("abort_session", reason="Patient declined")
    r.wait(lambda: r.last.phase == "aborted", what="the abort")
    r.on_page("main")
    r.go("checkin")
    for window in r.windows.values():
        window.pages["checkin"].patient_ref.setText("PT-2002")


def high_dose(r: Room) -> None:
    """2.0 mg/kg typed and Open pressed: the room refuses, the confirmation page answers."""
    second_patient(r)
    for window in r.windows.values():
        page = window.pages["checkin"]
        page.dose.setValue(2.0)
        page.open_button.click()
        r.wait(lambda window=window: window.current == "dose_confirm", what="the dose confirmation")


def correcting(r: Room) -> None:
    """The high dose confirmed; the dose plan tapped in the timeline, the weight changed, a reason chosen."""
    high_dose(r)
    next(iter(r.windows.values())).pages["dose_confirm"]._confirm()  # as the hold does
    r.wait(lambda: r.last.phase == "pre_infusion", what="the confirmed session")
    r.command("note_symptom", symptom="anxiety", severity="mild")
    r.pump(1.0)
    for window in r.windows.values():
        window.go("main")
        opened = next(e for e in window.main.timeline.events if e.kind == "session.opened")
        window.main.timeline.correct.emit(opened, dict(opened.payload))
        page = window.pages["correction"]
        page.inputs["weight_kg"].setValue(72)
        page.reasons.buttons["Re-measured"].click()


@shot("checkin-second-patient")
def checkin_second_patient(r: Room) -> None:
    """The check-in after an aborted session: empty but for the defaults, the next reference typed."""
    second_patient(r)
    r.snap(1.5)


@shot("high-dose-confirm")
def high_dose_confirm(r: Room) -> None:
    """2.0 mg/kg at check-in: the room refuses it and asks for the confirmation."""
    high_dose(r)
    r.snap(1.0)


@shot("correction")
def correction(r: Room) -> None:
    """The dose plan tapped in the timeline: the weight corrected, a reason chosen."""
    correcting(r)
    r.snap(1.0)


@shot("corrected-timeline")
def corrected_timeline(r: Room) -> None:
    """The timeline after the correction was saved."""
    correcting(r)
    next(iter(r.windows.values())).pages["correction"]._save()
    r.wait(lambda: any(e.kind == "event.corrected" for e in r.controller.history), what="the correction")
    r.go("main")
    r.snap(1.0)


# The touchscreen: keyboard, the patient's questionnaire, its flag -------------------------------------------
PHQ9 = [1, 2, 1, 1, 0, 1, 0, 0, 1]


def phq9_answered(r: Room, items: int) -> None:
    r.sign_in()
    r.open_session("PT-2002", weight_kg=68, course_no=2, dose_mg_per_kg=0.5)
    r.lock()
    for window in r.windows.values():
        forms = window.pages["patient_forms"]
        window.go("patient_forms")
        forms.start("PHQ-9")
        for value in PHQ9[:items]:
            forms.answer(value)


@shot("keyboard", kiosk=True)
def keyboard(r: Room) -> None:
    """The on-screen keyboard at check-in, typing a patient reference (one window focused at a time)."""
    r.sign_in()
    for size, window in r.windows.items():
        window.go("checkin")
        window.activateWindow()
        r.pump(0.5)
        window.pages["checkin"].patient_ref.setFocus()
        r.wait(lambda window=window: window.keyboard.isVisible(), what="the keyboard")
        window.keyboard.press("⇧")
        window.keyboard.type_text("PT-2002")
        r.pump(0.8)
        r.grab(size)
        window.keyboard.press("Done")
        window.go("main")


@shot("patient-phq9", kiosk=True)
def patient_phq9(r: Room) -> None:
    """The patient's PHQ-9 on the locked screen, at its last item."""
    phq9_answered(r, 8)
    r.snap(0.8)


@shot("phq9-flag", kiosk=True)
def phq9_flag(r: Room) -> None:
    """The item-9 flag on the nurse's screen after the patient sent the PHQ-9 and the nurse signed in."""
    phq9_answered(r, 8)
    forms = next(iter(r.windows.values())).pages["patient_forms"]
    forms.answer(PHQ9[8])
    forms._send()
    r.wait(lambda: forms.finish.isVisible(), what="the PHQ-9 sent")
    for window in r.windows.values():
        window.pages["patient_forms"].leave()
    r.sign_in()
    r.wait(lambda: all(w.flag.isVisible() for w in r.windows.values()), what="the flag")
    r.snap(1.5)


# The patient's course at check-in and the comfort plan (issue #16, docs/COMFORT.md) --------------------------
COMFORT = {"playlist": "nature", "track": "02_ocean.ogg", "volume": 20.0, "light": 10.0, "colour_temp_k": 2200,
           "diffuser": False, "prefers_silence": False, "eye_mask": True, "blanket": True,
           "note": "likes to hold a stone"}


def earlier_infusions(r: Room) -> None:
    """PT-1042's last two infusions in this room, a week apart: PHQ-9 falling, nausea and ondansetron, titrated,
    the comfort plan saved at discharge."""
    r.sign_in()
    for no, (phq, rate) in enumerate((([2, 2, 2, 3, 2, 2, 2, 2, 1], 45), ([1, 1, 1, 2, 1, 1, 1, 1, 0], None)), 1):
        r.open_session(course_no=no, dose_mg_per_kg=0.5 if no == 1 else 0.6)
        r.command("record_assessment", scale="PHQ-9", items={f"q{i + 1}": v for i, v in enumerate(phq)})
        r.check()
        r.baseline()
        r.command("start_infusion")
        r.advance(minutes=12)
        if rate:
            r.command("change_rate", rate_mg_per_h=rate, reason="dissociation")
        r.command("note_symptom", symptom="nausea", severity="moderate")
        r.command("give_medication", drug="Ondansetron", dose=4, unit="mg", route="IV", indication="nausea")
        r.advance(minutes=30)
        r.command("complete_infusion")
        r.command("set_comfort_plan", plan=COMFORT)
        r.advance(minutes=31)
        r.command("record_assessment", scale="PADSS", items=PADSS)
        r.command("discharge", escort_confirmed=True)
        r.wait(lambda: r.last.phase == "discharged", what="the discharge")
        r.advance(days=7)
    r.pump(2.0)  # the screen catches up with the snapshots of two sessions run in a second


def course_at_checkin(r: Room, client=None) -> None:
    """Check-in of PT-1042's third infusion: the reference typed, the course panel filled in."""
    earlier_infusions(r)
    r.go("checkin")
    for window in r.windows.values():
        panel = window.pages["checkin"].course_panel
        if client is not None:
            panel.client = client
        window.pages["checkin"].patient_ref.setText("PT-1042")
    r.wait(lambda: all(w.pages["checkin"].course_panel.answer for w in r.windows.values()), what="the course")


@shot("checkin-course")
def checkin_course(r: Room) -> None:
    """Check-in with the course panel: the clinic hub's answer (a hub on loopback that received this room's log)."""
    from roomcontrol.sync.course_client import CourseClient
    from roomcontrol.sync.hub.db import HubDB
    from roomcontrol.sync.hub.server import ThreadedHub
    from roomcontrol.sync.hub.store import add_room
    from roomcontrol.sync.pusher import SyncPusher
    hubdb = HubDB(str(r.data / "hub.db"))
    token = add_room(hubdb, CONFIG.room_id)
    with ThreadedHub(hubdb) as hub:
        earlier_infusions(r)
        pusher = SyncPusher(r.room.db_path, CONFIG.room_id, hub.url, token, interval_s=3600)
        r.room.vitals.flush()
        if not pusher.sync_now().ok:
            raise SystemExit("screenshots: the hub did not take the room's log")
        pusher.stop()
        r.go("checkin")
        for window in r.windows.values():
            window.pages["checkin"].course_panel.client = CourseClient(r.room.db_path, hub.url, token)
            window.pages["checkin"].patient_ref.setText("PT-1042")
        r.wait(lambda: all(w.pages["checkin"].course_panel.answer for w in r.windows.values()), what="the course")
    hubdb.close()
    r.snap(1.0)


@shot("checkin-course-offline")
def checkin_course_offline(r: Room) -> None:
    """Check-in with the course panel when no hub answers: this room's own sessions, and the notice."""
    course_at_checkin(r)
    r.snap(1.0)


@shot("my-comfort", kiosk=True)
def my_comfort(r: Room) -> None:
    """The patient's "My comfort" page from the locked screen, the plan loaded from the course."""
    r.sign_in()
    r.open_session("PT-2002", weight_kg=68, course_no=2, dose_mg_per_kg=0.5)
    r.command("set_comfort_plan", plan=COMFORT, source="course")
    r.lock()
    r.go("comfort")
    r.snap(1.0)


# The treatment protocols on the room screen (issue #15) -----------------------------------------------------
NASAL_CHECKLIST = ("consent", "escort", "medications_reviewed", "identity_confirmed")
CADSS_0 = dict(slow_motion=0, unreal=0, body_changed=0, separated=0, time_changed=0, colours_changed=0)


def ready_to_start(r: Room, **baseline) -> None:
    """Signed in, PT-1042 checked in under ketamine-depression (the room's first protocol), the baseline taken."""
    r.sign_in()
    r.open_session()
    r.check()
    r.command("record_baseline", **{"heart_rate": 72, "spo2": 98, "nibp_systolic": 124, "nibp_diastolic": 78,
                                    **baseline})
    r.wait(lambda: r.last.phase == "pre_infusion", what="the check-in")


def started(r: Room, minutes: float = 0) -> None:
    ready_to_start(r)
    r.advance(minutes=4)
    r.command("start_infusion")
    r.advance(minutes=minutes)


def nasal_started(r: Room, dose_mg: float = 84) -> None:
    """PT-5150's esketamine session (84 mg: three devices), checked in, the first device given."""
    r.sign_in()
    r.command("open_session", patient_ref="PT-5150", weight_kg=80, course_no=5, protocol="esketamine-nasal",
              dose_mg=dose_mg)
    for item in NASAL_CHECKLIST:
        r.command("confirm_checklist", item=item)
    r.baseline()
    r.advance(minutes=3)
    r.command("give_device")
    r.wait(lambda: r.last.phase == "infusing", what="the first device")


@shot("due-strip", config=PROTOCOLS)
def due_strip(r: Room) -> None:
    """21 minutes into the infusion under ketamine-depression: the BP and MOAA/S due at 15 min, overdue."""
    started(r, 21)
    r.wait(lambda: all(len([x for x in w.main.due.rows if x.isVisible()]) == 2 for w in r.windows.values()),
           what="the due strip")
    r.backfill()
    r.snap()


def press_card(r: Room, button: str, page: str) -> None:
    """The session card's `button` pressed on every window (both sizes), then wait for the `page` it opens."""
    for window in r.windows.values():
        window.main.card.b[button].click()
    r.on_page(page)


@shot("pre-dose", config=PROTOCOLS)
def pre_dose(r: Room) -> None:
    """Start infusion pressed with a baseline BP of 172/104: the pre-dose decision."""
    ready_to_start(r, nibp_systolic=172, nibp_diastolic=104)
    for kind, value in (("nibp_systolic", 172), ("nibp_diastolic", 104), ("nibp_mean", 127)):  # the monitor agrees
        r.room.post_reading(Reading(kind, value, "mmHg", r.clock.now(), source="screenshots"))
    r.wait(lambda: bool(r.last.pre_dose), what="the pre-dose finding")
    press_card(r, "start", "pre_dose")
    r.snap(1.0)


@shot("advisory", config=PROTOCOLS)
def advisory(r: Room) -> None:
    """Two BPs above 180/110 within 5 minutes during the infusion: the advisory bar and its medium alarm."""
    started(r, 12)
    for _ in range(2):
        for kind, value in (("nibp_systolic", 186), ("nibp_diastolic", 112), ("nibp_mean", 137)):
            r.room.post_reading(Reading(kind, value, "mmHg", r.clock.now(), source="screenshots"))
        r.advance(seconds=120)
    r.wait(lambda: all(w.advisory.isVisible() for w in r.windows.values()), what="the advisory")
    r.backfill()
    r.snap(1.5)


@shot("check-prompt", kiosk=True, config=PROTOCOLS)
def check_prompt(r: Room) -> None:
    """The patient's "If you're OK, tap anywhere" on the locked screen, 10 minutes into the infusion."""
    started(r)
    r.lock()
    r.advance(minutes=10)
    r.wait(lambda: all(w.pages["lock"].stack.currentWidget() is w.pages["lock"].check
                       for w in r.windows.values()), what="the check")
    r.snap(1.0)


def fill_draw(r: Room) -> None:
    for window in r.windows.values():
        page = window.pages["controlled"]
        page.conc.setValue(10)
        page.volume.setValue(5)
        page.lot.setText("KT2291A")
        page.expiry.setText("2027-06")


@shot("controlled-drawn", config=PROTOCOLS)
def controlled_drawn(r: Room) -> None:
    """Drawn… before the start: the vial's concentration, volume, lot and expiry typed, not yet recorded."""
    ready_to_start(r)
    press_card(r, "drawn", "controlled")
    fill_draw(r)
    r.snap(1.0)


def drawn_to_recovery(r: Room) -> None:
    ready_to_start(r)
    r.command("record_draw", mg_per_ml=10, ml=5, lot="KT2291A", expiry="2027-06")
    r.advance(minutes=4)
    r.command("start_infusion")
    r.advance(minutes=40, seconds=30)
    r.command("complete_infusion")
    r.advance(minutes=31)
    r.cuff()
    r.command("record_assessment", scale="PADSS", items=PADSS)
    r.wait(lambda: r.last.phase == "recovery" and bool(r.last.session.controlled.draws), what="the recovery")


@shot("controlled-waste", config=PROTOCOLS)
def controlled_waste(r: Room) -> None:
    """Waste… in recovery: the arithmetic, the nurse's PIN entered, the witness chosen on the same pad."""
    drawn_to_recovery(r)
    press_card(r, "waste", "controlled")
    for window in r.windows.values():
        page = window.pages["controlled"]
        r.wait(lambda page=page: page.witness is not None, what="the witness list")
        for digit in PIN:
            page.pad.keys[digit].click()
        page.pad.keys["Enter"].click()
        page.witness.buttons[WITNESS].click()
        for digit in WITNESS_PIN[:2]:
            page.pad.keys[digit].click()
    r.snap(1.0)


@shot("card-recovery", (SMALL,), config=PROTOCOLS)
def card_recovery(r: Room) -> None:
    """The card in recovery with a drawn vial: Waste, Discharge, CADSS-6, MOAA/S and Abort on one row."""
    drawn_to_recovery(r)
    r.backfill()
    r.snap()


@shot("card-pre-infusion", (SMALL,), config=PROTOCOLS)
def card_pre_infusion(r: Room) -> None:
    """The card before the start: Check-in, Drawn…, Start infusion, Abort."""
    ready_to_start(r)
    r.snap()


@shot("card-paused", (SMALL,), config=PROTOCOLS)
def card_paused(r: Room) -> None:
    """The card with the infusion paused: the pause's time and reason under the timer."""
    started(r, 9)
    r.command("pause_infusion", reason="bathroom")
    r.advance(minutes=2, seconds=10)
    r.backfill()
    r.snap()


@shot("nasal-devices", config=PROTOCOLS)
def nasal_devices(r: Room) -> None:
    """Esketamine 84 mg, the first device given 1:48 ago: "Device 2 of 3 in 3:1x" counting down on the card."""
    nasal_started(r)
    r.advance(seconds=108)
    r.room.call(r.room.tick).result(timeout=5)
    r.wait(lambda: all("in 3:1" in w.main.card.b["device"].text() for w in r.windows.values()),
           what="the next device's wait")
    r.backfill()
    r.snap()


def nasal_discharge(r: Room) -> None:
    """The esketamine session past its devices and two hours' monitoring, MOAA/S not scored: the discharge page."""
    nasal_started(r, 56)
    r.advance(minutes=5)
    r.command("give_device")
    r.wait(lambda: r.last.phase == "recovery", what="the last device")
    r.advance(minutes=125)
    r.cuff()
    r.command("record_assessment", scale="PADSS", items=PADSS)
    r.command("record_assessment", scale="CADSS-6", items=CADSS_0)
    r.pump(1.0)
    r.go("discharge")


@shot("discharge-rules", config=PROTOCOLS)
def discharge_rules(r: Room) -> None:
    """The protocol's unmet discharge rules, a reason for each typed and an administrator signing the override."""
    nasal_discharge(r)
    for window in r.windows.values():
        d = window.pages["discharge"]
        d.pages.buttons["rules"].click()
        r.wait(lambda d=d: d.rules.rows["moaas"].isVisible(), what="the rules")
        for rule, row in d.rules.rows.items():
            if row.isVisible():
                d.rules.reasons[rule].setText("baseline MOAA/S is 4: hearing loss" if rule == "moaas" else
                                              "escort waiting in the lobby")
        d.rules.admin.setText(ADMIN)
        d.rules.pin.setText(ADMIN_PIN)
    r.snap(1.0)


@shot("discharge-rems", config=PROTOCOLS)
def discharge_rems(r: Room) -> None:
    """The esketamine REMS Patient Monitoring Form at discharge, half filled (from the session and the readings)."""
    nasal_discharge(r)
    for window in r.windows.values():
        d = window.pages["discharge"]
        d.pages.buttons["rems"].click()
        for key in ("benzodiazepines", "sedative_hypnotics", "psychostimulants", "maois"):
            d.rems.choices[key].buttons[False].click()
    r.snap(1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", metavar="NAME", action="append", default=[],
                        help="make only this shot (repeat for more; --list shows the names)")
    parser.add_argument("--list", action="store_true", help="list the shots and their sizes, make none")
    args = parser.parse_args()
    if args.list:
        for name, (fn, sizes, _, _) in SHOTS.items():
            print(f"{name:24} {' '.join(f'{w}x{h}' for w, h in sizes):20} {(fn.__doc__ or '').strip()}")
        return 0
    unknown = [n for n in args.only if n not in SHOTS]
    if unknown:
        parser.error(f"no shot named {', '.join(unknown)} (one of: {', '.join(SHOTS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("RoomControl")
    for name, (fn, sizes, kiosk, config) in SHOTS.items():
        if args.only and name not in args.only:
            continue
        room = Room(app, args.out, name, sizes, kiosk=kiosk, config=config)
        try:
            fn(room)
        finally:
            room.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
