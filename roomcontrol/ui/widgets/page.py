"""The frame every full-screen page shares: a heading, a way back to the room, and the page's margins."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.named import named


def page(widget: QWidget, title: str, on_back: Callable[[], object], *, back_label: str = "Back", scale: float = 1.0,
         side: int = 20, top: int = 8, bottom: int = 12) -> tuple[QVBoxLayout, QLabel]:
    """Lay `widget` out as a page; returns its vertical layout (the heading row already in it) and the heading."""
    box = QVBoxLayout(widget)
    box.setContentsMargins(theme.px(side, scale), top, theme.px(side, scale), theme.px(bottom, scale))
    head = QHBoxLayout()
    heading = named(QLabel(title), "heading")
    head.addWidget(heading, 1)
    head.addWidget(button(back_label, on_back, kind="quiet"))
    box.addLayout(head)
    return box, heading
