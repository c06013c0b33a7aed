"""One way to tell the nurse how an act went: success in green, a refusal or an error in amber (theme.py), on a
page's `message` label (objectName "message"), and a checklist button that shows a step as done."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def _restyle(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def say(label: QLabel, text: str, ok: bool = False) -> None:
    """`ok`: green (it worked); otherwise amber (refused, or something to fix)."""
    tone = "ok" if ok else "error"
    if label.property("tone") != tone:
        label.setProperty("tone", tone)
        _restyle(label)
    label.setText(text)


def show_done(b: QPushButton, done: bool, todo: str = "Confirm", text: str = "✓ Confirmed") -> None:
    """A step that is done reads as done (green ✓, full contrast), not as a greyed-out button."""
    b.setText(text if done else todo)
    if bool(b.property("done")) != done:
        b.setProperty("done", done)
        _restyle(b)
