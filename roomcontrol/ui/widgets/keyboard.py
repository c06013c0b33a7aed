"""The app's own on-screen keyboard for touch-only rooms, docked at the bottom of a room window.

The PySide6-Essentials wheels carry Qt's virtual-keyboard plugin but not its libraries (libQt6VirtualKeyboard is in
the Addons wheel), and Qt's keyboard in a widgets app is a separate top-level window that kiosk mode hides. So the
room has its own: a panel inside the window, under the screens, with touch-sized keys (≥ 56 px).

It appears whenever a text field of its window gets focus (QLineEdit, QTextEdit, QPlainTextEdit, QSpinBox,
QDoubleSpinBox) — one watcher on QApplication.focusChanged per window — with the number layout for number fields,
and types by sending real key events to the focused field, so validators, spin boxes and their limits behave as
with a hardware keyboard. The keys never take the focus; "Done" ends the typing (the field loses focus, a spin box
commits its value) and hides the panel. `field_shown(field)` is the window's hook to keep that field in view.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QFrame, QGridLayout, QLineEdit, QPlainTextEdit,
                               QPushButton, QScrollArea, QSizePolicy, QStackedWidget, QTextEdit, QVBoxLayout, QWidget)

from roomcontrol.ui import theme

SHIFT, BACKSPACE, DONE, SPACE, NUMBERS, LETTERS = "⇧", "⌫", "Done", "space", "123", "ABC"
# (label, columns it spans) per row; a bare string spans one column. Twelve columns.
LETTER_ROWS: list[list[str | tuple[str, int]]] = [
    ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", BACKSPACE],
    ["q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "/", "'"],
    ["a", "s", "d", "f", "g", "h", "j", "k", "l", ":", "+", "@"],
    [SHIFT, "z", "x", "c", "v", "b", "n", "m", ",", ".", "?", SHIFT + " "],
    [(NUMBERS, 2), (SPACE, 8), (DONE, 2)],
]
NUMBER_ROWS: list[list[str | tuple[str, int]]] = [
    ["7", "8", "9", BACKSPACE],
    ["4", "5", "6", "-"],
    ["1", "2", "3", "."],
    [LETTERS, "0", (DONE, 2)],
]
KEY_CODES = {" ": Qt.Key.Key_Space, "-": Qt.Key.Key_Minus, ".": Qt.Key.Key_Period, ",": Qt.Key.Key_Comma,
             "/": Qt.Key.Key_Slash, "'": Qt.Key.Key_Apostrophe, ":": Qt.Key.Key_Colon, "?": Qt.Key.Key_Question,
             "+": Qt.Key.Key_Plus, "@": Qt.Key.Key_At}
TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)


def text_field(widget: QWidget | None) -> QWidget | None:
    """The field the keyboard types into for a focused widget (a spin box for its inner line edit), or None."""
    if widget is None:
        return None
    parent = widget.parentWidget()
    if isinstance(widget, QLineEdit) and isinstance(parent, QAbstractSpinBox):
        widget = parent
    if not isinstance(widget, TEXT_FIELDS) or not widget.isEnabled():
        return None
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)) and widget.isReadOnly():
        return None
    return widget


def wants_numbers(field: QWidget) -> bool:
    if isinstance(field, QAbstractSpinBox):
        return True
    hints = field.inputMethodHints()
    number_hints = (Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhFormattedNumbersOnly
                    | Qt.InputMethodHint.ImhDialableCharactersOnly)
    return bool(hints & number_hints)


class OnScreenKeyboard(QWidget):
    """Docked under the screens of one window. `keys[layout][label]` are the buttons (tests press them)."""
    shown = Signal(object)  # the field being typed into, when the keyboard comes up for it

    def __init__(self, scale: float = 1.0, field_shown: Callable[[QWidget], None] | None = None):
        super().__init__()
        self.setObjectName("keyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.scale = scale
        self.field_shown = field_shown
        self.target: QWidget | None = None
        self.caps = False
        s = lambda v: theme.px(v, scale)  # noqa: E731
        key = max(theme.TOUCH, s(58))
        self.setStyleSheet(f"""
QWidget#keyboard {{ background: {theme.PANEL}; border-top: 2px solid {theme.LINE}; }}
QPushButton {{ min-height: {key}px; max-height: {key}px; min-width: {max(theme.TOUCH, s(70))}px; padding: 0;
              font-size: {s(22)}px; border-radius: {s(8)}px; }}
