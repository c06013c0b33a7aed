"""`roomcontrol report SESSION --pdf FILE`: the CLI entry point of the PDF (Qt, hence in the ui package)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from roomcontrol.config import RoomConfig
from roomcontrol.records.loader import load_record
from roomcontrol.ui.report.pdf import render_pdf


def write_report(data_dir: Path | str, config: RoomConfig | None, session_id: str, pdf_path: Path | str, *,
                 tz: tzinfo | None = None, generated_at: datetime | None = None) -> Path:
    """Write the PDF record of a closed session (id or unambiguous prefix); raises RecordError (one line) for an
    unknown, ambiguous or still-open session. Returns the path written."""
    config = config or RoomConfig()
    record = load_record(data_dir, session_id)
    return render_pdf(record, pdf_path, clinic_name=config.clinic_name, room_name=config.room_name, tz=tz,
                      generated_at=generated_at)
