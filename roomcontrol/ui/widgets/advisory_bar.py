"""A during-session advisory (domain.advisories: "two readings > 180/110 within 5 min — consider pausing") waiting
for the nurse's response, below the alarm banner on every page of the nurse's screen. The advisory never acts on
the pump: "Pause infusion" pauses it as the nurse (the card's own Pause) and logs the response "paused";
"Continue" needs a reason and logs "continued". Either acknowledges the advisory's alarm (respond_advisory)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from roomcontrol.domain.advisories import ADVISORY_PREFIX
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.notice_bar import NoticeBar

# one line at 1280×800: the bar shares the height with the alarm rows above the main screen
ADVICE = "Pause, or continue with a reason: the room does not pause by itself."


class AdvisoryBar(NoticeBar):
    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__(controller, scale, "advisorybar", f"background: {theme.PANEL}; border: 2px solid "
                         f"{theme.ALARM['medium']};", theme.TEXT, 18, ADVICE, theme.DIM)  # or why the room refused
        self.advisory: str | None = None  # the rule's id shown, None when none waits
        self.running = False
        row = self.row
        self.reason = QLineEdit(placeholderText="reason to continue")
        self.reason.setAccessibleName("advisory reason")
        self.reason.setMinimumWidth(theme.px(220, scale))
        row.addWidget(self.reason)
        self.go_on = button("Continue", self._continue, name="continue after advisory")
        self.pause = button("Pause infusion", self._pause, kind="primary", name="pause after advisory")
        row.addWidget(self.go_on)
        row.addWidget(self.pause)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        waiting = [a for a in snap.alarms if a.condition.startswith(ADVISORY_PREFIX) and a.acknowledged_by is None]
        if not waiting:
            self.advisory = None
            return
        alarm = waiting[0]
        advisory = alarm.condition[len(ADVISORY_PREFIX):]
        if advisory != self.advisory:
            self.advice.setText(ADVICE)
            self.reason.clear()
        self.advisory = advisory
        self.text.setText(alarm.text or advisory)
        self.running = snap.phase == "infusing"
        self.pause.setText("Pause infusion" if self.running else "Paused")

    def _continue(self) -> None:
        if self.advisory is not None:
            self.controller.ops.respond_advisory(self.advisory, "continued", self.reason.text().strip(),
                                                 on_ok=lambda _: None, on_error=self.advice.setText)

    def _pause(self) -> None:
        advisory = self.advisory
        if advisory is None:
            return
        def responded(_: object = None) -> None:
            self.controller.ops.respond_advisory(advisory, "paused", self.reason.text().strip(),
                                                 on_ok=lambda _: None, on_error=self.advice.setText)
        if self.running:
            self.controller.ops.pause_infusion(f"advisory {advisory}", on_ok=responded,
                                               on_error=self.advice.setText)
        else:
            responded()
