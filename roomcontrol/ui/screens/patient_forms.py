"""The patient's questionnaires (PHQ-9, GAD-7), reached from the locked screen: a page of the patient's own, with no
staff controls (no top bar, no nurse's name, no Settings or Lock). One question per screen with large answers;
the answers go to the room as the actor "patient", and the patient never sees a score or a flag — a flagged
answer (PHQ-9 item 9) is the nurse's, on the nurse's screen (roomcontrol.ui.widgets.flag_bar)."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from roomcontrol.domain.catalogue import PATIENT_SCALES
from roomcontrol.domain.scales import SCALES
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.scale_text import TEXT
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.named import named

IDLE_BACK_MS = 5 * 60_000  # left unanswered this long, the page goes back to the lock screen (nothing is sent)
ABOUT = {"PHQ-9": "About your mood", "GAD-7": "About worry and anxiety"}


class PatientForms(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.ui_scale = controller, scale
        self.scale_name: str | None = None
        self.answers: dict[str, int] = {}
        self.index = 0
        s = lambda v: theme.px(v, scale)  # noqa: E731
        self.setStyleSheet(f"""
QPushButton#answer {{ min-height: {s(84)}px; font-size: {s(26)}px; text-align: left; padding: 0 {s(28)}px;
                     border-radius: {s(16)}px; }}
