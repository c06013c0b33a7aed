"""The frame the nurse's header bars share (a questionnaire's flag, a protocol's advisory): what waits in bold, a
line of advice (or why the room refused) under it, the bar's own buttons on the right (`row`), in a coloured
border below the top bar on every page of the nurse's screen. Each bar shows the room's snapshot its own way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController


class NoticeBar(QWidget):
    def __init__(self, controller: RoomController, scale: float, name: str, frame: str, text_colour: str,
                 text_px: int, advice: str, advice_colour: str, wrap_advice: bool = True) -> None:
        """`frame`: the border's background and border CSS; the text's and the advice's colours; `advice`: the
        line shown under the text until a refusal replaces it."""
        super().__init__()
        self.controller = controller
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#{name} {{ {frame} border-radius: {theme.px(10, scale)}px; }}")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(theme.px(16, scale), 4, 8, 4)
        self.row.setSpacing(theme.px(8, scale))
        words = QVBoxLayout()
        words.setSpacing(0)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setStyleSheet(f"color: {text_colour}; font-size: {theme.px(text_px, scale)}px; font-weight: 600;")
        self.advice = QLabel(advice)
        self.advice.setWordWrap(wrap_advice)
        self.advice.setStyleSheet(f"color: {advice_colour}; font-size: {theme.px(15, scale)}px;")
        words.addWidget(self.text)
        words.addWidget(self.advice)
        self.row.addLayout(words, 1)
        self.setMinimumHeight(theme.px(64, scale))
        controller.snapshot.connect(self.show_snapshot)

    def show_snapshot(self, snap: RoomSnapshot) -> None:  # each bar's own
        raise NotImplementedError
