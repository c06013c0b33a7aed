"""The labels a page sets up the same way: a styled text (named for the style sheet, centred, wrapping) and the
large bold warning figure a nurse must read before dosing (the high-dose total, the pre-dose readings)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from roomcontrol.ui import theme
from roomcontrol.ui.widgets.named import named


def text_label(style: str, *, centred: bool = False, wrap: bool = False, accessible: str | None = None) -> QLabel:
    """An empty label styled as `style` (theme.py's object names: "message", "error", "dim", ...)."""
    label = named(QLabel(""), style)
    if accessible is not None:
        label.setAccessibleName(accessible)
    if centred:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if wrap:
        label.setWordWrap(True)
    return label


def warning_figure(name: str, accessible: str, size_px: int, scale: float) -> QLabel:
    """Numbers shown large, bold and in the warning colour, centred: what stops the dose until a nurse decides."""
    label = text_label(name, centred=True, accessible=accessible)
    label.setStyleSheet(f"font-size: {theme.px(size_px, scale)}px; font-weight: bold; color: {theme.WARN};")
    return label
