"""The comfort plan page: "My comfort" for the patient (from the locked screen, acting as "patient", light and volume
within the patient's limits) and "Comfort plan" for the nurse (from the main screen, the device's whole range).
Light, colour, music or silence, volume, mist, eye mask, blanket and a note in the patient's words; Save sends
`set_comfort_plan` and the room's scene follows at once (the engine checks the plan again)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSlider, QVBoxLayout, QWidget

from roomcontrol.domain.ambient import PATIENT_LIMITS
from roomcontrol.domain.ambient_words import light_colour, playlist_title, track_title
from roomcontrol.domain.comfort import NOTE_MAX, ComfortPlan, read_plan
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.comfort_scene import room_playlists
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, button
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page

COLOURS = {k: light_colour(k).capitalize() for k in (2200, 2700, 4000)}  # "Very warm", "Warm", "Neutral"
LABEL_W = 110  # the first column's labels (Light, Colour, Music, …), at scale 1
IDLE_BACK_MS = 5 * 60_000  # left open this long, the page goes back (to the lock screen for the patient)
SILENCE, SCENE_MUSIC = "(silence)", "(room)"


def _nearest_colour(k: int) -> int:
    return min(COLOURS, key=lambda c: abs(c - k))


class Percent(QWidget):
    """A labelled percentage slider, its label as wide as the page's other labels (the rows line up)."""

    def __init__(self, label: str, name: str, label_w: int, gap: int) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(gap)
        title = QLabel(label)
        title.setFixedWidth(label_w)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName(name)
        self.slider.setPageStep(5)
        self.value = QLabel("")
        self.value.setMinimumWidth(60)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider.valueChanged.connect(lambda v: self.value.setText(f"{v} %"))
        row.addWidget(title)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value)

    def set(self, low: float, high: float, value: float) -> None:
        self.slider.setRange(int(low), int(high))
        self.slider.setValue(int(round(min(high, max(low, value)))))
        self.value.setText(f"{self.slider.value()} %")


class ComfortScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.plan = ComfortPlan()  # what the form started from (a track it does not show is kept)
        outer, self.title = page(self, "My comfort", lambda: self.navigate.emit("main"), back_label="Back",
                                 scale=scale, side=40, top=16, bottom=16)
        panel = named(QWidget(), "panel")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(panel)
        grid.setContentsMargins(theme.px(20, scale), theme.px(14, scale), theme.px(20, scale), theme.px(14, scale))
        grid.setVerticalSpacing(theme.px(12, scale))
        label_w, gap = theme.px(LABEL_W, scale), theme.px(12, scale)
        grid.setHorizontalSpacing(gap)
        grid.setColumnMinimumWidth(0, label_w)
        self.light = Percent("Light", "comfort light", label_w, gap)
        self.colour = Choice(list(COLOURS), COLOURS)
        self.playlists = room_playlists()
        music = [SILENCE, SCENE_MUSIC, *self.playlists]
        self.music = Choice(music, {SILENCE: "Silence", SCENE_MUSIC: "Room's music",
                                    **{p: playlist_title(p) for p in self.playlists}})
        self.starts = named(QLabel(""), "dim")  # the plan's first track, by title (the form has no track list)
        self.volume = Percent("Volume", "comfort volume", label_w, gap)
        self.mist = button("Mist (scent)", checkable=True, name="comfort mist")
        self.eye_mask = button("Eye mask", checkable=True, name="comfort eye mask")
        self.blanket = button("Blanket", checkable=True, name="comfort blanket")
        self.note = QLineEdit(placeholderText="In your own words: what helps you feel calm")
        self.note.setMaxLength(NOTE_MAX)
        self.note.setAccessibleName("comfort note")
        extras = QHBoxLayout()
        extras.setSpacing(gap)
        for b in (self.mist, self.eye_mask, self.blanket):
            extras.addWidget(b)
        # (label, what): a label in the first column; None: the row across both (a slider brings its own label)
        rows: list[tuple[str | None, Any]] = [(None, self.light), ("Colour", self.colour), ("Music", self.music),
                                              ("", self.starts), (None, self.volume), ("Also", extras),
                                              ("Note", self.note)]
        for i, (label, what) in enumerate(rows):
            if label is None:
                grid.addWidget(what, i, 0, 1, 2)
                continue
            grid.addWidget(QLabel(label), i, 0)
            if isinstance(what, QHBoxLayout):
                grid.addLayout(what, i, 1)
            else:
                grid.addWidget(what, i, 1)
        outer.addWidget(panel)
        foot = QHBoxLayout()
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        self.save = button("Save", self._save, kind="primary", name="save comfort plan")
        self.save.setMinimumWidth(theme.px(220, scale))
        foot.addWidget(self.message, 1)
        foot.addWidget(self.save)
        outer.addLayout(foot)
        outer.addStretch(1)
        self.music.changed.connect(lambda _: self._music_changed())
        self._idle = QTimer(self, singleShot=True, interval=IDLE_BACK_MS)
        self._idle.timeout.connect(lambda: self.navigate.emit("main"))

    @property
    def patient(self) -> bool:
        return self.controller.staff is None

    def showEvent(self, event: QShowEvent) -> None:  # every visit starts from the session's plan as it is now
        super().showEvent(event)
        self.load()
        self._idle.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._idle.stop()

    def load(self) -> None:
        snap = self.controller.last
        s = snap.session if snap is not None else None
        try:
            self.plan = read_plan(s.comfort) if s is not None and s.comfort else ComfortPlan()
        except Refused:
            self.plan = ComfortPlan()
        patient, p = self.patient, self.plan
        self.title.setText("My comfort" if patient else f"Comfort plan · {s.patient_ref}" if s else "Comfort plan")
        self.save.setText("Save my comfort" if patient else "Save comfort plan")
        for slider, target, value in ((self.light, "light", p.light), (self.volume, "volume", p.volume)):
            low, high = PATIENT_LIMITS[target] if patient else (0.0, 100.0)
            slider.set(low, high, value)
        self.colour.set_value(_nearest_colour(p.colour_temp_k))
        playlist = p.playlist if p.playlist in self.playlists else SCENE_MUSIC
        self.music.set_value(SILENCE if p.prefers_silence else playlist)
        for b, on in ((self.mist, p.diffuser), (self.eye_mask, p.eye_mask), (self.blanket, p.blanket)):
            b.setChecked(on)
        self.note.setText(p.note)
        self.message.setText("" if s is not None and s.is_open else "A comfort plan belongs to an open session.")
        self.save.setEnabled(s is not None and s.is_open)
        self._music_changed()

    def _music_changed(self) -> None:
        self.volume.setEnabled(self.music.value != SILENCE)
        track = self.plan.track if self.plan.track and self.music.value == self.plan.playlist else ""
        self.starts.setText(f"Starts with {track_title(track)}" if track else "")
        self.starts.setVisible(bool(track))

    def chosen(self) -> dict[str, Any]:
        """The plan the form shows, as its dict (the track kept if the playlist did not change)."""
        music = self.music.value or SCENE_MUSIC
        playlist = "" if music in (SILENCE, SCENE_MUSIC) else music
        colour = self.colour.value or 2700
        return ComfortPlan(
            playlist=playlist, track=self.plan.track if playlist and playlist == self.plan.playlist else "",
            volume=float(self.volume.slider.value()), light=float(self.light.slider.value()),
            colour_temp_k=self.plan.colour_temp_k if _nearest_colour(self.plan.colour_temp_k) == colour else colour,
            diffuser=self.mist.isChecked(), prefers_silence=music == SILENCE, eye_mask=self.eye_mask.isChecked(),
            blanket=self.blanket.isChecked(), note=self.note.text().strip()).to_dict()

    def _save(self) -> None:
        self._idle.start()
        self.save.setEnabled(False)
        self.controller.ops.set_comfort_plan(self.chosen(), actor="patient" if self.patient else None,
                                             on_ok=lambda _: self._saved(), on_error=self._refused)

    def _saved(self) -> None:
        self.save.setEnabled(True)
        self.message.setText("Saved. The room follows your plan." if self.patient else "Comfort plan saved.")

    def _refused(self, reason: str) -> None:
        self.save.setEnabled(True)
        self.message.setText(reason)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        if snap.session is None or not snap.session.is_open:
            self.save.setEnabled(False)
