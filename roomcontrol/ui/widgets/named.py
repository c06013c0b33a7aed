"""Name a widget for the style sheet: theme.py styles widgets by object name (QLabel#title, QWidget#panel)."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """`widget` with the object name `name`, so a layout can take it in one expression. (Qt accepts
    objectName=... as a keyword too, but PySide6's stubs declare only each class's own properties.)"""
    widget.setObjectName(name)
    return widget
