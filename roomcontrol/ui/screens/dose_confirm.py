"""The high-dose confirmation: a dose above the clinic's soft maximum, refused by the room core without it, shown
with its TOTAL in mg large (and mg/kg, mg/h) and opened only by holding "Confirm high dose"; the room core then
logs dose.high_confirmed with the opening, as the signed-in nurse. The numbers are the domain's dose arithmetic."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from roomcontrol.domain.dose import plan_dose
from roomcontrol.domain.protocol import enabled, session_policy
from roomcontrol.domain.events import Event
from roomcontrol.domain.wording import number
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import HoldButton, button
from roomcontrol.ui.widgets.labels import text_label, warning_figure
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page


class DoseConfirmScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.args: dict[str, Any] | None = None
        box, self.heading = page(self, "High dose: confirm before opening", lambda: self.navigate.emit("checkin"),
                                 back_label="Back to check-in", scale=scale)
        self.patient = named(QLabel(""), "heading")
        box.addWidget(self.patient)
        box.addStretch(1)
        self.total = warning_figure("dose_total", "total dose", 112, scale)
        box.addWidget(self.total)
        self.detail = text_label("big", centred=True)
        box.addWidget(self.detail)
        self.limit = text_label("message", centred=True, wrap=True)
        box.addWidget(self.limit)
        box.addStretch(1)
        self.message = text_label("error", wrap=True)
        box.addWidget(self.message)
        row = QHBoxLayout()
        self.change = button("Change the dose", lambda: self.navigate.emit("checkin"), name="change the dose")
        self.confirm = HoldButton("Hold to confirm the high dose", kind="danger")
        self.confirm.setAccessibleName("confirm high dose")
        self.confirm.setMinimumWidth(theme.px(420, scale))
        self.confirm.confirmed.connect(self._confirm)
        row.addWidget(self.change)
        row.addStretch(1)
        row.addWidget(self.confirm)
        box.addLayout(row)

    def ask(self, args: dict[str, Any]) -> None:
        """Show the dose of these open_session arguments for confirmation."""
        self.args = dict(args)
        policy = session_policy(self.controller.config.session,
                                enabled(self.controller.config.session, args.get("protocol")))
        plan = plan_dose(args["weight_kg"], args["dose_mg_per_kg"], args["planned_infusion_min"],
                         policy.default_concentration_mg_per_ml, policy.bounds)
        self.patient.setText(f"Patient {args['patient_ref'] or '–'} · infusion {args['course_no']}")
        self.total.setText(f"{number(plan.total_dose_mg)} mg")
        self.detail.setText(f"{number(plan.dose_mg_per_kg)} mg/kg × {number(plan.weight_kg)} kg · "
                            f"{number(plan.rate_mg_per_h)} mg/h over {number(plan.planned_infusion_min)} min")
        self.limit.setText(f"Above the clinic's usual maximum of {number(policy.soft_max_dose_mg_per_kg)} mg/kg. "
                           "Check the prescription. Confirming is logged under your name.")
        self.message.setText("")

    def _confirm(self) -> None:
        if self.args is None:
            return
        a = self.args
        self.controller.ops.open_session(a["patient_ref"], a["weight_kg"], course_no=a["course_no"],
                                         dose_mg_per_kg=a["dose_mg_per_kg"],
                                         planned_infusion_min=a["planned_infusion_min"], high_dose_confirmed=True,
                                         protocol=a.get("protocol"),
                                         on_ok=self._opened, on_error=self.message.setText)

    def _opened(self, _events: list[Event]) -> None:
        self.args = None
        self.navigate.emit("checkin")
