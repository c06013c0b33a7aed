"""The locked screen. The patient sees a calm page: the time, light, volume and track (within the patient's
limits, as "patient") and Call nurse, and "Your nurse has been called" until a nurse answers. No clinical data
and no alarm detail: an active alarm shows only as the staff band at the foot, in the alarm's colour and flashing
pattern (no condition, no value). Staff sign in with name + PIN.

A tap meant for the PIN pad must never land on Call nurse: the sign-in view does not time out while a finger is
on the pad (every key restarts the timeout), and the patient's view ignores taps for QUIET_MS after it returns."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.screens.check_prompt import CheckPrompt
from roomcontrol.ui.widgets.ambient import AmbientPanel
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.buttons import Choice, button
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.pinpad import PinPad

STAFF_VIEW_TIMEOUT_MS = 45_000
CALLED_TEXT = "Your nurse has been called."
TAPS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
        QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd}


class StaffBand(QWidget):
    """The foot of the locked screen: the room's name and Staff. While an alarm is active it fills with the
    alarm's colour, flashing like the banner (high 2 Hz, medium 0.6 Hz, low steady; an acknowledged alarm steady
    and dim): a sign for staff across the room, with nothing clinical on it."""

    def __init__(self, blinker: Blinker | None, scale: float) -> None:
        super().__init__()
        self.blinker = blinker
        self.priority: str | None = None
        self.flashing = False
        self.setMinimumHeight(theme.px(72, scale))
        if blinker is not None:
            blinker.changed.connect(self._blink)

    def set_alarm(self, priority: str | None, flashing: bool) -> None:
        if (priority, flashing) != (self.priority, self.flashing):
            self.priority, self.flashing = priority, flashing
            self.update()

    def lit(self) -> bool:
        return self.priority is not None and (not self.flashing or self.blinker is None
                                              or self.blinker.lit(self.priority))

    def _blink(self) -> None:
        if self.priority and self.flashing:
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.priority is None:
            return
        p = QPainter(self)
        colour = theme.ALARM if self.flashing and self.lit() else theme.ALARM_DIM
        p.fillRect(self.rect(), QColor(colour[self.priority]))
        p.end()


class LockScreen(QWidget):
    navigate = Signal(str)
    QUIET_MS = 600  # the patient's view ignores taps this long after it comes back (tests may lengthen it)

    def __init__(self, controller: RoomController, scale: float = 1.0, blinker: Blinker | None = None) -> None:
        super().__init__()
        self.controller, self.scale = controller, scale
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.stack, 1)
        self.band = StaffBand(blinker, scale)
        outer.addWidget(self._foot(self.band))
        if blinker is not None:
            blinker.changed.connect(self._band_text)
        self.patient = self._patient_view()
        self.staff = self._staff_view()
        self.stack.addWidget(self.patient)
        self.stack.addWidget(self.staff)
        self.check = CheckPrompt(scale)  # "If you're OK, tap anywhere" over the patient's page while asked
        self.check.tapped.connect(self._answer_check)
        self.stack.addWidget(self.check)
        self._back = QTimer(self, singleShot=True, interval=STAFF_VIEW_TIMEOUT_MS)
        self._back.timeout.connect(self.show_patient)
        self._call_failed = False
        self._shown = QElapsedTimer()  # since the patient's view came back
        for widget in [self.patient, *self.patient.findChildren(QWidget)]:
            widget.installEventFilter(self)
        controller.snapshot.connect(self.show_snapshot)

    # -- taps that were meant for the sign-in view ----------------------------------------------------
    @property
    def quiet(self) -> bool:
        return self._shown.isValid() and self._shown.elapsed() < self.QUIET_MS

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        return event.type() in TAPS and self.quiet  # swallowed: the finger was aimed at the PIN pad

    def _foot(self, band: StaffBand) -> QWidget:
        s = self.scale
        foot = QHBoxLayout(band)
        foot.setContentsMargins(theme.px(60, s), theme.px(8, s), theme.px(60, s), theme.px(8, s))
        self.room_label = named(QLabel(self.controller.config.room_name), "dim")
        foot.addWidget(self.room_label)
        foot.addStretch(1)
        self.sign_in = button("Staff", self.show_staff, kind="quiet", name="staff sign in")
        self.sign_in.setMinimumWidth(theme.px(140, s))
        foot.addWidget(self.sign_in)
        return band

    # -- the patient's page --------------------------------------------------------------------------
    def _patient_view(self) -> QWidget:
        s = self.scale
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(theme.px(60, s), theme.px(30, s), theme.px(60, s), theme.px(12, s))
        self.clock = QLabel("--:--")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock.setStyleSheet(f"font-size: {theme.px(96, s)}px; color: {theme.TEXT}; font-weight: 300;")
        welcome = QLabel("Relax. Your nurse is close by.")
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        welcome.setStyleSheet(f"font-size: {theme.px(22, s)}px; color: {theme.DIM};")
        box.addWidget(self.clock)
        box.addWidget(welcome)
        box.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(theme.px(30, s))
        card = named(QWidget(), "panel")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        cbox = QVBoxLayout(card)
        cbox.setContentsMargins(theme.px(20, s), theme.px(12, s), theme.px(20, s), theme.px(12, s))
        self.ambient = AmbientPanel(self.controller, patient=True, scale=s)
        cbox.addWidget(self.ambient)
        row.addWidget(card, 3)
        call_box = QVBoxLayout()
        self.call = button("Call nurse", self._call_nurse, kind="call", name="call nurse")
        self.called = QLabel("")
        self.called.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.called.setStyleSheet(f"font-size: {theme.px(20, s)}px; color: {theme.OK};")
        call_box.addWidget(self.call)
        call_box.addWidget(self.called)
        # The patient's questionnaires (PHQ-9, GAD-7) on a page of their own, while a session is open.
        self.questionnaires = button("Questionnaires", lambda: self.navigate.emit("patient_forms"),
                                     name="questionnaires")
        self.questionnaires.hide()
        call_box.addWidget(self.questionnaires)
        self.comfort = button("My comfort", lambda: self.navigate.emit("comfort"), name="my comfort")
        self.comfort.hide()
        call_box.addWidget(self.comfort)
        row.addLayout(call_box, 2)
        box.addLayout(row)
        box.addStretch(1)
        return page

    def _call_nurse(self) -> None:
        self.call.setEnabled(False)
        self._call_failed = False
        self.controller.ops.call_nurse(actor="patient", on_ok=lambda _: self._called_ok(),
                                       on_error=lambda _: self._called_fail())

    def _called_ok(self) -> None:
        self.call.setEnabled(True)  # the text stays until a nurse answers: it comes with the snapshot

    def _called_fail(self) -> None:
        self.call.setEnabled(True)
        self._call_failed = True
        self.called.setText("The call did not go through. Please call out or wave.")

    def _answer_check(self) -> None:
        if self.quiet:  # a finger aimed at the PIN pad a moment ago
            return
        self.check.thanked()
        self.controller.ops.answer_check(on_error=lambda _: self.check.asking())

    def _follow_check(self, snap: RoomSnapshot) -> None:
        """The prompt covers the patient's page while a check waits (never the sign-in a nurse is using)."""
        waiting = snap.session is not None and snap.session.is_open and snap.session.check.waiting
        current = self.stack.currentWidget()
        if waiting and current is self.patient:
            self.check.asking()
            self.stack.setCurrentWidget(self.check)
        elif not waiting and current is self.check:
            self.stack.setCurrentWidget(self.patient)

    # -- staff sign-in -------------------------------------------------------------------------------
    def _staff_view(self) -> QWidget:
        s = self.scale
        page = QWidget()
        box = QHBoxLayout(page)
        box.setContentsMargins(theme.px(60, s), theme.px(30, s), theme.px(60, s), theme.px(30, s))
        box.setSpacing(theme.px(40, s))
        left = QVBoxLayout()
        left.addWidget(named(QLabel("Sign in"), "heading"))
        left.addWidget(named(QLabel("Choose your name, then your PIN."), "dim"))
        self.names_holder = QVBoxLayout()
        left.addLayout(self.names_holder)
        self.names: Choice | None = None
        left.addStretch(1)
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        left.addWidget(self.message)
        left.addWidget(button("Cancel", self.show_patient, kind="quiet", name="cancel sign in"))
        box.addLayout(left, 1)
        self.pad = PinPad(s)
        self.pad.entered.connect(self._pin)
        for key in self.pad.keys.values():  # a finger on the pad keeps the sign-in view up
            key.pressed.connect(self._touched)
        box.addWidget(self.pad, 1)
        return page

    def show_staff(self) -> None:
        self.message.setText("")
        self.pad.clear()
        self.stack.setCurrentWidget(self.staff)
        self.sign_in.setVisible(False)
        self._back.start()
        self.controller.staff_list(self._show_names)

    def _touched(self) -> None:
        if self.stack.currentWidget() is self.staff:
            self._back.start()

    def _show_names(self, staff: list[dict[str, str]]) -> None:
        if self.names is not None:
            self.names.deleteLater()
            self.names = None
        if not staff:
            self.message.setText("No staff accounts yet. An administrator adds them with:\n"
                                 "roomcontrol staff add ID --name NAME --role nurse")
            return
        self.names = Choice([p["staff_id"] for p in staff], {p["staff_id"]: p["name"] for p in staff},
                            columns=2)
        self.names.changed.connect(lambda _: self._touched())
        self.names_holder.addWidget(self.names)
        if len(staff) == 1:
            self.names.set_value(staff[0]["staff_id"])

    def _pin(self, pin: str) -> None:
        self._back.start()
        who = self.names.value if self.names else None
        if who is None:
            self.message.setText("Choose your name first.")
            return
        self.message.setText("Checking…")
        self.pad.setEnabled(False)
        self.controller.unlock(who, pin, on_ok=lambda _: self._signed_in(), on_error=self._refused)

    def _signed_in(self) -> None:
        self.pad.setEnabled(True)
        self.message.setText("")
        self.show_patient()

    def _refused(self, reason: str) -> None:
        self.pad.setEnabled(True)
        self.message.setText(reason)

    def show_patient(self) -> None:
        self._back.stop()
        self.pad.clear()
        if self.stack.currentWidget() is not self.patient:
            self._shown.start()
        self.stack.setCurrentWidget(self.patient)
        self.sign_in.setVisible(True)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        self.clock.setText(F.clock(snap.now))
        if not self._call_failed or snap.call is not None:
            self._call_failed = False
            self.called.setText(CALLED_TEXT if snap.call is not None else "")
        # For staff only: the band in the alarm's colour and pattern; no condition, no value.
        priority = snap.alarm_priority
        self.band.set_alarm(priority, snap.alarm_unacknowledged)
        self._band_text()
        self.sign_in.setText("Staff  ●" if priority else "Staff")
        style = "" if priority is None else \
            f"background: {theme.PANEL_2}; color: {theme.TEXT}; border: 2px solid {theme.ALARM[priority]};"
        if self.sign_in.styleSheet() != style:
            self.sign_in.setStyleSheet(style)
        self.questionnaires.setVisible(snap.session is not None and snap.session.is_open)
        self._follow_check(snap)
        self.comfort.setVisible(snap.session is not None and snap.session.is_open)

    def _band_text(self) -> None:
        """The room's name stays readable on the band, lit or not."""
        priority = self.band.priority
        if priority is None:
            colour = theme.DIM
        else:
            colour = theme.ALARM_TEXT[priority] if self.band.flashing and self.band.lit() else theme.TEXT
        style = f"color: {colour};"
        if self.room_label.styleSheet() != style:
            self.room_label.setStyleSheet(style)
