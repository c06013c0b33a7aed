"""`roomcontrol hub cs-log --from DATE --to DATE [--out FILE]`: the clinic-wide controlled-substance log as CSV,
one row per session with a draw, from the events the rooms synced (cs.drawn, cs.wasted; domain/controlled.py).

Dates are the hub machine's calendar days (a session drawn at 23:30 local time belongs to that day, whatever
its UTC date); both ends are included. The SQL is the hub store's (`read_cs_events`); this module only folds.
A session drawn but never reconciled (aborted, or still open) is listed with its status, never left out.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, TextIO

from roomcontrol.domain.timefmt import iso_utc, parse_iso
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import read_cs_events

COLUMNS = ("date", "room", "session", "patient_ref", "drug", "lot", "expiry", "drawn_mg", "given_mg", "wasted_mg",
           "by", "witness", "discrepancy_mg", "explanation", "status")


def day_bounds(start: date, end: date) -> tuple[str, str]:
    """The stored-ts range of local days start..end (inclusive) as [from, to) in UTC."""
    if end < start:
        raise ValueError(f"--to {end.isoformat()} is before --from {start.isoformat()}")

    def midnight(day: date) -> str:
        return iso_utc(datetime.combine(day, time()).astimezone().astimezone(timezone.utc))
    return midnight(start), midnight(end + timedelta(days=1))


def _num(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def cs_rows(events: Iterable[dict]) -> list[dict]:
    """One row per (room, session) in the order the events come (room, then seq)."""
    sessions: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        s = sessions.setdefault((e["room_id"], e["session_id"]), {"draws": [], "waste": None, "end": None,
                                                                  "opened": None})
        p, kind = e["payload"], e["kind"]
        if kind == "session.opened":
            s["opened"] = (e["ts"], p)
        elif kind == "cs.drawn":
            s["draws"].append((e["actor"], p))
        elif kind == "cs.wasted":
            s["waste"] = (e["actor"], p)
        else:
            s["end"] = kind.split(".")[1]
    rows = []
    for (room, sid), s in sessions.items():
        opened_ts: str | None = s["opened"][0] if s["opened"] else None
        opened: dict[str, Any] = s["opened"][1] if s["opened"] else {}
        draws, waste = s["draws"], s["waste"]
        first = opened_ts or ""
        day = parse_iso(first).astimezone().date().isoformat() if first else ""
        drawn = round(sum(float(p["mg"]) for _, p in draws), 2)
        w: dict = waste[1] if waste else {}
        by = waste[0] if waste else ", ".join(dict.fromkeys(a for a, _ in draws))
        status = "reconciled" if waste else f"NOT RECONCILED ({s['end'] or 'session open'})"
        rows.append({"date": day, "room": room, "session": sid, "patient_ref": opened.get("patient_ref", ""),
                     "drug": ", ".join(dict.fromkeys(p["drug"] for _, p in draws)),
                     "lot": "; ".join(p["lot"] for _, p in draws),
                     "expiry": "; ".join(p["expiry"] for _, p in draws),
                     "drawn_mg": _num(drawn), "given_mg": _num(w.get("given_mg")), "wasted_mg": _num(w.get("mg")),
                     "by": by, "witness": w.get("witness", ""), "discrepancy_mg": _num(w.get("discrepancy_mg")),
                     "explanation": w.get("explanation") or "", "status": status})
    return rows


def write_cs_log(db: HubDB, start: date, end: date, out: TextIO) -> int:
    """Write the CSV of local days start..end to `out`; returns the number of sessions."""
    rows = cs_rows(read_cs_events(db, *day_bounds(start, end)))
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)
