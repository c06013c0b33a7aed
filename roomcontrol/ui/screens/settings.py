"""Settings for staff with the admin role (kept modest): devices with their health and a test each, the alarm
limits in force (read-only here; they are set in room.toml within their bounds), and the scenes."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from roomcontrol.domain.ambient_words import light_colour, playlist_title
from roomcontrol.domain.events import Event
from roomcontrol.domain.wording import DEVICE_LABELS
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page


def _panel(title: str) -> tuple[QWidget, QVBoxLayout]:
    w = named(QWidget(), "panel")
    w.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    box = QVBoxLayout(w)
    box.setContentsMargins(18, 12, 18, 14)
    box.addWidget(named(QLabel(title), "title"))
    return w, box


class SettingsScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        outer, _ = page(self, "Settings", lambda: self.navigate.emit("main"), back_label="Back to the room",
                        scale=scale, side=14, top=4, bottom=10)
        cols = QHBoxLayout()
        devices, dbox = _panel("DEVICES")
        grid = QGridLayout()
        self.health: dict[str, QLabel] = {}
        self.tests: dict[str, QPushButton] = {}
        testable = ("lighting", "audio", "diffuser")
        for row, (device, label) in enumerate(DEVICE_LABELS.items()):
            driver = controller.config.devices.get(device)
            grid.addWidget(QLabel(f"{label}"), row, 0)
            grid.addWidget(named(QLabel(driver.driver + (f"  {driver.url}" if driver and driver.url else "")),
                                 "dim"), row, 1)
            self.health[device] = QLabel("—")
            grid.addWidget(self.health[device], row, 2)
            if device in testable:
                self.tests[device] = button("Test", partial(self._test, device), name=f"test {device}")
                grid.addWidget(self.tests[device], row, 3)
        dbox.addLayout(grid)
        self.message = named(QLabel(""), "message")
        dbox.addWidget(self.message)
        dbox.addStretch(1)
        cols.addWidget(devices, 5)
        limits, lbox = _panel("ALARM LIMITS")
        a = controller.config.alarms
        lgrid = QGridLayout()
        for row, (kind, lim) in enumerate(a.limits.items()):
            lgrid.addWidget(QLabel(F.screen_text(F.vital_label(kind))), row, 0)
            rng = f"{_n(lim.low)} – {_n(lim.high)}"
            lgrid.addWidget(QLabel(rng), row, 1)
            lgrid.addWidget(named(QLabel(f"{lim.priority}, after {lim.delay_s} s"
                                         + (", latching" if lim.latching else "")), "dim"), row, 2)
        lbox.addLayout(lgrid)
        lbox.addWidget(named(QLabel(f"Sound pause {a.audio_pause_s} s · stale after {a.stale_after_s} s · "
                                    f"escalate after {a.escalate_after_s} s"), "dim"))
        lbox.addWidget(named(QLabel("Limits are set in room.toml (within their safe bounds)."), "dim"))
        lbox.addStretch(1)
        scenes = controller.config.scenes
        lbox.addWidget(named(QLabel("SCENES"), "title"))
        for scene in scenes.values():
            music = f"{playlist_title(scene.playlist)} at {scene.volume_percent:g} %" if scene.playlist else "no music"
            lbox.addWidget(named(QLabel(f"{scene.name}: {light_colour(scene.colour_temp_k)} light "
                                        f"({scene.colour_temp_k} K) at {scene.light_percent:g} %, {music}"), "dim"))
        cols.addWidget(limits, 5)
        outer.addLayout(cols, 1)
        controller.snapshot.connect(self.show_snapshot)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        for device, label in self.health.items():
            word, level = F.HEALTH.get(snap.devices.get(device), (snap.devices.get(device) or "—", None))
            label.setText(word)

    def _test(self, device: str) -> None:
        """A logged test (who, which device, the outcome), run by the engine without waiting on the device."""
        self.controller.ops.test_device(device, on_ok=self._tested, on_error=self.message.setText)

    def _tested(self, events: list[Event]) -> None:
        say(self.message, events[0].payload["outcome"].capitalize(), ok=True)


def _n(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
