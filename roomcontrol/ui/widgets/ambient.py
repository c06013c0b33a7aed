"""The ambient panel: scenes, light, volume, track and diffuser. The patient's version (locked screen) has only
light, volume and track, within the patient's limits, and acts as "patient".

A slider sends `set_ambient` with final=False while it is dragged (applied, not logged; at most ~8 a second)
and final=True once on release, so one drag is one line in the log."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from roomcontrol.domain.ambient import PATIENT_LIMITS, PatientLimits
from roomcontrol.domain.ambient_words import track_title
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, button

SCENE_LABELS = {"welcome": "Welcome", "infusion": "Infusion", "recovery": "Recovery", "discharge": "Discharge",
                "cleaning": "Cleaning", "off": "Off"}
DRAG_SEND_MS = 120
USER_HOLD_S = 3.0  # after a change by hand, the device status does not move the slider for this long


class AmbientSlider(QWidget):
    def __init__(self, controller: RoomController, target: str, label: str, patient: bool) -> None:
        super().__init__()
        self.controller, self.target, self.patient = controller, target, patient
        self.touched_at = 0.0
        self.level: int | None = None  # the room's real level, shown even where the patient's slider cannot go
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(label)
        self.label.setMinimumWidth(90)
        self.value_label = QLabel("")
        self.value_label.setMinimumWidth(60)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        low, high = PATIENT_LIMITS[target] if patient else (0, 100)
        self.slider.setRange(int(low), int(high))
        self.slider.setPageStep(10)
        self.slider.setAccessibleName(f"{target} slider")
        row.addWidget(self.label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        self._pending: int | None = None
        self._throttle = QTimer(self, singleShot=True, interval=DRAG_SEND_MS)
        self._throttle.timeout.connect(self._send_drag)
        self.slider.valueChanged.connect(self._changed)
        self.slider.sliderReleased.connect(self._released)

    def _changed(self, value: int) -> None:
        self.value_label.setText(f"{value} %")
        if self.slider.signalsBlocked():
            return
        self.touched_at = time.monotonic()
        self.level = value  # asked for by hand: the device's report follows
        if self.slider.isSliderDown():
            self._pending = value
            if not self._throttle.isActive():
                self._throttle.start()
        else:
            self._send(value, True)

    def _send_drag(self) -> None:
        if self._pending is not None and self.slider.isSliderDown():
            self._send(self._pending, False)
        self._pending = None

    def _released(self) -> None:
        self._throttle.stop()
        self._pending = None
        self.touched_at = time.monotonic()
        self._send(self.slider.value(), True)

    def _send(self, value: int, final: bool) -> None:
        self.controller.ops.set_ambient(self.target, value, final=final, actor="patient" if self.patient else None)

    def show_range(self, limits: PatientLimits | None) -> None:
        """The patient's slider spans what the current scene allows from the chair (the engine checks it too)."""
        if not self.patient or not limits or self.target not in limits:
            return
        low, high = (int(round(v)) for v in limits[self.target])
        if (self.slider.minimum(), self.slider.maximum()) != (low, high):
            self.slider.blockSignals(True)
            self.slider.setRange(low, high)
            self.slider.blockSignals(False)
            self._show_level()
        self.slider.setToolTip(f"{low}–{high} % in this scene")

    def show_value(self, percent: float | None) -> None:
        if percent is None or self.slider.isSliderDown() or time.monotonic() - self.touched_at < USER_HOLD_S:
            return
        self.level = int(round(percent))
        self.slider.blockSignals(True)
        self.slider.setValue(self.level)  # the patient's slider stops at its range's end; the number does not
        self.slider.blockSignals(False)
        self._show_level()

    def _show_level(self) -> None:
        """The room's real level (what the device reports), else where the slider stands."""
        self.value_label.setText(f"{self.slider.value() if self.level is None else self.level} %")


class AmbientPanel(QWidget):
    def __init__(self, controller: RoomController, *, patient: bool = False, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.patient = controller, patient
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, not patient)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 10, 12, 10)
        box.setSpacing(theme.px(4, scale))
        if not patient:
            names = list(controller.config.scenes)
            self.scenes = Choice(names, {n: SCENE_LABELS.get(n, n.capitalize()) for n in names}, columns=3)
            for b in self.scenes.buttons.values():
                b.setStyleSheet(f"padding: 0 4px; font-size: {theme.px(16, scale)}px;")
            box.addWidget(self.scenes)
            self.scenes.changed.connect(self._scene)
        self.light = AmbientSlider(controller, "light", "Light", patient)
        self.volume = AmbientSlider(controller, "volume", "Volume", patient)
        box.addWidget(self.light)
        box.addWidget(self.volume)
        row = QHBoxLayout()
        self.prev = button("◀◀", lambda: self._track("previous"), name="previous track")
        self.play = button("Play", self._play_pause, name="play or pause music")
        self.next = button("▶▶", lambda: self._track("next"), name="next track")
        self.track = QLabel("")
        self.track.setObjectName("dim")
        for b in (self.prev, self.play, self.next):
            row.addWidget(b)
        if not patient:  # the nurse's panel: the diffuser joins the row; the track name is its tooltip
            self.diffuser = button("Mist", self._diffuser, checkable=True, name="diffuser")
            row.addWidget(self.diffuser)
            for b in (self.prev, self.play, self.next, self.diffuser):
                b.setStyleSheet("padding: 0 6px;")
        box.addLayout(row)
        if patient:
            box.addWidget(self.track)
        box.addStretch(1)
        self.playing = False
        for b in (self.prev, self.play, self.next):
            b.setEnabled(False)  # until the player says a track is there
        controller.ambient.connect(self.show_status)

    def _scene(self, name: str) -> None:
        if not getattr(self, "_quiet", False):
            self.controller.ops.apply_scene(name)

    def _track(self, move: str) -> None:
        self.controller.ops.set_ambient("track", move, actor="patient" if self.patient else None)

    def _play_pause(self) -> None:
        """Asks the player; the button's text follows what the player then reports (never guessed here)."""
        self._track("pause" if self.playing else "play")

    def _diffuser(self) -> None:
        self.controller.ops.set_ambient("diffuser", self.diffuser.isChecked())

    def show_status(self, status: dict[str, Any]) -> None:
        self.light.show_range(status.get("patient_limits"))
        self.volume.show_range(status.get("patient_limits"))
        self.light.show_value(status.get("light_percent"))
        audio = status.get("audio")
        if audio is not None:
            self.volume.show_value(audio.volume * 100)
            loaded = bool(audio.track or audio.tracks)  # a track to play, or a playlist to start
            self.playing = loaded and audio.playing and not audio.paused
            name = track_title(audio.track) if audio.track else ""
            self.track.setText(f"♪ {name}" if name else "No music")
        else:
            loaded, self.playing = False, False
            self.track.setText("No sound device")
        self.play.setText(("Pause" if self.playing else "Play") if loaded else
                          ("No music" if audio is not None else "No sound"))
        for b in (self.prev, self.play, self.next):
            b.setEnabled(loaded)
        self.play.setToolTip(self.track.text())
        if not self.patient:
            if status.get("scene") in self.scenes.buttons and self.scenes.value != status.get("scene"):
                self._quiet = True
                self.scenes.set_value(status["scene"])
                self._quiet = False
            diffuser = status.get("diffuser")
            if diffuser is not None:
                self.diffuser.blockSignals(True)
                self.diffuser.setChecked(bool(diffuser.running))
                self.diffuser.blockSignals(False)
                self.diffuser.setText("Mist on" if diffuser.running else "Mist")
