"""The look: a calm dark theme for a dim room, monitor colours for vitals, touch-sized controls.

Two scales: 1280×800 panels ("compact") and 1920×1080 workstations ("wide"); `stylesheet(scale)` sizes text
and controls from one table so both stay consistent.
"""

from __future__ import annotations

BG = "#0b0f14"
PANEL = "#131a22"
PANEL_2 = "#18212b"
LINE = "#233041"
TEXT = "#d6dde6"
DIM = "#8593a3"
FAINT = "#566373"
ACCENT = "#3d7bd9"       # the primary action
ACCENT_DARK = "#24466f"
OK = "#3fb37f"
WARN = "#d9a93a"
DANGER = "#c24848"
DONE = "#7ee2a8"          # a confirmed step: green text with a ✓, ≥ 4.5:1 on the panels (not the disabled grey)
OK_TEXT = "#5fd39a"      # success messages; errors and refusals stay amber (WARN)
OVERRUN = WARN           # the infusion has run its planned time: timer, bar and overrun in amber

HR = "#4ade80"           # heart rate: green
SPO2 = "#38d3f0"         # SpO2 and pleth: cyan
NIBP = "#f2f4f7"         # blood pressure: white
RESP = "#e3c26b"

ALARM = {"high": "#e23b3b", "medium": "#f2c230", "low": "#38d3f0"}
ALARM_DIM = {"high": "#5c1717", "medium": "#4d3f0e", "low": "#123d47"}
ALARM_TEXT = {"high": "#ffffff", "medium": "#141414", "low": "#0b0f14"}
FLASH_HALF_PERIOD_MS = {"high": 250, "medium": 833}  # 2 Hz and 0.6 Hz; low is steady

TOUCH = 56               # minimum touch target, px
HOLD_MS = 1500           # hold-to-confirm


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of '#rrggbb'."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two '#rrggbb' colours (1 to 21)."""
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def scale_for(width: int) -> float:
    return 1.25 if width >= 1700 else 1.0


def px(value: float, scale: float) -> int:
    return int(round(value * scale))


def stylesheet(scale: float = 1.0) -> str:
    s = lambda v: px(v, scale)  # noqa: E731
    return f"""
* {{ font-family: "DejaVu Sans", "Noto Sans", sans-serif; }}
QWidget {{ background: transparent; color: {TEXT}; font-size: {s(17)}px; }}
QMainWindow, QMainWindow > QWidget {{ background: {BG}; }}
QLabel {{ background: transparent; }}
QFrame#panel, QWidget#panel {{ background: {PANEL}; border: 1px solid {LINE}; border-radius: {s(14)}px; }}
QLabel#title {{ font-size: {s(15)}px; color: {DIM}; letter-spacing: 1px; }}
QLabel#heading {{ font-size: {s(26)}px; color: {TEXT}; }}
QLabel#big {{ font-size: {s(34)}px; }}
QLabel#timer {{ font-size: {s(64)}px; color: {TEXT}; font-family: "DejaVu Sans Mono", monospace; }}
QLabel#dim {{ color: {DIM}; }}
QLabel#message {{ color: {WARN}; font-size: {s(17)}px; }}
QLabel#message[tone="ok"] {{ color: {OK_TEXT}; }}
QLabel#error {{ color: #ff8a80; font-size: {s(17)}px; }}
QLabel#ok {{ color: {OK}; }}
QPushButton {{ background: {PANEL_2}; color: {TEXT}; border: 1px solid {LINE}; border-radius: {s(12)}px;
              min-height: {max(TOUCH, s(TOUCH))}px; min-width: {TOUCH}px; padding: 0 {s(16)}px;
              font-size: {s(18)}px; }}
QPushButton:pressed {{ background: {LINE}; }}
QPushButton:disabled {{ color: {FAINT}; border-color: {PANEL_2}; }}
QPushButton:checked {{ background: {ACCENT_DARK}; border-color: {ACCENT}; color: #ffffff; }}
QPushButton[done="true"], QPushButton[done="true"]:disabled {{ background: {PANEL}; color: {DONE};
              border: 1px solid {OK}; font-weight: 600; }}
QPushButton#primary {{ background: {ACCENT}; border-color: {ACCENT}; color: #ffffff; }}
QPushButton#primary:disabled {{ background: {PANEL_2}; border-color: {ACCENT_DARK}; color: {FAINT}; }} /* not ACCENT_DARK: that is a chosen toggle */
QPushButton#due {{ background: {OK}; border: 2px solid #8ff0bd; color: {BG}; font-size: {s(24)}px;
                  font-weight: 700; min-width: {s(200)}px; }}
QPushButton#danger {{ background: #3a1c1f; border-color: {DANGER}; color: #ffd7d7; }}
QPushButton#quiet {{ background: transparent; border: 1px solid {LINE}; color: {DIM}; }}
QPushButton#call {{ background: #27486e; border: 2px solid #5b8fd1; color: #ffffff; font-size: {s(30)}px;
                   border-radius: {s(24)}px; min-height: {s(110)}px; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QPlainTextEdit {{ background: {PANEL_2}; border: 1px solid {LINE};
              border-radius: {s(10)}px; min-height: {TOUCH}px; padding: 0 {s(12)}px; font-size: {s(20)}px;
              selection-background-color: {ACCENT}; }}
QPlainTextEdit {{ padding: {s(8)}px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
QLineEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: {DIM}; background: {PANEL}; }}
QSlider {{ min-height: {TOUCH}px; background: transparent; }}
QSlider::groove:horizontal {{ height: {s(10)}px; background: {LINE}; border-radius: {s(5)}px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: {s(5)}px; }}
QSlider::handle:horizontal {{ background: {TEXT}; width: {s(44)}px; height: {s(44)}px;
              margin: -{s(17)}px 0; border-radius: {s(44) // 2}px; }}
QListWidget {{ background: transparent; border: none; font-size: {s(16)}px; }}
QListWidget::item {{ padding: {s(6)}px {s(4)}px; border-bottom: 1px solid {PANEL_2}; }}
QScrollArea {{ background: transparent; border: none; }}
QScrollBar:vertical {{ width: {s(10)}px; background: transparent; }}
QScrollBar::handle:vertical {{ background: {LINE}; border-radius: {s(5)}px; min-height: 40px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; }}
"""
