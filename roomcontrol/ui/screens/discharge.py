"""Discharge: the PADSS form with its score, the minimum recovery time, escort confirmation and a held Discharge.
An active high-priority alarm holds discharge (the room refuses it); an administrator may discharge past it with
a reason, logged as discharge.override."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from roomcontrol.domain.protocol import enabled, session_policy
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import HoldButton, button
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page
from roomcontrol.ui.widgets.scale_form import ScaleForm


class DischargeScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.policy = controller.config.session
        outer, self.title = page(self, "Discharge", lambda: self.navigate.emit("main"),
                                 back_label="Back to the room", scale=scale, side=14, top=4, bottom=10)
        cols = QHBoxLayout()
        cols.setSpacing(theme.px(12, scale))
        form_panel = named(QWidget(), "panel")
        form_panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        fbox = QVBoxLayout(form_panel)
        fbox.setContentsMargins(18, 12, 18, 12)
        self.padss = ScaleForm(controller, "PADSS", scale=scale)
        self.padss.save.setText("Save PADSS")
        fbox.addWidget(self.padss)
        cols.addWidget(form_panel, 7)
        side = named(QWidget(), "panel")
        side.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        sbox = QVBoxLayout(side)
        sbox.setContentsMargins(18, 12, 18, 14)
        sbox.setSpacing(theme.px(10, scale))
        sbox.addWidget(named(QLabel("RECOVERY"), "title"))
        self.recovery = named(QLabel("--:--"), "timer")
        self.minimum = named(QLabel(""), "dim")
        self.minimum.setWordWrap(True)
        sbox.addWidget(self.recovery)
        sbox.addWidget(self.minimum)
        self.given = named(QLabel(""), "dim")  # ketamine given, over the rate segments
        self.given.setAccessibleName("dose given")
        sbox.addWidget(self.given)
        sbox.addWidget(named(QLabel("PADSS"), "title"))
        self.score = named(QLabel("not recorded yet"), "big")
        sbox.addWidget(self.score)
        sbox.addWidget(named(QLabel("ESCORT"), "title"))
        self.escort = button("Escort present and confirmed", checkable=True, name="escort confirmed")
        sbox.addWidget(self.escort)
        # On by default: the patient's comfort plan is kept for the next session (comfort.plan_saved).
        self.save_comfort = button("Save comfort plan for next time", checkable=True, name="save comfort plan")
        self.save_comfort.setChecked(True)
        sbox.addWidget(self.save_comfort)
        sbox.addStretch(1)
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        sbox.addWidget(self.message)
        self.discharge = HoldButton("Hold to discharge", kind="primary")
        self.discharge.setAccessibleName("hold to discharge")
        self.discharge.setMinimumHeight(theme.px(72, scale))
        self.discharge.confirmed.connect(self._discharge)
        sbox.addWidget(self.discharge)
        # An administrator's override of an active high-priority alarm: a reason, then a held button.
        self.override = QWidget()
        obox = QVBoxLayout(self.override)
        obox.setContentsMargins(0, 0, 0, 0)
        obox.setSpacing(theme.px(6, scale))
        self.override_reason = QLineEdit(placeholderText="Reason to discharge with the alarm open")
        self.override_reason.setAccessibleName("override reason")
        self.override_reason.setMaxLength(200)
        self.override_button = HoldButton("Hold to override and discharge", kind="danger")
        self.override_button.setAccessibleName("hold to override and discharge")
        self.override_button.confirmed.connect(self._override)
        obox.addWidget(self.override_reason)
        obox.addWidget(self.override_button)
        self.override.setVisible(False)
        sbox.addWidget(self.override)
        cols.addWidget(side, 4)
        outer.addLayout(cols, 1)
        controller.snapshot.connect(self.show_snapshot)

    def _discharge(self) -> None:
        self.controller.ops.discharge(self.escort.isChecked(), save_comfort_plan=self.save_comfort.isChecked(),
                                      on_ok=lambda _: self._done(), on_error=self.message.setText)

    def _override(self) -> None:
        reason = self.override_reason.text().strip()
        if not reason:
            self.message.setText("Type the reason to discharge with the alarm open.")
            return
        self.controller.ops.discharge(self.escort.isChecked(), override_reason=reason,
                                      save_comfort_plan=self.save_comfort.isChecked(), on_ok=lambda _: self._done(),
                                      on_error=self.message.setText)

    def _done(self) -> None:
        self.message.setText("")
        self.override_reason.clear()
        self.escort.setChecked(False)
        self.save_comfort.setChecked(True)
        self.padss.clear()
        self.navigate.emit("main")

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        s = snap.session
        high = [a for a in snap.alarms if a.priority == "high"]
        self.override.setVisible(bool(high) and self.controller.is_admin and snap.phase == "recovery")
        if s is None or snap.phase != "recovery":
            self.title.setText("Discharge")
            self.recovery.setText("--:--")
            self.minimum.setText("Discharge happens from recovery.")
            self.given.setText("")
            self.discharge.setEnabled(False)
            return
        room = self.controller.config.session
        self.policy = session_policy(room, enabled(room, s.protocol))  # the rules of this session's protocol
        self.title.setText(f"Discharge · {s.patient_ref}")
        self.recovery.setText(F.mmss(snap.recovery_elapsed_s))
        left = snap.recovery_remaining_s or 0
        self.minimum.setText(f"Minimum recovery {self.policy.min_recovery_min} min: "
                             + (f"{F.mmss(left)} to go" if left > 0 else "reached"))
        segments = len(s.segments)
        self.given.setText(f"Ketamine given {snap.dose_given_mg:g} mg of {s.plan.get('total_dose_mg'):g} mg planned"
                           + (f" ({segments} rate segments)" if s.titrated else ""))
        padss = s.scores.get("PADSS")
        need = self.policy.min_padss_for_discharge
        if padss is None:
            self.score.setText("not recorded yet")
        else:
            self.score.setText(f"{padss} / 10  ({'ready' if padss >= need else f'needs {need}'})")
        self.escort.setVisible(self.policy.require_escort)
        self.save_comfort.setVisible(bool(s.comfort))  # nothing to save without a plan
        self.discharge.setEnabled(True)
