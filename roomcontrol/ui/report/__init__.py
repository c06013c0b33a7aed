"""The session record as a PDF, drawn with Qt (QPdfWriter + QPainter): no browser, reads well in black and white.

`write_report(data_dir, config, session_id, pdf_path)` is the CLI entry point; `render_pdf(record, path, ...)`
draws an already-built SessionRecord (the screen uses it after discharge).
"""

from roomcontrol.ui.report.commands import write_report
from roomcontrol.ui.report.pdf import render_pdf

__all__ = ["write_report", "render_pdf"]
