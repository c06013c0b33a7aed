"""Check-in: open the session (patient reference, weight, dose, course number), confirm the clinic's checklist,
record baseline vitals from the monitor or typed in. The room core's guards come back as plain reasons.

Every check-in starts empty but for the room's defaults: after a discharge or an abort the form is cleared (the
reference typed fresh, stale messages gone). The total mg and mg/h show live from the domain's dose arithmetic
before the session opens; a value outside the clinic's bounds says so instead of being clamped; a dose above the
soft maximum is refused by the room core and answered with the high-dose confirmation page."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QStackedWidget, QVBoxLayout, QWidget)

from roomcontrol.domain.dose import HIGH_DOSE_UNCONFIRMED, DosePlan, is_high, plan_dose
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.protocol import Protocol, enabled, fixed_plan, session_policy
from roomcontrol.domain.wording import CHECKLIST_LABELS, number
from roomcontrol.ui import format as F
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.screens.course_panel import CoursePanel
from roomcontrol.ui.widgets.buttons import Stepper, button
from roomcontrol.ui.widgets.feedback import say, show_done
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page


OPEN = ("pre_infusion", "infusing", "paused", "recovery")


def _spin(low: float, high: float, value: float, step: float = 1.0, decimals: int = 0, suffix: str = "") -> Stepper:
    return Stepper(low, high, value, step, decimals, suffix)


def _style(label: QLabel, name: str) -> None:
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)


def _panel(scale: float) -> tuple[QWidget, QVBoxLayout]:
    w = named(QWidget(), "panel")
    w.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    box = QVBoxLayout(w)
    box.setContentsMargins(theme.px(16, scale), theme.px(8, scale), theme.px(16, scale), theme.px(10, scale))
    box.setSpacing(theme.px(6, scale))
    return w, box


TYPED_RANGE = (0, 999)  # the boxes take any number typed; the clinic's bounds are checked, and said, by the domain
DEFAULT_WEIGHT_KG = 70


class CheckInScreen(QWidget):
    navigate = Signal(str)
    high_dose = Signal(dict)  # the open_session arguments of a dose above the soft maximum: to be confirmed

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        room = controller.config.session
        # The protocol of this check-in: one of the room's (the first by default); it sets the dose rule, the
        # times and the checks. A room without protocols runs on its [session] rules.
        self.protocol: Protocol | None = room.protocols[0] if room.protocols else None
        policy = self.rules()
        # The whole check-in fits a 1280×800 panel under the top bar and the vitals strip, without scrolling:
        # Back and the messages in the heading row, the left panel's one main action following the phase.
        self.back = button("Back to the room", lambda: self.navigate.emit("main"), kind="quiet")
        words = QWidget()
        says = QVBoxLayout(words)
        says.setContentsMargins(0, 0, 0, 0)
        says.setSpacing(0)
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        self.prompt = named(QLabel(""), "error")  # a flag for the nurse, until the next session
        self.prompt.setWordWrap(True)
        says.addWidget(self.message)
        says.addWidget(self.prompt)
        self.course_toggle = button("Course", self._toggle_course, checkable=True, name="show course")
        self.course_toggle.setMaximumWidth(theme.px(200, scale))
        outer, self.heading = page(self, "Check-in", lambda: self.navigate.emit("main"), scale=scale, side=14,
                                   top=2, bottom=8, back=self.back, beside=(words, self.course_toggle))
        outer.setSpacing(theme.px(6, scale))
        cols = QHBoxLayout()
        cols.setSpacing(theme.px(12, scale))
        # -- patient and dose ------------------------------------------------------------------------
        left, lbox = _panel(scale)
        lbox.addWidget(named(QLabel("PATIENT AND DOSE"), "title"))
        self.protocol_buttons: dict[str, QPushButton] = {}
        if room.protocols:
            choice = QHBoxLayout()
            choice.addWidget(named(QLabel("Protocol"), "dim"))
            for p in room.protocols:
                b = button(p.title, partial(self.choose_protocol, p.id), name=f"protocol {p.id}")
                b.setCheckable(True)
                self.protocol_buttons[p.id] = b
                choice.addWidget(b, 1)
            lbox.addLayout(choice)
        form = self.form = QFormLayout()
        form.setVerticalSpacing(theme.px(6, scale))
        self.patient_ref = QLineEdit(placeholderText="e.g. PT-1042")
        self.patient_ref.setAccessibleName("patient reference")
        self.weight = _spin(*TYPED_RANGE, DEFAULT_WEIGHT_KG, 0.5, 1, " kg")
        self.dose = _spin(*TYPED_RANGE, policy.default_dose_mg_per_kg, 0.05, 2, " mg/kg")
        self.course = _spin(1, 99, 1)
        self.minutes = _spin(*TYPED_RANGE, policy.planned_infusion_min, 5, 0, " min")
        for w in (self.weight, self.dose, self.minutes):
            w.box.valueChanged.connect(lambda _: self._preview())
        # a fixed-dose (intranasal) protocol: its doses in mg to choose from, instead of mg/kg and minutes
        self.fixed = QWidget()
        doses = QHBoxLayout(self.fixed)
        doses.setContentsMargins(0, 0, 0, 0)
        self.dose_mg_buttons: dict[float, QPushButton] = {}
        first_fixed = self.protocol.fixed_dose if self.protocol else None
        self.dose_mg: float | None = first_fixed.default_mg if first_fixed else None
        for p in room.protocols:
            for mg in p.fixed_dose.choices_mg if p.fixed_dose else ():
                if mg not in self.dose_mg_buttons:
                    b = button(f"{number(mg)} mg", partial(self.choose_dose_mg, mg), name=f"dose {number(mg)} mg")
                    b.setCheckable(True)
                    self.dose_mg_buttons[mg] = b
                    doses.addWidget(b, 1)
        for label, field in (("Patient ref.", self.patient_ref), ("Weight", self.weight), ("Dose", self.dose),
                             ("Fixed dose", self.fixed), ("Infusion no.", self.course), ("Over", self.minutes)):
            form.addRow(label, field)
        lbox.addLayout(form)
        self.total = named(QLabel(""), "big")  # the total mg and mg/h, live, before the session opens
        self.total.setAccessibleName("total dose")
        lbox.addWidget(self.total)
        self.plan = named(QLabel(""), "dim")
        self.plan.setWordWrap(True)
        lbox.addWidget(self.plan)
        lbox.addStretch(1)
        # the main action, in one place: Open session, then Start infusion once the session is open
        self.open_button = button("Open session", self._open, kind="primary", name="open session")
        self.start = button("Start infusion", self._start, kind="primary", name="start infusion")
        lbox.addWidget(self.open_button)
        lbox.addWidget(self.start)
        q = QHBoxLayout()
        q.addWidget(named(QLabel("Patient's\nquestionnaires"), "dim"))
        self.phq = button("PHQ-9", lambda: self.navigate.emit("PHQ-9"))
        self.gad = button("GAD-7", lambda: self.navigate.emit("GAD-7"))
        q.addWidget(self.phq, 1)
        q.addWidget(self.gad, 1)
        lbox.addLayout(q)
        cols.addWidget(left, 4)
        # -- checklist and baseline ------------------------------------------------------------------
        right, rbox = _panel(scale)
        rbox.addWidget(named(QLabel("CHECKLIST"), "title"))
        grid = QGridLayout()
        grid.setVerticalSpacing(theme.px(4, scale))
        self.items: dict[str, QPushButton] = {}
        self.item_rows: dict[str, tuple[QWidget, ...]] = {}  # shown for the chosen protocol's checks
        self.solids = _spin(0, 48, policy.npo_solids_hours, 0.5, 1, " h")
        self.fluids = _spin(0, 48, policy.npo_clear_fluids_hours, 0.5, 1, " h")
        row = 0
        every = [*room.required_checklist, *(i for p in room.protocols for i in session_policy(room, p)
                                              .required_checklist)]
        for item in dict.fromkeys(every):
            name = QLabel(CHECKLIST_LABELS.get(item, F.words(item).capitalize()))
            grid.addWidget(name, row, 0)
            confirm = button("Confirm", partial(self._confirm, item), name=f"confirm {item}")
            confirm.setMinimumWidth(150)
            grid.addWidget(confirm, row, 2)
            self.items[item] = confirm
            self.item_rows[item] = (name, confirm)
            if item == "npo":
                hours_w = QWidget()
                hours = QHBoxLayout(hours_w)
                hours.setSpacing(theme.px(10, scale))
                hours.setContentsMargins(theme.px(16, scale), 0, 0, 0)
                for what, w in (("hours since solids", self.solids), ("clear fluids", self.fluids)):
                    hours.addWidget(named(QLabel(what), "dim"))
                    hours.addWidget(w, 1)
                row += 1
                grid.addWidget(hours_w, row, 0, 1, 3)
                self.item_rows[item] += (hours_w,)
            row += 1
        grid.setColumnStretch(0, 1)
        rbox.addLayout(grid)
        head = QHBoxLayout()
        head.addWidget(named(QLabel("BASELINE VITALS"), "title"))
        self.baseline = named(QLabel(""), "ok")  # what was recorded, beside the title
        head.addWidget(self.baseline, 1)
        rbox.addLayout(head)
        self.capture = button("From monitor", self._capture, kind="primary", name="capture baseline")
        self.record = button("Record typed", self._record, name="record baseline")
        self.hr = _spin(20, 250, 72)
        self.spo2 = _spin(50, 100, 98)
        self.sys = _spin(50, 280, 120)
        self.dia = _spin(20, 180, 80)
        typed = QGridLayout()
        typed.setHorizontalSpacing(theme.px(10, scale))
        typed.setVerticalSpacing(theme.px(4, scale))
        for i, (label, w) in enumerate((("HR", self.hr), ("SpO₂", self.spo2), ("Sys", self.sys), ("Dia", self.dia))):
            typed.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            typed.addWidget(w, i // 2, (i % 2) * 2 + 1)
        typed.addWidget(self.capture, 0, 4)  # from the monitor, or the typed values below it
        typed.addWidget(self.record, 1, 4)
        rbox.addLayout(typed)
        rbox.addStretch(1)
        # -- the patient's course (the hub's, or this room's own sessions) in the checklist's place, filled in
        # when it comes (ui/screens/course_panel.py); the heading's toggle switches between the two
        self.course_panel = CoursePanel(controller, scale)
        self.patient_ref.textChanged.connect(self.course_panel.ask)
        self.course_panel.take_dose.connect(self._take_course_dose)
        self.course_panel.answered.connect(self._course_answered)
        self.right = QStackedWidget()
        self.right.addWidget(right)
        course, cbox = _panel(scale)
        cbox.addWidget(self.course_panel)
        self.right.addWidget(course)
        cols.addWidget(self.right, 6)
        outer.addLayout(cols, 1)
        self.prompt.hide()
        self.start.hide()
        self._cleared_after: str | None = None  # the closed session the form was last cleared after
        self._opened = False
        self._show_protocol()
        controller.snapshot.connect(self.show_snapshot)

    # -- a fresh check-in ----------------------------------------------------------------------------
    def rules(self) -> SessionPolicy:
        """The rules of the chosen protocol (the room's where it gives none)."""
        return session_policy(self.controller.config.session, self.protocol)

    def choose_protocol(self, protocol_id: str) -> None:
        """The nurse picks one of the room's protocols: its defaults fill the form."""
        if not self._opened:
            self.protocol = enabled(self.controller.config.session, protocol_id)
            self._reset_dose()
        self._show_protocol()

    def choose_dose_mg(self, mg: float) -> None:
        if not self._opened:
            self.dose_mg = mg
        self._show_protocol()

    def _reset_dose(self) -> None:
        policy = self.rules()
        self.dose.setValue(policy.default_dose_mg_per_kg)
        self.minutes.setValue(policy.planned_infusion_min)
        fixed = self.protocol.fixed_dose if self.protocol else None
        self.dose_mg = fixed.default_mg if fixed else None

    def _show_protocol(self) -> None:
        """The chosen protocol's buttons checked, its dose rows and its checks shown."""
        pid = self.protocol.id if self.protocol else None
        for key, b in self.protocol_buttons.items():
            b.setChecked(key == pid)
        fixed = self.protocol.fixed_dose if self.protocol else None
        for mg, b in self.dose_mg_buttons.items():
            b.setVisible(fixed is not None and mg in fixed.choices_mg)
            b.setChecked(mg == self.dose_mg)
        self.form.setRowVisible(self.dose, fixed is None)
        self.form.setRowVisible(self.minutes, fixed is None)
        self.form.setRowVisible(self.fixed, fixed is not None)
        checks = self.rules().required_checklist
        for item, widgets in self.item_rows.items():
            for w in widgets:
                w.setVisible(item in checks)
        self._preview()

    def clear(self) -> None:
        """Empty but for the room's defaults: a new patient's check-in."""
        room = self.controller.config.session
        self.protocol = room.protocols[0] if room.protocols else None
        policy = self.rules()
        self.patient_ref.clear()
        self.weight.setValue(DEFAULT_WEIGHT_KG)
        self._reset_dose()
        self.course.setValue(1)
        self.solids.setValue(policy.npo_solids_hours)
        self.fluids.setValue(policy.npo_clear_fluids_hours)
        for w, v in ((self.hr, 72), (self.spo2, 98), (self.sys, 120), (self.dia, 80)):
            w.setValue(v)
        self.message.setText("")
        self.baseline.setText("")
        self.show_prompt("")
        self._show_protocol()
        self.show_course(False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.controller.last is not None:
            self._clear_after_close(self.controller.last)

    def _clear_after_close(self, snap: RoomSnapshot) -> None:
        s = snap.session
        if s is not None and snap.phase not in OPEN and s.session_id != self._cleared_after:
            self._cleared_after = s.session_id
            self.clear()

    def _plan(self) -> DosePlan | dict[str, Any] | Refused:
        """The dose plan of the form (the domain's arithmetic and bounds), or the Refused saying what is wrong: a
        fixed-dose protocol's plan as session.opened logs it."""
        policy = self.rules()
        fixed = self.protocol.fixed_dose if self.protocol else None
        try:
            if fixed is not None:
                return fixed_plan(fixed, self.weight.value(), self.dose_mg)
            return plan_dose(self.weight.value(), self.dose.value(), self.minutes.value(),
                             policy.default_concentration_mg_per_ml, policy.bounds)
        except Refused as refused:
            return refused

    def _preview(self) -> None:
        if self._opened:
            return
        plan = self._plan()
        if isinstance(plan, Refused):
            self.total.setText("")
            _style(self.plan, "error")
            self.plan.setText(f"{str(plan)[0].upper()}{str(plan)[1:]}.")
        elif isinstance(plan, dict):
            self.total.setText(f"{number(plan['total_dose_mg'])} mg")
            _style(self.plan, "dim")
            self.plan.setText(f"{plan['devices']} devices, {number(plan['device_interval_min'])} min apart")
        else:
            self.total.setText(f"{number(plan.total_dose_mg)} mg · {number(plan.rate_mg_per_h)} mg/h")
            policy = self.rules()
            high = is_high(plan, policy)
            _style(self.plan, "message" if high else "dim")
            self.plan.setText(
                f"{number(plan.dose_mg_per_kg)} mg/kg × {number(plan.weight_kg)} kg over "
                f"{number(plan.planned_infusion_min)} min"
                + (f". Above the usual maximum of {number(policy.soft_max_dose_mg_per_kg)} mg/kg: "
                   "opening asks for a high-dose confirmation." if high else ""))
        self.open_button.setEnabled(not isinstance(plan, Refused))

    # -- actions -------------------------------------------------------------------------------------
    def _say(self, text: str, ok: bool = False) -> None:
        say(self.message, text, ok)

    def _open(self) -> None:
        fixed = self.protocol is not None and self.protocol.fixed_dose is not None
        args: dict[str, Any] = dict(patient_ref=self.patient_ref.text(), weight_kg=self.weight.value(),
                                    dose_mg_per_kg=None if fixed else round(self.dose.value(), 3),
                                    course_no=self.course.value(),
                                    planned_infusion_min=None if fixed else self.minutes.value(),
                                    protocol=self.protocol.id if self.protocol else None,
                                    dose_mg=self.dose_mg if fixed else None)

        def refused(reason: str) -> None:
            if getattr(reason, "code", None) == HIGH_DOSE_UNCONFIRMED:
                self._say("")
                self.high_dose.emit(args)
                self.navigate.emit("dose_confirm")
            else:
                self._say(reason)

        self.controller.ops.open_session(args["patient_ref"], args["weight_kg"], course_no=args["course_no"],
                                         dose_mg_per_kg=args["dose_mg_per_kg"],
                                         planned_infusion_min=args["planned_infusion_min"],
                                         protocol=args["protocol"], dose_mg=args["dose_mg"],
                                         on_ok=lambda _: self._say("Session opened: now the checklist", True),
                                         on_error=refused)

    def _toggle_course(self) -> None:
        self.show_course(self.course_toggle.isChecked())

    def show_course(self, on: bool) -> None:
        """The course panel in the checklist's place (on), or the checklist."""
        self.course_toggle.setChecked(on)
        self.course_toggle.setText("Checklist" if on else "Course")
        self.right.setCurrentIndex(1 if on else 0)

    def _course_answered(self) -> None:
        if not self._opened:  # before the session opens, the course is what the nurse needs
            self.show_course(True)

    def _take_course_dose(self, mg_per_kg: float, infusion_no: int) -> None:
        """The nurse took the course panel's offer: last session's dose and the next infusion's number."""
        self.dose.setValue(mg_per_kg)
        self.course.setValue(min(99, infusion_no))

    def _confirm(self, item: str) -> None:
        extra: dict[str, float] = {}
        if item == "npo":
            extra = {"hours_since_solids": self.solids.value(), "hours_since_clear_fluids": self.fluids.value()}
        self.controller.ops.confirm_checklist(item, **extra, on_ok=lambda _: self._say(f"Confirmed: {F.words(item)}", True),
                                              on_error=self._say)

    def _capture(self) -> None:
        self.controller.ops.capture_baseline(on_ok=lambda _: self._say("Baseline captured from the monitor", True),
                                             on_error=self._say)

    def _record(self) -> None:
        self.controller.ops.record_baseline(self.hr.value(), self.spo2.value(), self.sys.value(), self.dia.value(),
                                            on_ok=lambda _: self._say("Baseline recorded", True), on_error=self._say)

    def _start(self) -> None:
        self.controller.ops.start_infusion(on_ok=lambda _: self.navigate.emit("main"), on_error=self._say)

    def show_prompt(self, text: str) -> None:
        """A flag for the nurse (PHQ-9 item 9 above zero); stays until the next session."""
        self.prompt.setText(text)
        self.prompt.setVisible(bool(text))

    # -- state ---------------------------------------------------------------------------------------
    def show_snapshot(self, snap: RoomSnapshot) -> None:
        self._clear_after_close(snap)
        s = snap.session if snap.phase in OPEN else None  # the open session
        if s is not None and not self._opened:
            self.show_course(False)  # opened: the checklist is next
        opened = self._opened = s is not None
        for w in (self.patient_ref, self.weight, self.dose, self.course, self.minutes, *self.protocol_buttons.values(),
                  *self.dose_mg_buttons.values()):
            w.setEnabled(not opened)
        if s is not None and s.protocol != (self.protocol.id if self.protocol else None):
            self.protocol = enabled(self.controller.config.session, s.protocol)  # the open session's
            self._show_protocol()
        if s is not None and self.patient_ref.text() != s.patient_ref:
            self.patient_ref.setText(s.patient_ref)
            self.weight.setValue(s.plan.get("weight_kg", 70))
            self.dose.setValue(s.plan.get("dose_mg_per_kg", 0.5))
            self.course.setValue(s.course_no)
        self.open_button.setVisible(not opened)
        pre = opened and snap.phase == "pre_infusion"
        if s is not None:
            p = s.plan
            _style(self.plan, "dim")
            if p.get("dose_mg") is not None:  # a fixed dose (intranasal)
                self.total.setText(f"{number(p.get('total_dose_mg'))} mg")
                self.plan.setText(f"{s.patient_ref}, session {s.course_no}: {p.get('devices')} devices, "
                                  f"{number(p.get('device_interval_min'))} min apart")
            else:
                self.total.setText(f"{number(p.get('total_dose_mg'))} mg · {number(p.get('rate_mg_per_h'))} mg/h")
                self.plan.setText(f"{s.patient_ref}, infusion {s.course_no}: {number(p.get('dose_mg_per_kg'))} "
                                  f"mg/kg × {number(p.get('weight_kg'))} kg over "
                                  f"{number(p.get('planned_infusion_min'))} min")
        else:
            self._preview()
        for item, b in self.items.items():
            done = s is not None and item in s.checklist
            show_done(b, done)
            b.setEnabled(pre and not done)
        self.solids.setEnabled(pre and "npo" not in (s.checklist if s else ()))
        npo = s.checked.get("npo") if s is not None else None
        if npo is not None:  # confirmed: the hours recorded (as corrected), not the form's defaults
            for w, name in ((self.solids, "hours_since_solids"), (self.fluids, "hours_since_clear_fluids")):
                if npo.get(name) is not None:
                    w.setValue(npo[name])
        self.fluids.setEnabled(self.solids.isEnabled())
        base = s.baseline if s is not None else None
        for control in (self.capture, self.record, self.hr, self.spo2, self.sys, self.dia):
            control.setEnabled(pre and base is None)
        if base is not None:
            self.baseline.setText(f"✓ HR {base['heart_rate']}, SpO₂ {base['spo2']}, NIBP {base['nibp_systolic']}/"
                                  f"{base['nibp_diastolic']} ({base.get('source', 'typed')})")
        else:
            self.baseline.setText("")
        self.start.setVisible(pre)
        self.phq.setEnabled(opened)
        self.gad.setEnabled(opened)
