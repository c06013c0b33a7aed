"""Full-screen forms reached from the room: an assessment scale (CADSS-6 by the nurse; PHQ-9 and GAD-7 by the
patient), medication given, and a free note."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from roomcontrol.domain.catalogue import PATIENT_SCALES
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice, Stepper, button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named
from roomcontrol.ui.widgets.page import page
from roomcontrol.ui.widgets.scale_form import ScaleForm

PRESETS = {  # drug: (dose, unit, route) — common in a ketamine clinic; anything else can be typed
    "Ondansetron": (4, "mg", "IV"), "Midazolam": (1, "mg", "IV"), "Labetalol": (10, "mg", "IV"),
    "Clonidine": (0.1, "mg", "PO"),
}
INDICATIONS = {"Ondansetron": "nausea", "Midazolam": "anxiety", "Labetalol": "high blood pressure",
               "Clonidine": "high blood pressure"}  # what a preset is usually given for; the nurse may change it
UNITS = ("mg", "mcg", "mL")
ROUTES = ("IV", "PO", "SL", "IM", "ODT")


class ScaleScreen(QWidget):
    """One scale at a time (CADSS-6 by the nurse). The patient's own questionnaires run on the patient's page
    (screens/patient_forms.py); a flagged answer is the room's, shown to the nurse by the window's flag bar."""
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.ui_scale = controller, scale
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(theme.px(20, scale), 8, theme.px(20, scale), theme.px(12, scale))
        head = QHBoxLayout()
        head.addStretch(1)
        self.back = button("Back", lambda: self.navigate.emit(self.return_to), kind="quiet")
        head.addWidget(self.back)
        self.box.addLayout(head)
        self.form: ScaleForm | None = None
        self.return_to = "main"
        self.thanks = named(QLabel("Thank you. Please hand the screen back to your nurse."), "heading")
        self.box.addWidget(self.thanks)
        self.thanks.hide()

    def open(self, name: str) -> None:
        if self.form is not None:
            self.form.deleteLater()
        patient = name in PATIENT_SCALES
        self.return_to = "checkin" if patient else "main"
        self.form = ScaleForm(self.controller, name, actor="patient" if patient else None, scale=self.ui_scale)
        self.form.recorded.connect(self._recorded)
        self.box.insertWidget(1, self.form, 1)
        self.thanks.hide()

    def _recorded(self, scale: str, score: int, items: dict[str, int]) -> None:
        if scale in PATIENT_SCALES:
            if self.form is not None:
                self.form.hide()
            self.thanks.show()
        else:
            self.navigate.emit(self.return_to)


class MedicationScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        box, _ = page(self, "Medication given", lambda: self.navigate.emit("main"), scale=scale)
        self.presets = Choice(PRESETS)
        self.presets.changed.connect(self._preset)
        box.addWidget(self.presets)
        self.drug = QLineEdit(placeholderText="drug")
        self.drug.setAccessibleName("drug")
        self.dose = Stepper(0, 1000, 0, 0.5, 2)
        self.unit = Choice(UNITS)
        self.route = Choice(ROUTES)
        self.indication = QLineEdit(placeholderText="what it is given for, e.g. nausea")
        self.indication.setAccessibleName("indication")
        self.indication.setMaxLength(200)
        for label, w in (("Drug", self.drug), ("Dose", self.dose), ("Unit", self.unit), ("Route", self.route),
                         ("Given for", self.indication)):
            row = QHBoxLayout()
            title = QLabel(label)
            title.setMinimumWidth(100)
            row.addWidget(title)
            row.addWidget(w, 1)
            box.addLayout(row)
        self.message = named(QLabel(""), "message")
        box.addWidget(self.message)
        box.addStretch(1)
        self.save = button("Record medication", self._save, kind="primary", name="record medication")
        box.addWidget(self.save)

    def _preset(self, drug: str) -> None:
        dose, unit, route = PRESETS[drug]
        self.drug.setText(drug)
        self.dose.setValue(dose)
        self.unit.set_value(unit)
        self.route.set_value(route)
        self.indication.setText(INDICATIONS.get(drug, ""))

    def _save(self) -> None:
        self.controller.ops.give_medication(self.drug.text(), self.dose.value(), self.unit.value or "",
                                            self.route.value or "", indication=self.indication.text().strip() or None,
                                            on_ok=lambda _: self._done(), on_error=lambda reason: say(self.message, reason))

    def _done(self) -> None:
        self.message.setText("")
        self.presets.set_value(None)
        self.drug.clear()
        self.indication.clear()
        self.navigate.emit("main")


class NoteScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        box, _ = page(self, "Note", lambda: self.navigate.emit("main"), scale=scale)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("note text")
        box.addWidget(self.text, 1)
        self.message = named(QLabel(""), "message")
        box.addWidget(self.message)
        box.addWidget(button("Add note", self._save, kind="primary", name="add note"))

    def _save(self) -> None:
        self.controller.ops.add_note(self.text.toPlainText(), on_ok=lambda _: self._done(),
                                     on_error=lambda reason: say(self.message, reason))

    def _done(self) -> None:
        self.text.clear()
        self.message.setText("")
        self.navigate.emit("main")