QPushButton#choose {{ min-height: {s(120)}px; font-size: {s(28)}px; border-radius: {s(20)}px; }}
QLabel#question {{ font-size: {s(34)}px; color: {theme.TEXT}; }}
QLabel#step {{ font-size: {s(20)}px; color: {theme.DIM}; }}""")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(s(60), s(24), s(60), s(24))
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)
        self.choose = self._choose_page()
        self.question_page = self._question_page()
        self.send_page = self._send_page()
        self.thanks_page = self._thanks_page()
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_BACK_MS)
        self._idle.timeout.connect(self.leave)
        controller.snapshot.connect(self.show_snapshot)

    # -- pages ---------------------------------------------------------------------------------------
    def _choose_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(named(QLabel("Questionnaires"), "heading"))
        intro = named(QLabel("A few questions about how you have been over the last two weeks. Your answers go "
                             "straight to your nurse."), "dim")
        intro.setWordWrap(True)
        box.addWidget(intro)
        box.addStretch(1)
        self.scale_buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        row.setSpacing(theme.px(30, self.ui_scale))
        for name in sorted(PATIENT_SCALES, reverse=True):  # PHQ-9, then GAD-7
            b = button(f"{ABOUT[name]}\n({name})", partial(self.start, name), kind="choose", name=name)
            self.scale_buttons[name] = b
            row.addWidget(b)
        box.addLayout(row)
        box.addStretch(1)
        foot = QHBoxLayout()
        foot.addStretch(1)
        self.back = button("Back", self.leave, kind="quiet", name="back to the room")
        foot.addWidget(self.back)
        box.addLayout(foot)
        self.pages.addWidget(page)
        return page

    def _question_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        head = QHBoxLayout()
        self.title = named(QLabel(""), "heading")
        self.step = named(QLabel(""), "step")
        head.addWidget(self.title, 1)
        head.addWidget(self.step)
        box.addLayout(head)
        self.hint = named(QLabel(""), "dim")
        self.hint.setWordWrap(True)
        box.addWidget(self.hint)
        box.addSpacing(theme.px(12, self.ui_scale))
        self.question = named(QLabel(""), "question")
        self.question.setWordWrap(True)
        self.question.setMinimumHeight(theme.px(96, self.ui_scale))
        self.question.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        box.addWidget(self.question)
        box.addStretch(1)
        self.answer_box = QVBoxLayout()
        self.answer_box.setSpacing(theme.px(12, self.ui_scale))
        box.addLayout(self.answer_box)
        self.answer_buttons: list[QPushButton] = []
        box.addStretch(1)
        foot = QHBoxLayout()
        self.previous = button("‹  Previous question", self._previous, kind="quiet", name="previous question")
        self.stop = button("Stop", self.leave, kind="quiet", name="stop questionnaire")
        foot.addWidget(self.previous)
        foot.addStretch(1)
        foot.addWidget(self.stop)
        box.addLayout(foot)
        self.pages.addWidget(page)
        return page

    def _send_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        done = named(QLabel("That was the last question."), "question")
        done.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(done)
        self.send_message = named(QLabel(""), "message")
        self.send_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.send_message.setWordWrap(True)
        box.addWidget(self.send_message)
        box.addStretch(1)
        self.send = button("Send to my nurse", self._send, kind="primary", name="send answers")
        self.send.setStyleSheet(f"min-height: {theme.px(100, self.ui_scale)}px; "
                                f"font-size: {theme.px(28, self.ui_scale)}px;")
        box.addWidget(self.send)
        foot = QHBoxLayout()
        foot.addWidget(button("‹  Change an answer", self._previous, kind="quiet", name="change an answer"))
        foot.addStretch(1)
        box.addLayout(foot)
        self.pages.addWidget(page)
        return page

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.addStretch(1)
        thanks = named(QLabel("Thank you.\nYour answers have been sent to your nurse."), "question")
        thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(thanks)
        box.addStretch(1)
        self.finish = button("Done", self.leave, kind="primary", name="done")
        box.addWidget(self.finish)
        self.pages.addWidget(page)
        return page

    # -- flow ----------------------------------------------------------------------------------------
    def open(self, scale_name: str | None = None) -> None:
        """Show the choice of questionnaires, or go straight into one."""
        if scale_name in PATIENT_SCALES:
            self.start(scale_name)
        else:
            self.scale_name = None
            self.pages.setCurrentWidget(self.choose)
        self._idle.start()

    def start(self, scale_name: str) -> None:
        self.scale_name, self.answers, self.index = scale_name, {}, 0
        text = TEXT[scale_name]
        self.title.setText(text["title"])
        self.hint.setText(text["hint"])
        for b in self.answer_buttons:
            b.deleteLater()
        self.answer_buttons = []
        for value, words in enumerate(text["anchors"]):
            b = button(words, partial(self.answer, value), kind="answer", name=f"answer {value}",
                       checkable=True)
            self.answer_box.addWidget(b)
            self.answer_buttons.append(b)
        self.pages.setCurrentWidget(self.question_page)
        self._show_item()

    @property
    def items(self) -> tuple[str, ...]:
        return SCALES[self.scale_name].items if self.scale_name else ()

    def _show_item(self) -> None:
        item = self.items[self.index]
        self.step.setText(f"Question {self.index + 1} of {len(self.items)}")
        self.question.setText(TEXT[self.scale_name]["items"][item])  # type: ignore[index]
        chosen = self.answers.get(item)
        for value, b in enumerate(self.answer_buttons):
            b.setChecked(value == chosen)
        self.previous.setEnabled(self.index > 0)

    def answer(self, value: int) -> None:
        self._idle.start()
        self.answers[self.items[self.index]] = value
        if self.index + 1 < len(self.items):
            self.index += 1
            self._show_item()
        else:
            self.send_message.setText("")
            self.send.setEnabled(True)
            self.pages.setCurrentWidget(self.send_page)

    def _previous(self) -> None:
        self._idle.start()
        if self.pages.currentWidget() is self.send_page:
            self.pages.setCurrentWidget(self.question_page)
        elif self.index > 0:
            self.index -= 1
        self._show_item()

    def _send(self) -> None:
        if self.scale_name is None:
            return
        self.send.setEnabled(False)
        self.send_message.setText("Sending…")
        self.controller.ops.record_assessment(self.scale_name, dict(self.answers), actor="patient",
                                              on_ok=lambda _: self._sent(), on_error=self._refused)

    def _sent(self) -> None:
        self.answers = {}
        self.pages.setCurrentWidget(self.thanks_page)

    def _refused(self, reason: str) -> None:
        self.send.setEnabled(True)
        self.send_message.setText(f"Your answers could not be sent ({reason}). Please tell your nurse.")

    def leave(self) -> None:
        self._idle.stop()
        self.answers, self.scale_name = {}, None
        self.pages.setCurrentWidget(self.choose)
        self.navigate.emit("lock")

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        """Questionnaires belong to an open session: when it closes, the page goes back to the lock screen."""
        open_ = snap.session is not None and snap.session.is_open
        if not open_ and self.isVisible() and self.pages.currentWidget() is not self.thanks_page:
            self.leave()
