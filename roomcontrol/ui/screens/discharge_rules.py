"""The protocol's discharge rules on the discharge screen (issue #15 item 7): each unmet rule in plain words; an
administrator may override each with a reason and signs with their own PIN here (the nurse stays signed in).
A nurse sees the rules and the reasons asked for, but her PIN does not sign (the room refuses it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from roomcontrol.domain import discharge_rules as D
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.named import named


class DischargeRules(QWidget):
    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.found: tuple[D.Unmet, ...] = ()
        self.signer: dict[str, Any] | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(6, scale))
        self.title = named(QLabel("DISCHARGE RULES"), "title")
        box.addWidget(self.title)
        self.state = named(QLabel(""), "dim")
        self.state.setWordWrap(True)
        self.state.setAccessibleName("discharge rules")
        box.addWidget(self.state)
        self.rows: dict[str, QWidget] = {}
        self.says: dict[str, QLabel] = {}
        self.reasons: dict[str, QLineEdit] = {}
        for rule in D.RULES:
            row = QWidget()
            line = QVBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(2)
            says = named(QLabel(""), "message")
            says.setWordWrap(True)
            reason = QLineEdit(placeholderText=f"Administrator's reason to override ({D.RULE_LABELS[rule]})")
            reason.setAccessibleName(f"override reason {rule}")
            reason.setMaxLength(200)
            line.addWidget(says)
            line.addWidget(reason)
            row.setVisible(False)
            self.rows[rule], self.says[rule], self.reasons[rule] = row, says, reason
            box.addWidget(row)
        # The administrator signs the overrides with their own id and PIN, at the time.
        self.sign_row = QWidget()
        sign = QHBoxLayout(self.sign_row)
        sign.setContentsMargins(0, 0, 0, 0)
        self.admin = QLineEdit(placeholderText="Administrator's staff id")
        self.admin.setAccessibleName("administrator id")
        self.pin = QLineEdit(placeholderText="PIN")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("administrator PIN")
        self.pin.setMaxLength(8)
        self.sign = button("Sign the overrides", self._sign, kind="quiet", name="sign overrides")
        sign.addWidget(self.admin, 2)
        sign.addWidget(self.pin, 1)
        sign.addWidget(self.sign, 2)
        box.addWidget(self.sign_row)
        self.signed = named(QLabel(""), "dim")
        self.signed.setWordWrap(True)
        box.addWidget(self.signed)

    def show_rules(self, title: str, found: tuple[D.Unmet, ...]) -> None:
        self.title.setText(f"DISCHARGE RULES · {title}")
        self.found = found
        blocking = [u for u in found if u.blocking]
        self.state.setText("All of this protocol's discharge rules are met." if not found else
                           f"{len(blocking)} rule{'s' if len(blocking) != 1 else ''} not met yet"
                           + ("; advice: " + "; ".join(u.says for u in found if not u.blocking)
                              if len(blocking) < len(found) else ""))
        for rule, row in self.rows.items():
            u = next((u for u in blocking if u.rule == rule), None)
            row.setVisible(u is not None)
            self.says[rule].setText(u.says if u else "")
        self.sign_row.setVisible(bool(blocking))
        self.signed.setVisible(bool(blocking))

    def overrides(self) -> dict[str, str]:
        """The reasons typed for the rules unmet now."""
        return {u.rule: self.reasons[u.rule].text().strip() for u in self.found
                if u.blocking and self.reasons[u.rule].text().strip()}

    @property
    def signed_by(self) -> str | None:
        return self.signer["staff_id"] if self.signer else None

    def _sign(self) -> None:
        staff_id, pin = self.admin.text().strip(), self.pin.text()
        self.pin.clear()
        if not staff_id or not pin:
            self.signed.setText("The administrator types their staff id and PIN.")
            return

        def ok(who: dict[str, Any]) -> None:
            self.signer = who
            at = datetime.now().strftime("%H:%M")
            self.signed.setText(f"Signed by {who['name']} (administrator) at {at}")

        def refused(reason: str) -> None:
            self.signer = None
            self.signed.setText(str(reason))
        self.controller.countersign(staff_id, pin, ok, refused)

    def clear(self) -> None:
        for r in self.reasons.values():
            r.clear()
        self.admin.clear()
        self.pin.clear()
        self.signer = None
        self.signed.setText("")
