"""Correct a charted entry tapped in the timeline: its fields prefilled with what it says now, a required reason,
sent as `correct_event` by the signed-in nurse. Nothing in the log changes: the room core logs an event.corrected
that points at the entry, validated as the entry was; the timeline then shows the corrected value, marked.
Correcting the dose plan shows the new total and rate live, from the domain's dose arithmetic."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QWidget

from roomcontrol.domain import kinds as K
from roomcontrol.domain.corrections import FIXED_FIELDS, entry_name
from roomcontrol.domain.dose import plan_dose
from roomcontrol.domain.protocol import enabled, fixed_plan, session_policy
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.wording import label, number
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, Stepper, button
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page

# (step, decimals) of a number's − / + keys; any other number steps by 1
STEPS = {"weight_kg": (0.5, 1), "dose_mg_per_kg": (0.05, 2), "planned_infusion_min": (5, 0), "dose": (0.5, 2),
         "dose_mg": (28, 0),
         "concentration_mg_per_ml": (0.1, 2), "hours_since_solids": (0.5, 1), "hours_since_clear_fluids": (0.5, 1)}
# The fields' names on the page, and the order they come in (others follow, by their own name).
FIELD_LABELS = {"weight_kg": "Weight (kg)", "dose_mg": "Dose (mg)", "dose_mg_per_kg": "Dose (mg/kg)",
                "planned_infusion_min": "Planned time (min)",
                "concentration_mg_per_ml": "Bag (mg/mL)", "course_no": "Infusion no.", "heart_rate": "HR (/min)",
                "spo2": "SpO₂ (%)", "nibp_systolic": "Systolic (mmHg)", "nibp_diastolic": "Diastolic (mmHg)",
                "hours_since_solids": "Hours since solids", "hours_since_clear_fluids": "Hours since clear fluids"}
# The dose plan's fields its total and rate are computed from (domain.dose.plan_dose).
PLAN_FIELDS = ("weight_kg", "dose_mg_per_kg", "planned_infusion_min", "concentration_mg_per_ml", "dose_mg")
# A fixed-dose (intranasal) plan computes these from its dose in mg: corrected through dose_mg.
FOLLOWS_DOSE_MG = ("dose_mg_per_kg", "planned_infusion_min")
REASONS = ("Typing error", "Wrong value chosen", "Re-measured")
NUMBER_RANGE = (0, 9999)  # what the box takes; the domain checks the value against the entry's own rules
Input = Choice | Stepper | QLineEdit | dict[str, Stepper]  # a field's control; a table's is one Stepper a key


def _restyle(label: QLabel, name: str) -> None:
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)


class CorrectionScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.ui_scale = controller, scale
        self.target: Event | None = None
        self.current: dict[str, Any] = {}
        self.inputs: dict[str, Input] = {}
        box, self.heading = page(self, "Correct an entry", lambda: self.navigate.emit("main"), scale=scale)
        self.entry = named(QLabel(""), "dim")
        self.entry.setWordWrap(True)
        box.addWidget(self.entry)
        self.fields_host = QWidget()
        self.form = QFormLayout(self.fields_host)
        self.form.setVerticalSpacing(theme.px(8, scale))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.fields_host)
        box.addWidget(scroll, 1)
        self.plan = named(QLabel(""), "big")  # the corrected dose plan's total and rate, live
        self.plan.setAccessibleName("corrected total dose")
        self.plan.setWordWrap(True)
        self.plan.hide()
        box.addWidget(self.plan)
        box.addWidget(named(QLabel("REASON FOR THE CORRECTION (required)"), "title"))
        self.reasons = Choice(REASONS)
        box.addWidget(self.reasons)
        self.reason = QLineEdit(placeholderText="why the entry was wrong")
        self.reasons.changed.connect(lambda key: self.reason.setText(key))
        self.reason.setAccessibleName("reason")
        box.addWidget(self.reason)
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        box.addWidget(self.message)
        self.save = button("Save correction", self._save, kind="primary", name="save correction")
        box.addWidget(self.save)

    def open(self, event: Event, current: dict[str, Any]) -> None:
        """Prefill with `current` (the entry's latest corrected payload, or as logged)."""
        self.target, self.current = event, dict(current)
        while self.form.rowCount():
            self.form.removeRow(0)
        self.inputs = {}
        fixed = FIXED_FIELDS.get(event.kind, {})
        order = list(FIELD_LABELS)
        for name, value in sorted(current.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                                    else len(order), kv[0])):
            if name in fixed or value is None or name in FOLLOWS_DOSE_MG and "dose_mg" in current:
                continue
            widget = self._input(name, value)
            if isinstance(widget, dict):
                self.form.addRow(named(QLabel(label(name).upper()), "title"))
                for key, sub in widget.items():
                    self.form.addRow(label(key), sub)
            else:
                self.form.addRow(FIELD_LABELS.get(name, label(name).capitalize()), widget)
            self.inputs[name] = widget
            if isinstance(widget, Stepper) and name in PLAN_FIELDS:
                widget.box.valueChanged.connect(lambda _: self._show_plan())
        self.plan.setVisible(event.kind == K.SESSION_OPENED)
        self._show_plan()
        self.heading.setText(f"Correct: {entry_name(event.kind, current)}")
        self.entry.setText(f"Entry #{event.seq}, {event.ts.astimezone().strftime('%H:%M')}, by {event.actor}. "
                           "The entry stays in the log; the correction is added under your name.")
        self.reasons.set_value(None)
        self.reason.clear()
        self.message.setText("")

    def _show_plan(self) -> None:
        """The dose plan's total and rate as corrected so far (or why the values are refused)."""
        if self.target is None or self.target.kind != K.SESSION_OPENED:
            return
        values = {name: self._read(self.inputs[name]) if name in self.inputs else self.current.get(name)
                  for name in PLAN_FIELDS}
        room = self.controller.config.session
        protocol = enabled(room, self.current.get("protocol"))  # the bounds of the session's protocol
        try:
            if protocol is not None and protocol.fixed_dose is not None:
                fixed = fixed_plan(protocol.fixed_dose, values["weight_kg"], values["dose_mg"])
                _restyle(self.plan, "big")
                self.plan.setText(f"{number(fixed['total_dose_mg'])} mg · {fixed['devices']} devices   "
                                  f"(was {number(self.current.get('total_dose_mg'))} mg)")
                return
            plan = plan_dose(values["weight_kg"], values["dose_mg_per_kg"], values["planned_infusion_min"],
                             values["concentration_mg_per_ml"], session_policy(room, protocol).bounds)
        except Refused as refused:
            _restyle(self.plan, "error")
            self.plan.setText(f"{str(refused)[0].upper()}{str(refused)[1:]}.")
            return
        _restyle(self.plan, "big")
        was = f"{number(self.current.get('total_dose_mg'))} mg · {number(self.current.get('rate_mg_per_h'))} mg/h"
        self.plan.setText(f"{number(plan.total_dose_mg)} mg · {number(plan.rate_mg_per_h)} mg/h   (was {was})")

    def _input(self, name: str, value: Any) -> Input:
        if isinstance(value, bool):
            choice = Choice((True, False), {True: "Yes", False: "No"})
            choice.set_value(value)
            return choice
        if isinstance(value, (int, float)):
            step, decimals = STEPS.get(name, (1, 0 if isinstance(value, int) else 2))
            return Stepper(*NUMBER_RANGE, value, step, decimals)
        if isinstance(value, dict):
            return {key: Stepper(*NUMBER_RANGE, sub, 1, 0) for key, sub in value.items()}
        edit = QLineEdit(str(value))
        edit.setAccessibleName(name)
        return edit

    def _read(self, widget: Input) -> Any:
        if isinstance(widget, Choice):
            return widget.value
        if isinstance(widget, Stepper):
            return widget.value()
        if isinstance(widget, dict):
            return {key: sub.value() for key, sub in widget.items()}
        return widget.text()

    def changes(self) -> dict[str, Any]:
        """The fields whose value the nurse changed (of a table, only its changed keys)."""
        out: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            new, old = self._read(widget), self.current[name]  # every input is one of `current`'s
            if isinstance(new, dict):
                changed = {k: v for k, v in new.items() if old.get(k) != v}
                if changed:
                    out[name] = changed
            elif new != old:
                out[name] = new
        return out

    def _save(self) -> None:
        if self.target is None:
            return
        changes = self.changes()
        if not changes:
            self.message.setText("Nothing changed: change the value that was wrong, then save")
            return
        self.controller.ops.correct_event(self.target.seq, self.reason.text(), changes,
                                          on_ok=lambda _: self.navigate.emit("main"), on_error=self.message.setText)
