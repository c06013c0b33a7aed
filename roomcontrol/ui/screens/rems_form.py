"""The SPRAVATO REMS Patient Monitoring Form at discharge (issue #15 item 8), in the form's own sections: yes/no
choices, the few texts, and the blood pressures filled in from the readings for the nurse to confirm or correct.
What it holds is `form()`, the fields domain.rems validates; `missing()` names what is still empty."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from roomcontrol.domain import rems as R
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import Choice, Stepper
from roomcontrol.ui.widgets.named import named

YES_NO = {True: "Yes", False: "No"}


class RemsForm(QWidget):
    changed = Signal()

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.setAccessibleName("REMS patient monitoring form")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(6, scale))
        box.addWidget(named(QLabel("SPRAVATO REMS · PATIENT MONITORING FORM"), "title"))
        self.started: datetime | None = None  # the first device (from the session)
        self.label_w = theme.px(340, scale)  # one label column for every section: the answers line up
        self.choices: dict[str, Choice] = {}
        self.texts: dict[str, QLineEdit] = {}
        self.session_line = named(QLabel(""), "dim")  # dose, first device, minutes: from the session
        self.session_line.setWordWrap(True)
        self._section(box, "Concomitant medication (may cause sedation or BP changes)",
                      [*R.MEDICATIONS, ("medications_which", "Which medications")])
        self._section(box, "Monitoring and treatment", [("monitored_by", "Monitoring staff"), ("lot", "Lot number")])
        box.addWidget(self.session_line)
        # The form asks it in minutes from the start of administration; the clock time is shown beside it.
        self.ready = Stepper(0, 600, 0, step=5, suffix=" min")
        self.ready.setAccessibleName("ready to leave, minutes after the first device")
        self.ready_set = False  # minutes the nurse chose, not the widget's default
        self.ready.box.valueChanged.connect(self._ready_chosen)
        self.ready_clock = named(QLabel(""), "dim")
        grid = self._section(box, "REMS evaluation: without the 2 h minimum, ready to leave after", [])
        grid.addWidget(self.ready, 0, 0)
        grid.addWidget(self.ready_clock, 0, 1)
        self._section(box, "Vital signs in acceptable range", [("vitals_ok_before", "Before administration"),
                                                                ("vitals_ok_end", "At completion")])
        self._section(box, "Blood pressure (from the readings: confirm)", list(R.BLOOD_PRESSURES))
        effects: list[tuple[str, str]] = []
        for key, words in R.EFFECTS:
            effects += [(key, words), (f"{key}_resolved", "resolved?")]
        self._section(box, "During the session, did the patient experience", effects)
        self._section(box, "Serious adverse events", [("serious_adverse_events", "Any"),
                                                      ("serious_adverse_events_what", "What happened")])

    def _section(self, box: QVBoxLayout, title: str, fields: list[tuple[str, str]]) -> QGridLayout:
        box.addWidget(named(QLabel(title), "dim"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(0, self.label_w)
        for n, (key, words) in enumerate(fields):
            grid.addWidget(QLabel(words), n, 0)
            if key in dict(R.YES_NO) or key.endswith("_resolved"):
                choice = Choice((True, False), YES_NO)
                for value, b in choice.buttons.items():
                    b.setAccessibleName(f"{key} {YES_NO[value].lower()}")
                choice.changed.connect(lambda _: self.changed.emit())
                self.choices[key] = choice
                grid.addWidget(choice, n, 1)
            else:
                text = QLineEdit()
                text.setAccessibleName(key)
                text.setMaxLength(500 if key.endswith("_what") else 80)
                text.textChanged.connect(lambda _: self.changed.emit())
                self.texts[key] = text
                grid.addWidget(text, n, 1)
        box.addLayout(grid)
        return grid

    def _ready_chosen(self, _minutes: float) -> None:
        self.ready_set = True
        at = self._ready_at()
        self.ready_clock.setText(f"= {at.astimezone().strftime('%H:%M')}" if at else "")
        self.changed.emit()

    def prefill(self, monitored_by: str, bps: dict[str, str], session_line: str, started: datetime | None) -> None:
        """What the room knows: who monitors, the blood pressures read; a field the nurse typed is kept."""
        if not self.texts["monitored_by"].text():
            self.texts["monitored_by"].setText(monitored_by)
        for key, text in bps.items():
            if text and not self.texts[key].text():
                self.texts[key].setText(text)
        self.session_line.setText(session_line)
        self.started = started

    def form(self) -> dict:
        out: dict = {k: c.value for k, c in self.choices.items()}
        out.update({k: t.text().strip() for k, t in self.texts.items()})
        at = self._ready_at() if self.ready_set else None
        out["ready_at"] = iso_utc(at) if at else None
        return out

    def _ready_at(self) -> datetime | None:
        return self.started + timedelta(minutes=self.ready.value()) if self.started else None

    def missing(self) -> list[str]:
        return R.missing(self.form())

    def clear(self) -> None:
        for c in self.choices.values():
            c.set_value(None)
        for t in self.texts.values():
            t.clear()
        self.ready_set = False
        self.ready.box.blockSignals(True)
        self.ready.setValue(0)
        self.ready.box.blockSignals(False)
        self.ready_clock.setText("")
