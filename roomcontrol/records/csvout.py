"""CSV files of one session for the clinic's own analysis, each `session-<first 8 of the session id>-<what>.csv`:

- `-vitals.csv`: every stored vitals row (with the nurse who charted it, if she did);
- `-vitals-5min.csv`: the 5-minute vitals grid of the PDF;
- `-events.csv`: every event of the log, described in words;
- `-controlled.csv` (a session that drew a controlled substance): one row per draw, the witnessed waste on each;
- `-decisions.csv` (a session with any): one row per decision on what the protocol flagged (records/decisions.py):
  the pre-dose decision (proceed/delay/cancel), each advisory response (paused/continued), each discharge past an
  unmet rule or an open high alarm by an administrator, and one per missed "tap if you're OK" check, each with
  who, when, the finding and the reason;
- `-rems.csv` (an esketamine session under a REMS protocol): ONE row, the SPRAVATO REMS Patient Monitoring Form, a
  column per field named by its link id (records/rems_answers.py: the QuestionnaireResponse's), so a clinic's REMS
  log is these files concatenated.

Each row carries the session id, patient reference, course number and the protocol the
session ran under (id and version; empty for a session under the room's own values), so the files of many sessions
can simply be concatenated and grouped by protocol. UTF-8, comma-separated, a header row, times in UTC ISO-8601."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.records.decisions import decisions, missed_checks
from roomcontrol.records.model import GRID_KINDS, SessionRecord
from roomcontrol.records.rems_answers import LINK_IDS, answers, form_event
from roomcontrol.domain.wording import describe

HEAD_COLUMNS = ("session_id", "patient_ref", "course_no", "protocol", "protocol_version")
VITALS_COLUMNS = HEAD_COLUMNS + ("ts_utc", "minute", "phase", "kind", "value", "unit", "trusted", "flags",
                                 "source", "validated_by")  # validated_by: the nurse who charted it
GRID_COLUMNS = HEAD_COLUMNS + ("ts_utc", "minute", "phase") + GRID_KINDS
EVENT_COLUMNS = HEAD_COLUMNS + ("seq", "event_id", "ts_utc", "minute", "kind", "actor", "description",
                                "payload_json", "hash")


def _minute(record: SessionRecord, ts) -> str:
    return f"{(ts - record.opened_at).total_seconds() / 60.0:.2f}"


def _head(record: SessionRecord) -> dict:
    p = record.protocol
    return {"session_id": record.session_id, "patient_ref": record.patient_ref, "course_no": record.course_no,
            "protocol": p.id if p else "", "protocol_version": "" if p is None or p.version is None else p.version}


def vitals_rows(record: SessionRecord):
    for v in record.vitals:
        yield {**_head(record), "ts_utc": iso_utc(v.ts), "minute": _minute(record, v.ts),
               "phase": record.phase_at(v.ts), "kind": v.kind, "value": "" if v.value is None else v.value,
               "unit": v.unit, "trusted": int(v.trusted), "flags": ";".join(v.flags), "source": v.source,
               "validated_by": charted.by if (charted := record.validation_of(v.ts)) else ""}


def grid_rows(record: SessionRecord):
    for row in record.grid():
        yield {**_head(record), "ts_utc": iso_utc(row.at), "minute": row.minute, "phase": row.phase,
               **{k: "" if row.values[k] is None else row.values[k] for k in GRID_KINDS}}


def event_rows(record: SessionRecord):
    for e in record.events:
        yield {**_head(record), "seq": e.seq, "event_id": e.id, "ts_utc": iso_utc(e.ts),
               "minute": _minute(record, e.ts), "kind": e.kind, "actor": e.actor, "description": describe(e),
               "payload_json": json.dumps(e.payload, sort_keys=True, ensure_ascii=False), "hash": e.hash}


# One row per draw, the waste (with its witness and the balance) on each: the controlled-substance record.
CONTROLLED_COLUMNS = HEAD_COLUMNS + ("drug", "mg_per_ml", "drawn_ml", "drawn_mg", "lot",
                      "expiry", "drawn_by", "given_mg", "wasted_ml", "wasted_mg", "wasted_by", "witness",
                      "discrepancy_mg", "explanation")


def controlled_rows(record: SessionRecord):
    w = record.controlled.waste
    waste = {"given_mg": w.given_mg, "wasted_ml": w.ml, "wasted_mg": w.mg, "wasted_by": w.by, "witness": w.witness,
             "discrepancy_mg": w.discrepancy_mg, "explanation": w.explanation or ""} if w else {}
    for d in record.controlled.draws:
        yield {**_head(record), "drug": d.drug, "mg_per_ml": d.mg_per_ml, "drawn_ml": d.ml, "drawn_mg": d.mg,
               "lot": d.lot, "expiry": d.expiry, "drawn_by": d.by, **waste}


# One row per decision or missed check: `decision` is proceed/delay/cancel, paused/continued, overridden or missed.
DECISION_COLUMNS = HEAD_COLUMNS + ("ts_utc", "minute", "kind", "about", "decision", "by", "by_admin", "reason",
                                   "finding", "found_utc")


def decision_rows(record: SessionRecord):
    rows = [(d.at, {"ts_utc": iso_utc(d.at), "minute": _minute(record, d.at), "kind": d.kind, "about": d.about,
                    "decision": d.outcome, "by": d.by, "by_admin": int(d.by_admin), "reason": d.reason,
                    "finding": d.finding, "found_utc": iso_utc(d.found_at)}) for d in decisions(record)]
    rows += [(m.missed_at, {"ts_utc": iso_utc(m.missed_at), "minute": _minute(record, m.missed_at),
                            "kind": "check", "about": f"check {m.check}", "decision": "missed", "by": m.seen_by or "",
                            "by_admin": 0, "reason": m.outcome(),
                            "finding": f"no tap within {round(m.answer_within_s)} s",
                            "found_utc": iso_utc(m.asked_at)}) for m in missed_checks(record)]
    for _, row in sorted(rows, key=lambda t: t[0]):
        yield {**_head(record), **row}


# The REMS form in one row: who completed it and when, then a column per field (booleans as yes/no).
REMS_COLUMNS = HEAD_COLUMNS + ("completed_utc", "completed_by") + LINK_IDS


def rems_rows(record: SessionRecord):
    e = form_event(record)
    if e is None:
        return
    yield {**_head(record), "completed_utc": iso_utc(e.ts), "completed_by": e.actor,
           **{a.link_id: _cell(a.value) for a in answers(e.payload)}}


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def _write(path: Path, columns, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_csv(record: SessionRecord, out_dir: Path | str) -> list[Path]:
    """Write <prefix>-vitals.csv, <prefix>-vitals-5min.csv and <prefix>-events.csv into `out_dir`, and
    <prefix>-controlled.csv, -decisions.csv and -rems.csv when the session has them (see the module's docstring)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    prefix = f"session-{record.session_id[:8]}"
    written = [
        _write(out / f"{prefix}-vitals.csv", VITALS_COLUMNS, vitals_rows(record)),
        _write(out / f"{prefix}-vitals-5min.csv", GRID_COLUMNS, grid_rows(record)),
        _write(out / f"{prefix}-events.csv", EVENT_COLUMNS, event_rows(record)),
    ]
    if record.controlled.draws:  # <prefix>-controlled.csv: only for a session that drew one
        written.append(_write(out / f"{prefix}-controlled.csv", CONTROLLED_COLUMNS, controlled_rows(record)))
    if decisions(record) or missed_checks(record):
        written.append(_write(out / f"{prefix}-decisions.csv", DECISION_COLUMNS, decision_rows(record)))
    if form_event(record) is not None:
        written.append(_write(out / f"{prefix}-rems.csv", REMS_COLUMNS, rems_rows(record)))
    return written
