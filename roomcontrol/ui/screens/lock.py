"""The locked screen. The patient sees a calm page: the time, light, volume and track (within the patient's
limits, as "patient") and Call nurse. No clinical data and no alarm detail. Staff sign in with name + PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.ambient import AmbientPanel
from roomcontrol.ui.widgets.buttons import Choice, button
from roomcontrol.ui.widgets.pinpad import PinPad

CALLED_SHOW_MS = 60_000
STAFF_VIEW_TIMEOUT_MS = 45_000


class LockScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller, scale: float = 1.0):
        super().__init__()
        self.controller, self.scale = controller, scale
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.patient = self._patient_view()
        self.staff = self._staff_view()
        self.stack.addWidget(self.patient)
        self.stack.addWidget(self.staff)
        self._back = QTimer(self, singleShot=True, interval=STAFF_VIEW_TIMEOUT_MS, timeout=self.show_patient)
        self._called = QTimer(self, singleShot=True, interval=CALLED_SHOW_MS,
                              timeout=lambda: self.called.setText(""))
        controller.snapshot.connect(self.show_snapshot)

    # -- the patient's page --------------------------------------------------------------------------
    def _patient_view(self) -> QWidget:
        s = self.scale
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(theme.px(60, s), theme.px(30, s), theme.px(60, s), theme.px(24, s))
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
        card = QWidget(objectName="panel")
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
        row.addLayout(call_box, 2)
        box.addLayout(row)
        box.addStretch(1)
        foot = QHBoxLayout()
        self.room_label = QLabel(self.controller.config.room_name, objectName="dim")
        foot.addWidget(self.room_label)
        foot.addStretch(1)
        self.sign_in = button("Staff", self.show_staff, kind="quiet", name="staff sign in")
        foot.addWidget(self.sign_in)
        box.addLayout(foot)
        return page

    def _call_nurse(self) -> None:
        self.call.setEnabled(False)
        self.controller.ops.call_nurse(actor="patient", on_ok=lambda _: self._called_ok(),
                                       on_error=lambda _: self._called_fail())

    def _called_ok(self) -> None:
        self.call.setEnabled(True)
        self.called.setText("Your nurse has been called.")
        self._called.start()

    def _called_fail(self) -> None:
        self.call.setEnabled(True)
        self.called.setText("The call did not go through. Please call out or wave.")

    # -- staff sign-in -------------------------------------------------------------------------------
    def _staff_view(self) -> QWidget:
        s = self.scale
        page = QWidget()
        box = QHBoxLayout(page)
        box.setContentsMargins(theme.px(60, s), theme.px(30, s), theme.px(60, s), theme.px(30, s))
        box.setSpacing(theme.px(40, s))
        left = QVBoxLayout()
        left.addWidget(QLabel("Sign in", objectName="heading"))
        left.addWidget(QLabel("Choose your name, then your PIN.", objectName="dim"))
        self.names_holder = QVBoxLayout()
        left.addLayout(self.names_holder)
        self.names: Choice | None = None
        left.addStretch(1)
        self.message = QLabel("", objectName="message")
        self.message.setWordWrap(True)
        left.addWidget(self.message)
        left.addWidget(button("Cancel", self.show_patient, kind="quiet", name="cancel sign in"))
        box.addLayout(left, 1)
        self.pad = PinPad(s)
        self.pad.entered.connect(self._pin)
        box.addWidget(self.pad, 1)
        return page

    def show_staff(self) -> None:
        self.message.setText("")
        self.pad.clear()
        self.stack.setCurrentWidget(self.staff)
        self._back.start()
        self.controller.staff_list(self._show_names)

    def _show_names(self, staff: list) -> None:
        if self.names is not None:
            self.names.deleteLater()
            self.names = None
        if not staff:
            self.message.setText("No staff accounts yet. An administrator adds them with:\n"
                                 "roomcontrol staff add ID --name NAME --role nurse")
            return
        self.names = Choice([p["staff_id"] for p in staff], {p["staff_id"]: p["name"] for p in staff},
                            columns=2)
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
        self.stack.setCurrentWidget(self.patient)

    def show_snapshot(self, snap) -> None:
        self.clock.setText(F.clock(snap.now))
        # Only a neutral hint that staff are needed: no condition, no value, no colour code.
        self.sign_in.setText("Staff  ●" if snap.alarms else "Staff")
        self.questionnaires.setVisible(snap.session is not None and snap.session.is_open)
