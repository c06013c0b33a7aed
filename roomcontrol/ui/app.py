"""The room window. For now a read-only status view of the engine (the full touch screen is issue 5):
the room, the phase, the infusion or recovery timer and the event log, live."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from roomcontrol.config import RoomConfig
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.room import Room
from roomcontrol.ui.bridge import EngineBridge

STYLE = """
QWidget { background: #101418; color: #d8dee9; font-size: 20px; }
QLabel#phase { font-size: 40px; color: #8fbcbb; }
QLabel#timer { font-size: 96px; color: #eceff4; }
QListWidget { background: #161b22; border: none; font-size: 18px; }
"""


class StatusWindow(QMainWindow):
    def __init__(self, room: Room):
        super().__init__()
        self.setWindowTitle(f"RoomControl — {room.config.room_name}")
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel(f"{room.config.room_name} · {room.config.clinic_name}")
        self.phase = QLabel(objectName="phase")
        self.timer = QLabel(objectName="timer", alignment=Qt.AlignmentFlag.AlignCenter)
        self.timer.setFont(QFont("monospace"))
        self.events = QListWidget()
        for widget in (self.title, self.phase, self.timer):
            layout.addWidget(widget)
        layout.addWidget(self.events, 1)
        self.setCentralWidget(body)
        self.bridge = EngineBridge()
        self.bridge.snapshot.connect(self.show_snapshot)
        self.bridge.event.connect(self.show_event)
        for event in room.log.events(after_seq=max(0, room.log.last_seq - 50)):
            self.show_event(event)
        self.show_snapshot(room.snapshot())
        self.bridge.attach(room)

    def show_snapshot(self, snap) -> None:
        s = snap.session
        label = snap.phase.replace("_", " ").capitalize()
        if s:
            label += f" · {s.patient_ref} · infusion {s.course_no} of the course"
        self.phase.setText(label)
        if snap.phase in ("infusing", "paused"):
            self.timer.setText(_mmss(snap.infusion_elapsed_s) + f" / {_mmss(s.planned_infusion_s)}")
        elif snap.phase == "recovery":
            self.timer.setText("Recovery " + _mmss(snap.recovery_elapsed_s))
        else:
            self.timer.setText(snap.now.astimezone().strftime("%H:%M"))
        if snap.storage_error:
            self.phase.setText("Storage problem: " + snap.storage_error)

    def show_event(self, event) -> None:
        when = event.ts.astimezone().strftime("%H:%M:%S")
        self.events.insertItem(0, f"{when}  {event.kind}  ({event.actor})")


def _mmss(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


def run_app(config: RoomConfig, data_dir: Path, kiosk: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyleSheet(STYLE)
    room = Room(config, data_dir).start()
    devices = RoomDevices(room, config).start()
    window = StatusWindow(room)
    window.resize(1280, 800)
    window.showFullScreen() if kiosk else window.show()
    try:
        return app.exec()
    finally:
        room.close()     # first, so the devices' own shutdown is not logged as a lost monitor
        devices.close()
