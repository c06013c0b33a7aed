"""The frame every full-screen page shares: a heading, a way back to the room, and the page's margins."""

from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.named import named


def page(widget: QWidget, title: str, on_back: Callable[[], object], *, back_label: str = "Back", scale: float = 1.0,
         side: int = 20, top: int = 8, bottom: int = 12, back: QPushButton | None = None,
         beside: Sequence[QWidget] = ()) -> tuple[QVBoxLayout, QLabel]:
    """Lay `widget` out as a page; returns its vertical layout (the heading row already in it) and the heading.

    `back` is the page's own Back button if it keeps one (else one is made from `back_label` and `on_back`);
    `beside` go in the heading row between the heading and Back (a page's message)."""
    box = QVBoxLayout(widget)
    box.setContentsMargins(theme.px(side, scale), top, theme.px(side, scale), theme.px(bottom, scale))
    head = QHBoxLayout()
    head.setSpacing(theme.px(12, scale))
    heading = named(QLabel(title), "heading")
    head.addWidget(heading, 0 if beside else 1)
    for w in beside:
        head.addWidget(w, 1)
    head.addWidget(back if back is not None else button(back_label, on_back, kind="quiet"))
    box.addLayout(head)
    return box, heading
