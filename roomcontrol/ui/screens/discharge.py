"""Discharge: the PADSS form with its score, the minimum recovery time, escort confirmation and a held Discharge.
An active high-priority alarm holds discharge (the room refuses it); an administrator may discharge past it with
a reason, logged as discharge.override. Under a protocol: its discharge rules (unmet ones in plain words, each
overridable by an administrator who signs here), the escort's name and phone, and for an esketamine protocol
(`rems = true`) the REMS Patient Monitoring Form, whose missing fields the Discharge button names."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QScrollArea, QScroller, QStackedWidget, QVBoxLayout,
                               QWidget)

from roomcontrol.domain import discharge_rules as D
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import Protocol, enabled, session_drug, session_policy
from roomcontrol.domain.session import Session
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.screens.discharge_rules import DischargeRules
from roomcontrol.ui.screens.rems_form import RemsForm
from roomcontrol.ui.widgets.buttons import Choice, HoldButton, button
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page
from roomcontrol.ui.widgets.scale_form import ScaleForm


PAGES = ("padss", "rules", "rems")
MISSING_NAMED = 3  # the REMS form's missing fields named under the escort; the rest counted
PAGE_LABELS = {"padss": "PADSS", "rules": "Discharge rules", "rems": "REMS form"}


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
        # Under a protocol the left panel has three pages: PADSS, the protocol's rules, the REMS form (esketamine).
        self.pages = Choice(PAGES, PAGE_LABELS)
        for key, b in self.pages.buttons.items():
            b.setAccessibleName(f"show {key}")
        self.pages.setVisible(False)
        self.pages.changed.connect(self._page)
        fbox.addWidget(self.pages)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.padss)
        self.rules = DischargeRules(controller, scale)    # the protocol's rules and their overrides
        rules_page = QWidget()
        rbox = QVBoxLayout(rules_page)
        rbox.setContentsMargins(0, theme.px(8, scale), 0, 0)
        rbox.addWidget(self.rules)
        rbox.addStretch(1)
        self.stack.addWidget(rules_page)
        self.rems = RemsForm(scale)                       # an esketamine protocol's REMS form
        self.rems.changed.connect(self._rems_changed)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        scroll.setWidget(self.rems)
        self.stack.addWidget(scroll)
        fbox.addWidget(self.stack, 1)
        self.pages.set_value("padss")
        cols.addWidget(form_panel, 7)
        self.protocol: Protocol | None = None
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
        self.escort_name = QLineEdit(placeholderText="Escort's name")
        self.escort_name.setAccessibleName("escort name")
        self.escort_name.setMaxLength(80)
        self.escort_phone = QLineEdit(placeholderText="Escort's phone number")
        self.escort_phone.setAccessibleName("escort phone")
        self.escort_phone.setMaxLength(24)
        for field in (self.escort_name, self.escort_phone):
            field.setVisible(False)
            field.textChanged.connect(lambda _: self._refresh())
            sbox.addWidget(field)
        # On by default: the patient's comfort plan is kept for the next session (comfort.plan_saved).
        self.save_comfort = button("Save comfort plan for next time", checkable=True, name="save comfort plan")
        self.save_comfort.setChecked(True)
        sbox.addWidget(self.save_comfort)
        sbox.addStretch(1)
        self.missing = named(QLabel(""), "dim")  # the REMS form's fields still empty
        self.missing.setWordWrap(True)
        self.missing.setAccessibleName("REMS form missing")
        sbox.addWidget(self.missing)
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
        controller.history_loaded.connect(lambda _: self._refresh())

    def _protocol_args(self) -> dict:
        """What a protocol's discharge sends besides the room's: escort, overrides with their signer, REMS form."""
        if self.protocol is None:
            return {}
        args: dict = {"escort_name": self.escort_name.text(), "escort_phone": self.escort_phone.text(),
                      "overrides": self.rules.overrides(), "signed_by": self.rules.signed_by}
        if self.protocol.rems:
            args["rems"] = self.rems.form()
        return args

    def _discharge(self) -> None:
        self.controller.ops.discharge(self.escort.isChecked(), save_comfort_plan=self.save_comfort.isChecked(),
                                      on_ok=lambda _: self._done(), on_error=self.message.setText,
                                      **self._protocol_args())

    def _page(self, key: str) -> None:
        self.stack.setCurrentIndex(PAGES.index(key))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.controller.load_history()  # the stored readings: the REMS form's BP at ~40 min

    def _rems_changed(self) -> None:
        self._refresh()

    def _refresh(self) -> None:
        if self.controller.last is not None:
            self.show_snapshot(self.controller.last)

    def _override(self) -> None:
        reason = self.override_reason.text().strip()
        if not reason:
            self.message.setText("Type the reason to discharge with the alarm open.")
            return
        self.controller.ops.discharge(self.escort.isChecked(), override_reason=reason,
                                      save_comfort_plan=self.save_comfort.isChecked(), on_ok=lambda _: self._done(),
                                      on_error=self.message.setText, **self._protocol_args())

    def _done(self) -> None:
        self.message.setText("")
        self.override_reason.clear()
        self.escort.setChecked(False)
        self.escort_name.clear()
        self.escort_phone.clear()
        self.rules.clear()
        self.rems.clear()
        self.missing.setText("")
        self.pages.set_value("padss")
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
        drug = session_drug(room, s.protocol).capitalize()  # "Esketamine given" in a nasal session
        self.given.setText(f"{drug} given {snap.dose_given_mg:g} mg of {s.plan.get('total_dose_mg'):g} mg planned"
                           + (f" ({segments} rate segments)" if s.titrated else ""))
        padss = s.scores.get("PADSS")
        need = self.policy.min_padss_for_discharge
        if padss is None:
            self.score.setText("not recorded yet")
        else:
            self.score.setText(f"{padss} / 10  ({'ready' if padss >= need else f'needs {need}'})")
        self.protocol = enabled(room, s.protocol)
        self.escort.setVisible(self.policy.require_escort and self.protocol is None)
        self.save_comfort.setVisible(bool(s.comfort))  # nothing to save without a plan
        self.discharge.setEnabled(True)
        self.discharge.setText("Hold to discharge")
        self._show_protocol(snap)

    def _show_protocol(self, snap: RoomSnapshot) -> None:
        """The protocol's rules as they stand now, the escort fields, and the REMS form with what it still needs."""
        p, s = self.protocol, snap.session
        self.pages.setVisible(p is not None)
        self.pages.buttons["rems"].setVisible(bool(p and p.rems))
        for field in (self.escort_name, self.escort_phone):
            field.setVisible(p is not None and p.discharge.escort != "not_required")
        if p is None or s is None:
            return
        try:
            named = D.escort(self.escort_name.text(), self.escort_phone.text())
        except Refused:
            named = None  # half typed: the rule stays unmet; the room names the mistake if discharged like this
        self.rules.show_rules(p.title, D.unmet(p.discharge, s, snap.now, D.last_vitals(snap.vitals), named))
        if p.rems:
            self._prefill_rems(snap)
            gaps = self.rems.missing()
            # the first few by name: the whole list of a fresh form pushed the Discharge button off a 1280×800 screen
            more = f" and {len(gaps) - MISSING_NAMED} more" if len(gaps) > MISSING_NAMED else ""
            self.missing.setText("REMS form missing: " + ", ".join(gaps[:MISSING_NAMED]) + more if gaps else "")
            if gaps:
                self.discharge.setEnabled(False)
                self.discharge.setText(f"REMS form: {len(gaps)} answer{'s' if len(gaps) > 1 else ''} missing")

    def _prefill_rems(self, snap: RoomSnapshot) -> None:
        s = snap.session
        assert s is not None  # in recovery
        base = s.baseline or {}
        pre = (f"{base['nibp_systolic']:g}/{base['nibp_diastolic']:g}"
               if base.get("nibp_systolic") and base.get("nibp_diastolic") else "")
        sys_, dia = snap.vitals.get("nibp_systolic"), snap.vitals.get("nibp_diastolic")
        end = f"{sys_.value:g}/{dia.value:g}" if sys_ and dia and sys_.value and dia.value else ""
        started = s.infusion_started_at
        minutes = int((snap.now - started).total_seconds() // 60) if started else 0
        line = (f"Dose {s.plan.get('dose_mg', 0):g} mg ({s.plan.get('devices')} devices) · first device "
                f"{started.astimezone().strftime('%H:%M') if started else '–'} · monitored {minutes} min so far")
        who = (self.controller.staff or {}).get("name", "")
        self.rems.prefill(who, {"bp_pre": pre, "bp_40": self._bp_near_40(s), "bp_end": end}, line, started)

    def _bp_near_40(self, s: Session) -> str:
        """The stored NIBP reading nearest to 40 min after the first device (the session's history)."""
        if s.infusion_started_at is None:
            return ""
        target = s.infusion_started_at.timestamp() + 40 * 60
        rows = [r for r in self.controller.vitals_history if r.get("kind") in ("nibp_systolic", "nibp_diastolic")
                and r.get("value") is not None]
        return near_bp(rows, target)


def near_bp(rows: list[dict], target_s: float, within_s: float = 15 * 60) -> str:
    """'142/88' from the stored NIBP rows (kind, value, ts) nearest `target_s` (epoch seconds), within 15 min."""
    from roomcontrol.domain.timefmt import parse_iso

    best: dict[str, tuple[float, float]] = {}
    for r in rows:
        ts = r["ts"] if not isinstance(r["ts"], str) else parse_iso(r["ts"])
        off = abs(ts.timestamp() - target_s)
        if off <= within_s and (r["kind"] not in best or off < best[r["kind"]][0]):
            best[r["kind"]] = (off, float(r["value"]))
    if "nibp_systolic" in best and "nibp_diastolic" in best:
        return f"{best['nibp_systolic'][1]:g}/{best['nibp_diastolic'][1]:g}"
    return ""
