"""The protocol's schedule on the room screen (issue #15 item 2): one row per item due or overdue ("BP overdue
6 min" in the warning colour, big enough to read from across the room) with the act that answers it — for NIBP
"Measure now" (asks the monitor, when it can be asked) and "Chart reading" (confirms the last reading as charted),
for a scale its form. Overdue is a prompt, never an alarm: no sound, no flashing. Hidden when nothing is due."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from roomcontrol.domain.schedule import NIBP, OVERDUE, Item
from roomcontrol.domain.scales import SCALES
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.feedback import say

MAX_ROWS = 3          # more than this at once is a list, not a prompt: the first (most overdue) ones
MEASURING_MS = 90_000  # "Measuring…" until the reading answers the item, or this long (a cuff retries once)


class DueRow(QWidget):
    def __init__(self, strip: DueStrip, scale: float) -> None:
        super().__init__()
        self.strip, self.item_key = strip, ""
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(12, scale), theme.px(4, scale), theme.px(8, scale), theme.px(4, scale))
        row.setSpacing(theme.px(10, scale))
        self.text = QLabel("")
        self.text.setAccessibleName("due prompt")
        self.font_px = theme.px(24, scale)
        row.addWidget(self.text)
        # the protocol's label, or why the monitor cannot be asked: small, wrapping, giving way to the buttons
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.setStyleSheet(f"color: {theme.DIM}; font-size: {theme.px(15, scale)}px;")
        row.addWidget(self.note, 1)
        self.measure = button("Measure now", lambda: strip.measure(self.item_key), name="measure now")
        self.chart = button("Chart reading", lambda: strip.chart(self.item_key), name="chart reading")
        self.form = button("", lambda: strip.navigate.emit(self.what), kind="primary", name="open form")
        for b in (self.measure, self.chart, self.form):
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            row.addWidget(b)
        self.what = ""

    def show_item(self, item: Item, snap: RoomSnapshot, measuring: bool) -> None:
        self.item_key, self.what = item.key, item.what
        colour = theme.WARN if item.state == OVERDUE else theme.TEXT
        self.text.setStyleSheet(f"color: {colour}; font-size: {self.font_px}px; font-weight: 700;")
        self.text.setText(item.prompt(snap.now))
        is_scale = item.what in SCALES
        self.form.setVisible(is_scale)
        self.form.setText(f"Open {item.what}")
        self.measure.setVisible(item.what == NIBP)
        self.chart.setVisible(not is_scale)
        can = snap.start_nibp_note is None
        self.measure.setEnabled(can and not measuring)
        self.measure.setText("Measuring…" if measuring else "Measure now" if can else "Start on the monitor")
        self.measure.setToolTip("" if can else snap.start_nibp_note or "")
        self.measure.setAccessibleDescription("" if can else snap.start_nibp_note or "")
        label = item.label if item.label != item.short else ""
        self.note.setText(label if can or item.what != NIBP else snap.start_nibp_note or "")


class DueStrip(QWidget):
    navigate = Signal(str)  # a scale's name: its form

    def __init__(self, controller: RoomController, feedback: QLabel | None = None, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("due")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the border, on a plain QWidget
        self.setStyleSheet(f"#due {{ background: {theme.PANEL}; border: 2px solid {theme.WARN}; "
                           f"border-radius: {theme.px(10, scale)}px; }}")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, theme.px(4, scale), 0, theme.px(4, scale))
        box.setSpacing(0)
        self.rows = [DueRow(self, scale) for _ in range(MAX_ROWS)]
        for r in self.rows:
            box.addWidget(r)
        self.message = QLabel("")
        self.message.setStyleSheet(f"padding-left: {theme.px(12, scale)}px;")
        box.addWidget(self.message)
        self.message.setVisible(feedback is None)  # the main screen says it in the timeline's status line
        self.feedback = feedback or self.message
        self.measuring: dict[str, QTimer] = {}   # item key → until when "Measuring…" shows
        self.last: RoomSnapshot | None = None
        self.hide()

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        self.last = snap
        due = snap.due[:MAX_ROWS]
        keys = {i.key for i in due}
        for key in [k for k in self.measuring if k not in keys]:  # answered: the reading came
            self.measuring.pop(key).stop()
        for row, item in zip(self.rows, due):
            row.show_item(item, snap, item.key in self.measuring)
            row.show()
        for row in self.rows[len(due):]:
            row.hide()
        self.setVisible(bool(due))

    def row(self, key: str) -> DueRow | None:
        return next((r for r in self.rows if r.isVisible() and r.item_key == key), None)

    def measure(self, key: str) -> None:
        self.controller.ops.start_nibp(key, on_ok=lambda _: self._measuring(key),
                                       on_error=lambda reason: say(self.feedback, reason))

    def _measuring(self, key: str) -> None:
        timer = QTimer(self, singleShot=True, interval=MEASURING_MS)
        timer.timeout.connect(partial(self._measured, key))
        self.measuring[key] = timer
        timer.start()
        say(self.feedback, "Measuring: the cuff inflates (about 30 s)", ok=True)
        self._redraw()

    def _measured(self, key: str) -> None:
        self.measuring.pop(key, None)
        self._redraw()

    def chart(self, key: str) -> None:
        self.controller.ops.validate_reading(key, on_ok=lambda events: say(self.feedback, _charted(events), ok=True),
                                             on_error=lambda reason: say(self.feedback, reason))

    def _redraw(self) -> None:
        if self.last is not None:
            self.show_snapshot(self.last)


def _charted(events: list) -> str:
    r = events[0].payload.get("reading", {}) if events else {}
    bp = f" {r['nibp_systolic']}/{r['nibp_diastolic']}" if "nibp_systolic" in r and "nibp_diastolic" in r else ""
    return f"Charted{bp}"

