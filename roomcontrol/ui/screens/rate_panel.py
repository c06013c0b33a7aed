"""Change the infusion rate (titration) from the session card: the new rate in mg/h (with mL/h when the bag's
concentration is known, and what it would give over the planned time), a reason chosen or typed, then Set rate.
A rate above the clinic's usual maximum comes back refused with the high-dose code: the panel then asks for the
explicit confirmation and sends again with it, as check-in does for a high dose."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from roomcontrol.domain.dose import HIGH_DOSE_UNCONFIRMED, rate_dose_per_kg
from roomcontrol.domain.session import Session
from roomcontrol.domain.wording import number
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, Stepper, button
from roomcontrol.ui.widgets.feedback import say

# Short enough to read on five touch buttons across the card; anything else is typed.
REASONS = ("Dissociated", "Comfortable", "Nausea", "BP", "Pain")


class RatePanel(QWidget):
    done = Signal()

    def __init__(self, controller: RoomController) -> None:
        super().__init__()
        self.controller = controller
        self.plan: dict = {}
        box = QVBoxLayout(self)  # three rows, as the reason panel: the card must keep its height
        box.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.rate = Stepper(0.5, 999, 60, step=1, decimals=1, suffix=" mg/h")
        self.rate.setAccessibleName("new rate")
        self.rate.box.valueChanged.connect(lambda *_: self._show_equivalent())
        top.addWidget(self.rate, 2)
        self.message = QLabel("")  # what the new rate means, or why the room refused it
        self.message.setWordWrap(True)
        top.addWidget(self.message, 3)
        box.addLayout(top)
        self.choice = Choice(REASONS)
        box.addWidget(self.choice)
        row = QHBoxLayout()
        self.other = QLineEdit(placeholderText="or type a reason")
        self.cancel = button("Cancel", self.close_panel, kind="quiet", name="cancel rate change")
        self.set = button("Set rate", lambda: self._send(False), kind="primary", name="set rate")
        self.confirm = button("Confirm high dose", lambda: self._send(True), kind="danger", name="confirm high rate")
        for w in (self.other, self.cancel, self.set, self.confirm):
            row.addWidget(w)
        row.setStretch(0, 1)
        box.addLayout(row)
        self.equivalent = ""  # the meaning of the rate shown

    def open(self, session: Session) -> None:
        """Start from the rate the pump runs at now."""
        self.plan = dict(session.plan)
        self.rate.setValue(float(session.rate_mg_per_h or self.plan.get("rate_mg_per_h") or 0.0))
        self.choice.set_value(None)
        self.other.clear()
        self._show_equivalent()

    def reason(self) -> str:
        return self.other.text().strip() or self.choice.value or ""

    def _show_equivalent(self) -> None:
        """'= 0.75 mL/h · 1.25 mg/kg over 40 min': what the number means before it is sent."""
        if not self.plan:
            return
        rate = float(self.rate.value())
        conc = self.plan.get("concentration_mg_per_ml")
        parts = [f"{number(round(rate / conc, 2))} mL/h"] if conc else []
        parts.append(f"{number(round(rate_dose_per_kg(rate, self.plan), 3))} mg/kg over "
                     f"{number(self.plan.get('planned_infusion_min'))} min")
        self.equivalent = "= " + " · ".join(parts)
        if self.message.property("tone"):  # plain again after a refusal was said in amber
            self.message.setProperty("tone", "")
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)
        self.message.setText(self.equivalent)
        self.confirm.setVisible(False)  # a confirmation is for the rate it was asked for
        self.set.setVisible(True)

    def _send(self, confirmed: bool) -> None:
        def refused(reason: str) -> None:
            say(self.message, str(reason))
            if getattr(reason, "code", None) == HIGH_DOSE_UNCONFIRMED:
                self.set.setVisible(False)
                self.confirm.setVisible(True)

        self.controller.ops.change_rate(float(self.rate.value()), self.reason(), high_dose_confirmed=confirmed,
                                        on_ok=lambda _: self.close_panel(), on_error=refused)

    def close_panel(self) -> None:
        self.done.emit()
