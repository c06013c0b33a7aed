"""The A4 writer both records share (the session's in pdf.py, the course's in course_pdf.py): an offscreen Qt
application where the CLI has none, and two passes over the report so that every footer can say "page X of Y"."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

from roomcontrol import __version__
from roomcontrol.ui.report.layout import DPI, Doc


class PagedReport(Protocol):
    """What the writer asks of a report: its page furniture, its body, and the page count it is told."""
    pages: int

    def header(self, d: Doc) -> float: ...

    def footer(self, d: Doc) -> None: ...

    def body(self, d: Doc) -> None: ...


def local_tz() -> tzinfo:
    return datetime.now().astimezone().tzinfo or timezone.utc


_app: object = None  # the QApplication ensure_app made, kept alive for the process


def ensure_app() -> None:
    """QPdfWriter and fonts need an application object; the CLI has none (offscreen is enough, no display).
    A QApplication, not a QGuiApplication, so widgets made later in the same process still work."""
    import os

    from PySide6.QtWidgets import QApplication

    global _app
    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QApplication([])


def write_pdf(report: PagedReport, path: Path | str, title: str) -> Path:
    """Draw `report` (its header, footer and body) into an A4 PDF at `path` (its folder made if need be), in two
    passes so that every footer can say "page X of Y"."""
    ensure_app()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    writer.setTitle(title)
    writer.setCreator(f"RoomControl {__version__}")
    size = writer.pageLayout().fullRectPixels(DPI)
    w, h = float(size.width()), float(size.height())
    # dry pass: count the pages
    dry = Doc(writer, None, w, h, report.header, report.footer)
    dry.start()
    report.body(dry)
    report.pages = dry.page
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write the PDF {path}")
    try:
        doc = Doc(writer, painter, w, h, report.header, report.footer)
        doc.start()
        report.body(doc)
        doc.finish()
    finally:
        painter.end()
    return path
