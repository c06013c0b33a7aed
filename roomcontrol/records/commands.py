"""CLI-ready entry points of the session record (the PDF's is `roomcontrol.ui.report.write_report`, since it
needs Qt). Each raises RecordError (a one-line message) for an unknown, ambiguous or still-open session."""

from __future__ import annotations

from pathlib import Path

from roomcontrol.config import RoomConfig
from roomcontrol.records.csvout import write_csv
from roomcontrol.records.errors import RecordError
from roomcontrol.records.fhir import build_bundle, validate_bundle
from roomcontrol.records.loader import SessionSummary, load_record, open_readonly, summaries
from roomcontrol.records import codes


def list_sessions(data_dir: Path | str) -> list[SessionSummary]:
    """Every session of the room's log, oldest first (open ones included, marked outcome='open')."""
    with open_readonly(data_dir) as db:
        return summaries(db)


def format_sessions(sessions: list[SessionSummary]) -> str:
    """`roomcontrol report --list`: one line per session."""
    lines = []
    for s in sessions:
        closed = s.closed_at.strftime("%H:%M") if s.closed_at else "--:--"
        lines.append(f"{s.session_id[:8]}  {s.opened_at:%Y-%m-%d %H:%M}–{closed} UTC  {s.patient_ref:<12} "
                     f"course {s.course_no:<2} {s.outcome}")
    return "\n".join(lines) if lines else "no sessions in this room's log"


def export_fhir(data_dir: Path | str, config: RoomConfig | None, session_id: str, *,
                patient_system: str = codes.DEFAULT_PATIENT_SYSTEM,
                staff_system: str = codes.DEFAULT_STAFF_SYSTEM) -> dict:
    """The session's FHIR R4 transaction Bundle, validated; `json.dumps` it to send or save."""
    record = load_record(data_dir, session_id)
    bundle = build_bundle(record, config, patient_system=patient_system, staff_system=staff_system)
    try:
        validate_bundle(bundle)
    except ValueError as exc:  # a bug of ours, never the nurse's: say so in one line
        first = str(exc).splitlines()
        raise RecordError(f"the FHIR bundle of session {record.session_id[:8]} did not validate: "
                          f"{' '.join(first[:3])}") from exc
    return bundle


def export_csv(data_dir: Path | str, session_id: str, out_dir: Path | str) -> list[Path]:
    """Write the session's vitals, 5-minute vitals and events CSV files into `out_dir`; return their paths."""
    return write_csv(load_record(data_dir, session_id), out_dir)
