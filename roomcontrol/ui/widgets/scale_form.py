"""One assessment scale as a touch form: a row of answers per item, the score as it is filled, and Save.
Used for PADSS (discharge), CADSS-6 (nurse, during the infusion), PHQ-9 and GAD-7 (the patient, at check-in)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QScroller, QVBoxLayout, QWidget

from roomcontrol.domain.events import Event
from roomcontrol.domain.scales import SCALES
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.scale_text import TEXT
from roomcontrol.ui.widgets.buttons import Choice, button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named


class ScaleForm(QWidget):
    recorded = Signal(str, int, dict)   # scale, score, items
    changed = Signal()

    def __init__(self, controller: RoomController, scale_name: str, *, actor: str | None = None,
                 show_save: bool = True, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.scale, self.actor = controller, SCALES[scale_name], actor
        text = TEXT[scale_name]
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = named(QLabel(text["title"]), "heading")
        self.score = named(QLabel(""), "big")
        head.addWidget(title, 1)
        head.addWidget(self.score)
        box.addLayout(head)
        hint = named(QLabel(text["hint"]), "dim")
        hint.setWordWrap(True)
        box.addWidget(hint)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(0, 4, 8, 4)
        grid.setVerticalSpacing(theme.px(8, scale))
        grid.setHorizontalSpacing(theme.px(14, scale))
        self.answers: dict[str, Choice] = {}
        anchors = text["anchors"]
        for row, item in enumerate(self.scale.items):
            label = QLabel(f"{row + 1}.  {text['items'][item]}")
            label.setWordWrap(True)
            choice = Choice(range(self.scale.item_max + 1), {v: anchors[v] for v in range(len(anchors))})
            for b in choice.buttons.values():
                b.setStyleSheet(f"font-size: {theme.px(15, scale)}px; padding: 0 6px;")
            choice.changed.connect(lambda _: self._update())
            grid.addWidget(label, row, 0)
            grid.addWidget(choice, row, 1)
            self.answers[item] = choice
        grid.setColumnStretch(0, 5)
        grid.setColumnStretch(1, 6)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(inner)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        box.addWidget(area, 1)
        self.message = named(QLabel(""), "message")
        self.message.setWordWrap(True)
        self.save = button("Save", self.submit, kind="primary", name=f"save {scale_name}")
        foot = QHBoxLayout()
        foot.addWidget(self.message, 1)
        foot.addWidget(self.save)
        self.save.setVisible(show_save)
        box.addLayout(foot)
        self._update()

    def items(self) -> dict[str, int]:
        return {k: c.value for k, c in self.answers.items() if c.value is not None}

    @property
    def complete(self) -> bool:
        return len(self.items()) == len(self.scale.items)

    def total(self) -> int:
        return sum(self.items().values())

    def set_items(self, items: dict[str, int]) -> None:
        for k, v in items.items():
            self.answers[k].set_value(v)
        self._update()

    def clear(self) -> None:
        for c in self.answers.values():
            c.set_value(None)
        self.message.setText("")
        self._update()

    def _update(self) -> None:
        n = len(self.items())
        total = f"{self.total()} / {self.scale.max_score}"
        self.score.setText(total if self.complete else f"{total}  ({n} of {len(self.scale.items)})")
        self.save.setEnabled(self.complete)
        self.changed.emit()

    def submit(self) -> None:
        if not self.complete:
            self.message.setText("Answer every item first")
            return
        items = self.items()
        self.save.setEnabled(False)
        self.message.setText("Saving…")
        self.controller.ops.record_assessment(self.scale.name, items, actor=self.actor,
                                              on_ok=lambda events: self._saved(events, items),
                                              on_error=self._refused)

    def _saved(self, events: list[Event], items: dict[str, int]) -> None:
        score = events[0].payload["score"] if events else self.total()
        say(self.message, f"Saved: {self.scale.name} {score}", ok=True)
        self.save.setEnabled(True)
        self.recorded.emit(self.scale.name, score, items)

    def _refused(self, reason: str) -> None:
        say(self.message, reason)
        self.save.setEnabled(self.complete)
