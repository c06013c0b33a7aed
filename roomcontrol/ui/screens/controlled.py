"""The controlled-substance page (issue #15 item 6): "Drawn" before and during the infusion (the protocol's drug,
concentration, volume, lot, expiry) and "Waste" in recovery, with its arithmetic (drawn − given = to waste, the
balance of what is entered) and one PIN pad the nurse and then the witness sign on, there and then.

Both PINs go to the engine together (`controller.record_waste`: hashed on the pin-check worker); the room refuses
a same-person witness, a disabled account, a wrong PIN (counted as the lock screen's) and a second waste. The
numbers are the domain's (domain/controlled.py); the dose given is the session's own."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from roomcontrol.domain.controlled import Ledger, expected_waste, tolerance_mg
from roomcontrol.domain.draw_first import draw_missing
from roomcontrol.domain.protocol import enabled, session_drug
from roomcontrol.domain.wording import number
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, Stepper, button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page
from roomcontrol.ui.widgets.pinpad import PinPad

DRAW_PHASES = ("pre_infusion", "infusing", "paused")
NURSE_STEP = "1 · Nurse: enter your PIN"
WITNESS_STEP = "2 · Witness: tap your name, then your PIN"  # two lines at 1280×800: a third scrolled the pad


def _panel(title: str, scale: float) -> tuple[QWidget, QVBoxLayout]:
    panel = named(QWidget(), "panel")
    panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    box = QVBoxLayout(panel)
    box.setContentsMargins(theme.px(18, scale), theme.px(12, scale), theme.px(18, scale), theme.px(12, scale))
    box.setSpacing(theme.px(6, scale))  # 8 scrolled the page at 1280×800 once a draw was listed
    box.addWidget(named(QLabel(title), "title"))
    return panel, box


class ControlledScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.scale = controller, scale
        self.ledger = Ledger()
        self.given = 0.0
        self.nurse_pin: str | None = None
        self.names: dict[str, str] = {}  # staff id → name (the engine's staff list): the page names people
        self._filled: tuple[str, float] | None = None  # the session and draw the wasted volume was filled in for
        outer, self.title = page(self, "Controlled substance", lambda: self.navigate.emit("main"),
                                 back_label="Back to the room", scale=scale)
        cols = QHBoxLayout()
        cols.setSpacing(theme.px(12, scale))
        cols.addWidget(self._drawn_panel(scale), 4)
        cols.addWidget(self._waste_panel(scale), 6)
        outer.addLayout(cols, 1)
        controller.snapshot.connect(self.show_snapshot)

    # -- drawn ---------------------------------------------------------------------------------------------
    def _drawn_panel(self, scale: float) -> QWidget:
        panel, box = _panel("DRAWN", scale)
        self.drug = named(QLabel(""), "big")
        box.addWidget(self.drug)
        self.conc = Stepper(0.1, 200, 10, step=1, decimals=1, suffix=" mg/mL")
        self.conc.setAccessibleName("concentration")
        self.volume = Stepper(0.01, 100, 5, step=0.1, decimals=2, suffix=" mL")
        self.volume.setAccessibleName("volume drawn")
        for label, w in (("Concentration", self.conc), ("Volume drawn", self.volume)):
            box.addWidget(named(QLabel(label), "dim"))
            box.addWidget(w)
        self.lot = QLineEdit(placeholderText="Lot, as printed")
        self.lot.setAccessibleName("lot")
        self.expiry = QLineEdit(placeholderText="Expiry: YYYY-MM or YYYY-MM-DD")
        self.expiry.setAccessibleName("expiry")
        box.addWidget(self.lot)
        box.addWidget(self.expiry)
        self.holds = named(QLabel(""), "dim")
        box.addWidget(self.holds)
        for w in (self.conc, self.volume):
            w.box.valueChanged.connect(lambda *_: self._show_holds())
        self.record = button("Record draw", self._draw, kind="primary", name="record draw")
        box.addWidget(self.record)
        self.draws = named(QLabel(""), "dim")
        self.draws.setWordWrap(True)
        box.addWidget(self.draws)
        box.addStretch(1)
        self.draw_message = named(QLabel(""), "message")
        self.draw_message.setWordWrap(True)
        box.addWidget(self.draw_message)
        self._show_holds()
        return panel

    def _show_holds(self) -> None:
        self.holds.setText(f"= {number(round(float(self.conc.value()) * float(self.volume.value()), 2))} mg")

    def _draw(self) -> None:
        self.controller.ops.record_draw(float(self.conc.value()), float(self.volume.value()), self.lot.text(),
                                        self.expiry.text().strip(), on_ok=lambda _: self._drawn(),
                                        on_error=lambda why: say(self.draw_message, str(why)))

    def _drawn(self) -> None:
        say(self.draw_message, "Draw recorded.", ok=True)
        self.lot.clear()
        self.expiry.clear()

    # -- waste ---------------------------------------------------------------------------------------------
    def _waste_panel(self, scale: float) -> QWidget:
        panel, box = _panel("WASTE", scale)
        self.sums = named(QLabel(""), "heading")  # two lines at 1280×800: "big" pushed the pad off the screen
        self.sums.setAccessibleName("waste arithmetic")
        self.sums.setWordWrap(True)
        box.addWidget(self.sums)
        row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(named(QLabel("Volume wasted"), "dim"))
        self.wasted = Stepper(0, 100, 0, step=0.05, decimals=3, suffix=" mL")
        self.wasted.setAccessibleName("volume wasted")
        self.wasted.box.valueChanged.connect(lambda *_: self._show_balance())
        left.addWidget(self.wasted)
        self.balance = QLabel("")
        self.balance.setWordWrap(True)
        left.addWidget(self.balance)
        self.explanation = QLineEdit(placeholderText="Explain a discrepancy in words")
        self.explanation.setAccessibleName("explanation")
        self.explanation.setMaxLength(300)
        left.addWidget(self.explanation)
        left.addWidget(named(QLabel("Witness (a second staff member)"), "dim"))
        self.witness_holder = QVBoxLayout()
        left.addLayout(self.witness_holder)
        self.witness: Choice | None = None
        left.addStretch(1)
        self.waste_message = named(QLabel(""), "message")
        self.waste_message.setWordWrap(True)
        left.addWidget(self.waste_message)
        row.addLayout(left, 1)
        right = QVBoxLayout()
        self.step = named(QLabel(NURSE_STEP), "heading")
        self.step.setAccessibleName("whose PIN")
        self.step.setWordWrap(True)  # "2 · Witness: tap your name, …" must not widen the pad's column
        right.addWidget(self.step)
        self.pad = PinPad(scale)
        self.pad.entered.connect(self._pin)
        right.addWidget(self.pad, 1)
        row.addLayout(right, 1)
        box.addLayout(row, 1)
        self.waste_area: list[QWidget] = [self.wasted, self.explanation, self.pad]
        return panel

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.controller.staff_list(self._witnesses)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._restart()  # a PIN entered before leaving the page never signs later

    def _witnesses(self, staff: list) -> None:
        """Active accounts other than the nurse signed in (the room refuses her as her own witness anyway); every
        active account's name for the draw and waste lines."""
        names = {p["staff_id"]: p["name"] for p in staff}
        if names != self.names:
            self.names = names
            if self.controller.last is not None:
                self.show_snapshot(self.controller.last)
        others = [p for p in staff if p["staff_id"] != self.controller.actor]
        ids = [p["staff_id"] for p in others]
        if self.witness is not None:
            if list(self.witness.buttons) == ids:
                return  # the same people: keep who was tapped
            self.witness.deleteLater()
        self.witness = Choice(ids, {p["staff_id"]: p["name"] for p in others}, columns=2)
        self.witness_holder.addWidget(self.witness)

    def _name(self, staff_id: str) -> str:
        """The name, as the sign-in screen shows it; the id as logged for an account no longer active."""
        return self.names.get(staff_id) or staff_id

    def _restart(self) -> None:
        """Both signatures start again (after a refusal, leaving the page, or a waste recorded)."""
        self.nurse_pin = None
        self.pad.clear()
        self.step.setText(NURSE_STEP)

    def _pin(self, pin: str) -> None:
        if self.nurse_pin is None:
            self.nurse_pin = pin
            self.step.setText(WITNESS_STEP)
            return
        witness = self.witness.value if self.witness is not None else None
        if witness is None:
            say(self.waste_message, "Tap the witness's name, then the witness enters their PIN again.")
            return
        nurse_pin, self.nurse_pin = self.nurse_pin, None
        self.step.setText("Checking both PINs…")
        self.controller.ops.record_waste(float(self.wasted.value()), nurse_pin, witness, pin,
                                         explanation=self.explanation.text().strip() or None,
                                         on_ok=lambda _: self._wasted(), on_error=self._refused)

    def _refused(self, why: str) -> None:
        say(self.waste_message, str(why))
        self._restart()

    def _wasted(self) -> None:
        say(self.waste_message, "Waste recorded and witnessed.", ok=True)
        self._restart()
        self.explanation.clear()

    def _show_balance(self) -> None:
        conc = self.ledger.mg_per_ml
        if conc is None:
            self.balance.setText("")
            return
        mg = round(float(self.wasted.value()) * conc, 2)
        off = round(self.ledger.drawn_mg - self.given - mg, 2)
        tol = tolerance_mg(conc)
        text = f"Wasted {number(mg)} mg · discrepancy {number(off)} mg"
        if abs(off) <= tol:
            self.balance.setStyleSheet(f"color: {theme.OK_TEXT};")
            self.balance.setText(text + f" (within {number(tol)} mg)")
        else:
            self.balance.setStyleSheet(f"color: {theme.WARN};")
            self.balance.setText(text + f": beyond {number(tol)} mg, explain it below")

    # -- the room ------------------------------------------------------------------------------------------
    def show_snapshot(self, snap: RoomSnapshot) -> None:
        s = snap.session
        phase = snap.phase
        room = self.controller.config.session
        drawing = s is not None and phase in DRAW_PHASES and s.controlled.waste is None
        for field in (self.conc, self.volume, self.lot, self.expiry, self.record):
            field.setEnabled(drawing)
        if s is None or not s.is_open:
            self.title.setText("Controlled substance")
            self.drug.setText("No session open")
            self.sums.setText("")
            self.draws.setText("")
            for part in self.waste_area:
                part.setEnabled(False)
            return
        self.title.setText(f"Controlled substance · {s.patient_ref}")
        self.drug.setText(session_drug(room, s.protocol).capitalize())
        ledger = s.controlled
        self.ledger, self.given = ledger, float(snap.dose_given_mg)
        self.draws.setText("\n".join(f"{number(d.mg)} mg ({number(d.ml)} mL) · lot {d.lot} · exp {d.expiry} · "
                                     f"by {self._name(d.by)}" for d in ledger.draws)
                           or draw_missing(enabled(room, s.protocol), ledger) or "Nothing drawn yet.")
        open_waste = phase == "recovery" and bool(ledger.draws) and ledger.waste is None
        for part in self.waste_area:
            part.setEnabled(open_waste)
        if ledger.waste is not None:
            w = ledger.waste
            self.sums.setText(f"Wasted {number(w.mg)} mg ({number(w.ml)} mL), witnessed by {self._name(w.witness)}; "
                              f"discrepancy {number(w.discrepancy_mg)} mg")
        elif not ledger.draws:
            self.sums.setText("Nothing drawn: no waste to record.")
        elif phase != "recovery":
            self.sums.setText(f"Drawn {number(ledger.drawn_mg)} mg. The waste is recorded when the infusion "
                              "has ended.")
        else:
            mg, ml = expected_waste(ledger, self.given)
            self.sums.setText(f"Drawn {number(ledger.drawn_mg)} mg − given {number(self.given)} mg = "
                              f"{number(mg)} mg to waste ({number(ml, 3)} mL at {number(ledger.mg_per_ml)} mg/mL)")
            if self._filled != (s.session_id, ledger.drawn_mg):  # what should be left, once: the nurse corrects it
                self._filled = (s.session_id, ledger.drawn_mg)
                self.wasted.setValue(max(0.0, ml))
        self._show_balance()
