"""The patient's call for the nurse: a calm white-and-blue banner (not an alarm colour, never flashing)
"Patient calling — 0:42" with Answer, shown while the call waits. Answering is logged with who and how long."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button

CALL_BG = "#e6eefb"      # near white, a touch of blue: visible in a dim room, unlike any alarm colour
CALL_EDGE = "#3d7bd9"    # theme.ACCENT
CALL_TEXT = "#0f2747"    # dark navy on the light ground (about 13:1)


def waited(seconds: float) -> str:
    """0:42, 12:05."""
    minutes, secs = divmod(int(max(0, seconds)), 60)
    return f"{minutes}:{secs:02d}"


class CallBanner(QWidget):
    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.pending = False
        row = QHBoxLayout(self)
        inset = theme.px(6, scale)  # Answer inside the painted edge
        row.setContentsMargins(theme.px(22, scale), inset, inset, inset)
        row.setSpacing(theme.px(14, scale))
        self.text = QLabel("")
        self.text.setStyleSheet(f"font-size: {theme.px(24, scale)}px; font-weight: 600; color: {CALL_TEXT};")
        self.detail = QLabel("")
        self.detail.setStyleSheet(f"font-size: {theme.px(17, scale)}px; color: {CALL_TEXT};")
        self.answer = button("Answer", self._answer, kind="primary", name="answer the patient's call")
        self.answer.setMinimumWidth(theme.px(150, scale))
        row.addWidget(self.text)
        row.addWidget(self.detail, 1)
        row.addWidget(self.answer)
        self.setMinimumHeight(theme.px(56, scale))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.hide()

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        call = snap.call
        self.pending = call is not None
        if call is None:
            return
        text = f"Patient calling — {waited(snap.call_waiting_s)}"
        if self.text.text() != text:
            self.text.setText(text)
        self.detail.setText(f"pressed {call.presses}×" if call.presses > 1 else "")
        self.answer.setEnabled(True)

    def _answer(self) -> None:
        self.answer.setEnabled(False)  # one answer for a double tap; the snapshot brings it back if refused
        self.controller.ops.answer_call(on_error=self._refused)

    def _refused(self, reason: str) -> None:
        self.answer.setEnabled(True)
        self.controller.notice.emit(reason)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(CALL_EDGE), 3))
        p.setBrush(QColor(CALL_BG))
        p.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 10, 10)
        p.end()