QPushButton#primary {{ font-size: {s(20)}px; }}""")
        box = QVBoxLayout(self)
        box.setContentsMargins(s(10), s(8), s(10), s(8))
        self.pages = QStackedWidget()
        box.addWidget(self.pages)
        self.keys: dict[str, dict[str, QPushButton]] = {}
        self.letters = self._layout("letters", LETTER_ROWS)
        self.numbers = self._layout("numbers", NUMBER_ROWS, max_width=s(640))
        self.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)  # a QObject's own slot: dropped when it is deleted

    # -- building --------------------------------------------------------------------------------------
    def _layout(self, name: str, rows: list[list[str | tuple[str, int]]], max_width: int = 0) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        holder = QWidget()
        if max_width:
            holder.setMaximumWidth(max_width)
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        gap = theme.px(6, self.scale)
        grid.setHorizontalSpacing(gap)
        grid.setVerticalSpacing(gap)
        self.keys[name] = {}
        for r, row in enumerate(rows):
            col = 0
            for entry in row:
                label, span = (entry, 1) if isinstance(entry, str) else entry
                b = QPushButton(label.strip() if label != SPACE else "")
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus
                b.setAutoRepeat(label.strip() == BACKSPACE)
                b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                b.setAccessibleName(f"key {label.strip()}")
                if label.strip() == DONE:
                    b.setObjectName("primary")
                b.setCheckable(label.strip() == SHIFT)
                b.clicked.connect(lambda *_, k=label.strip(): self.press(k))
                grid.addWidget(b, r, col, 1, span)
                self.keys[name][label] = b
                col += span
        outer.addWidget(holder, 0, Qt.AlignmentFlag.AlignHCenter)
        self.pages.addWidget(page)
        return page

    # -- which field ----------------------------------------------------------------------------------
    def _focus_changed(self, old: QWidget | None, now: QWidget | None) -> None:
        if now is not None and now.window() is not self.window():
            return  # another window's field: its own keyboard serves it
        if now is None and old is not None and old.window() is not self.window():
            return
        field = text_field(now)
        if field is None:
            self.target = None
            self.hide()
            return
        self.attach(field)

    def attach(self, field: QWidget) -> None:
        self.target = field
        self.show_layout("numbers" if wants_numbers(field) else "letters")
        self.show()
        self.shown.emit(field)
        if self.field_shown is not None:
            self.field_shown(field)

    def show_layout(self, name: str) -> None:
        self.pages.setCurrentWidget(self.numbers if name == "numbers" else self.letters)

    @property
    def layout_name(self) -> str:
        return "numbers" if self.pages.currentWidget() is self.numbers else "letters"

    # -- typing ---------------------------------------------------------------------------------------
    def press(self, label: str) -> None:
        if label == SHIFT:
            self._set_caps(not self.caps)
        elif label == NUMBERS:
            self.show_layout("numbers")
        elif label == LETTERS:
            self.show_layout("letters")
        elif label == DONE:
            self.done()
        elif label == BACKSPACE:
            self._send(Qt.Key.Key_Backspace, "")
        elif label == SPACE:
            self._send(Qt.Key.Key_Space, " ")
        else:
            self.type_text(label.upper() if self.caps else label)

    def type_text(self, text: str) -> None:
        for ch in text:
            if ch.isalpha() and ch.isascii():
                code = Qt.Key(Qt.Key.Key_A.value + ord(ch.upper()) - ord("A"))
                self._send(code, ch, Qt.KeyboardModifier.ShiftModifier if ch.isupper() else
                           Qt.KeyboardModifier.NoModifier)
            elif ch.isdigit():
                self._send(Qt.Key(Qt.Key.Key_0.value + int(ch)), ch)
            else:
                self._send(KEY_CODES.get(ch, Qt.Key.Key_unknown), ch)

    def _send(self, code: Qt.Key, text: str,
              modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        target = self.target
        if target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, code, modifiers, text))

    def _set_caps(self, on: bool) -> None:
        self.caps = on
        for label, b in self.keys["letters"].items():
            if len(label) == 1 and label.isalpha():
                b.setText(label.upper() if on else label)
            elif label.strip() == SHIFT:
                b.setChecked(on)

    def done(self) -> None:
        target, self.target = self.target, None
        self.hide()
        if target is not None:
            target.clearFocus()


class ScreensAboveKeyboard(QScrollArea):
    """The window's screens in the space the keyboard leaves: at their full height when it is down (no scroll
    bar), scrolling when it is up, so that the field being typed into can be brought into view and the window
    never grows past its screen. The screens get the viewport's size, never less than their minimum."""

    def __init__(self, screens: QWidget):
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(screens)
        if isinstance(screens, QStackedWidget):
            screens.currentChanged.connect(lambda *_: self.fit())

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return super().viewportEvent(event)

    def fit(self) -> None:
        screens, size = self.widget(), self.viewport().size()
        if screens is not None:
            screens.resize(size.width(), max(size.height(), screens.minimumSizeHint().height()))
