"""A flagged answer in the patient's questionnaire (PHQ-9 item 9 above zero), on every page of the nurse's screen
until a nurse acknowledges it. The flag is the room's (the session's fold), so every window shows the same one;
"Acknowledge" sends `acknowledge_flag` as the signed-in nurse, logged as assessment.flag_acknowledged.

It sits in the window's header below the top bar (and the alarm banner, which goes before it); the top bar's Lock
is the one Lock on the screen."""

from __future__ import annotations

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.notice_bar import NoticeBar

ADVICE = "Talk with the patient and follow the clinic's safety protocol before going on."


class FlagBar(NoticeBar):
    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__(controller, scale, "flagbar", f"background: #3a1c1f; border: 2px solid {theme.DANGER};",
                         "#ffffff", 19, ADVICE, "#ffd7d7", wrap_advice=False)  # or why an acknowledgement was refused
        self.seq: int | None = None
        self.ack = button("Acknowledge", self._acknowledge, kind="primary", name="acknowledge flag")
        self.row.addWidget(self.ack)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        flags = snap.session.pending_flags if snap.session is not None else ()
        if not flags:
            self.seq = None
            return
        flag = flags[0]
        if flag.seq != self.seq:
            self.advice.setText(ADVICE)
        self.seq = flag.seq
        more = f"   (+{len(flags) - 1} more)" if len(flags) > 1 else ""
        self.text.setText(f"⚑ {flag.text()}{more}")
        self.ack.setEnabled(True)

    def _acknowledge(self) -> None:
        if self.seq is None:
            return
        self.ack.setEnabled(False)
        self.controller.ops.acknowledge_flag(self.seq, on_ok=lambda _: None, on_error=self._refused)

    def _refused(self, reason: str) -> None:
        self.ack.setEnabled(True)
        self.advice.setText(reason)
