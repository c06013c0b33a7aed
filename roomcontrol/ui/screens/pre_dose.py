"""The pre-dose decision (issue #15, item 4): the last readings before the start broke a protocol's pre-dose rule,
so the room refuses start_infusion until the nurse decides. The page shows each rule's words and the readings large,
and three choices: Proceed (needs a reason), Delay (recheck later) or Cancel the session (needs a reason, held).
The decision is logged under the signed-in nurse; the findings are the engine's (snapshot.pre_dose)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import HoldButton, button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.labels import text_label, warning_figure
from roomcontrol.ui.widgets.page import page


class PreDoseScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        box, self.heading = page(self, "Before the infusion: readings above the protocol's limits",
                                 lambda: self.navigate.emit("main"), back_label="Back to the room", scale=scale)
        box.addStretch(1)
        self.readings = warning_figure("pre_dose_readings", "pre-dose readings", 72, scale)
        box.addWidget(self.readings)
        self.rules = text_label("message", centred=True, wrap=True)
        self.rules.setStyleSheet(f"font-size: {theme.px(22, scale)}px;")  # the rule's words, read with the numbers
        box.addWidget(self.rules)
        self.status = text_label("dim", centred=True, wrap=True)
        box.addWidget(self.status)
        box.addStretch(1)
        self.reason = QLineEdit(placeholderText="Reason (needed to proceed or cancel)")
        self.reason.setAccessibleName("decision reason")
        box.addWidget(self.reason)
        self.message = text_label("error", wrap=True)
        box.addWidget(self.message)
        row = QHBoxLayout()
        self.proceed = button("Proceed", lambda: self._decide("proceed"), kind="primary", name="proceed")
        self.delay = button("Delay and recheck", lambda: self._decide("delay"), name="delay")
        self.cancel = HoldButton("Hold to cancel the session", kind="danger")
        self.cancel.setAccessibleName("cancel the session")
        self.cancel.confirmed.connect(lambda: self._decide("cancel"))
        # widths by stretch: the theme's QPushButton min-width wins over setMinimumWidth; Cancel kept apart
        for b in (self.proceed, self.delay):
            row.addWidget(b, 3)
        row.addStretch(1)
        row.addWidget(self.cancel, 4)
        box.addLayout(row)
        controller.snapshot.connect(self.show_snapshot)
        if controller.last is not None:
            self.show_snapshot(controller.last)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        findings = snap.pre_dose
        self.readings.setText("   ".join(f.readings for f in findings) or "Within limits")
        self.rules.setText("\n".join(f.advisory.says for f in findings))
        s = snap.session
        decided = s.pre_dose_decision if s is not None and s.is_open else None
        self.status.setText(f"Decided earlier: {decided}. The readings are still above the limits." if decided
                            else "From the monitor since check-in, or the baseline if none. "
                                 "Decide before the start: your decision is logged under your name.")
        for b in (self.proceed, self.delay, self.cancel):
            b.setEnabled(bool(findings))

    def _decide(self, decision: str) -> None:
        reason = self.reason.text().strip()
        if decision == "proceed" and not reason:
            say(self.message, "Type the reason to proceed first.")
            return
        self.message.setText("")
        self.controller.ops.decide_pre_dose(decision, reason, on_ok=lambda _: self._done(),
                                            on_error=lambda why: say(self.message, why))

    def _done(self) -> None:
        self.reason.clear()
        self.navigate.emit("main")
