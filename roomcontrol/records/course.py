"""A patient's course as the chart takes it (issue #16, docs/COURSE.md): read from the hub with a reader token,
then one FHIR R4 Bundle for the whole course and CSV files (one row per session, one per score).

The hub (sync layer) serves the course as JSON and each session's events and vitals; the records are built here,
above it, with the same fold as a single session's record (records/model.py), so the course bundle holds each
session's resources exactly as its own bundle does (records/fhir.py): the Procedure, the ketamine and other
MedicationAdministrations, vital signs, and the scale scores — PHQ-9 total as LOINC 44261-6 and GAD-7 total as
LOINC 70274-6 Observations, one per score over the course.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.records import codes as C
from roomcontrol.records.errors import RecordError, SessionStillOpen
from roomcontrol.records.fhir import build_bundle, stable_uuid, validate_bundle
from roomcontrol.records.model import SessionRecord, build_record
from roomcontrol.sync import protocol as P

PAGE = 100
TIMEOUT_S = 30.0


@dataclass
class CourseExport:
    """The course JSON as the hub gave it (all pages joined) and the records of its closed sessions."""
    course: dict[str, Any]
    records: list[SessionRecord] = field(default_factory=list)
    open_sessions: list[str] = field(default_factory=list)  # still running: no record yet, left out of the exports


def _get(client: Any, path: str, **params: Any) -> Any:
    r = client.get(path, params={k: v for k, v in params.items() if v is not None})
    if r.status_code != 200:
        try:
            detail = r.json().get("detail", r.text[:200])
        except ValueError:
            detail = r.text[:200]
        raise RecordError(f"the hub answered {r.status_code} to {path}: {detail}")
    return r.json()


def _event(e: dict[str, Any]) -> Event:
    return Event(e["seq"], e["id"], e["room_id"], e["session_id"], parse_iso(e["ts"]), e["kind"], e["actor"],
                 e["payload"], e.get("prev_hash", ""), e.get("hash", ""))


def fetch_course(hub_url: str, token: str, patient_ref: str, *, client: Any = None) -> CourseExport:
    """Every page of the patient's course from the hub, then each session's events and vitals (paged); raises
    RecordError with the hub's answer (an unknown patient, a token that may not read it, a hub not reachable)."""
    import httpx  # only the export needs it

    own = client is None
    client = client or httpx.Client(base_url=hub_url.rstrip("/"), timeout=TIMEOUT_S,
                                    headers={"Authorization": f"Bearer {token}"})
    try:
        path = P.COURSE_PATH.format(patient_ref=quote(patient_ref, safe=""))
        course: dict[str, Any] = {}
        sessions: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = _get(client, path, limit=PAGE, cursor=cursor)
            course = page
            sessions += page["sessions"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        course = {**course, "sessions": sessions}
        export = CourseExport(course)
        for s in sessions:
            events = [_event(e) for e in _pages(client, s["room_id"], "events", s["session_id"], "seq", "after_seq")]
            vitals = _pages(client, s["room_id"], "vitals", s["session_id"], "vital_id", "after_id")
            try:
                export.records.append(build_record(events, vitals))
            except SessionStillOpen:
                export.open_sessions.append(s["session_id"])
        return export
    except httpx.HTTPError as exc:
        raise RecordError(f"the hub at {hub_url} cannot be reached: {exc.__class__.__name__}: {exc}") from None
    finally:
        if own:
            client.close()


def _pages(client: Any, room_id: str, what: str, session_id: str, key: str, after: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    last = 0
    while True:
        page = _get(client, f"{P.API}/rooms/{room_id}/{what}", session_id=session_id, limit=1000, **{after: last})
        out += page
        if len(page) < 1000:
            return out
        last = page[-1][key]


# -- FHIR --------------------------------------------------------------------------------------------------
def course_bundle(export: CourseExport, *, patient_system: str = C.DEFAULT_PATIENT_SYSTEM,
                  staff_system: str = C.DEFAULT_STAFF_SYSTEM) -> dict[str, Any]:
    """One transaction Bundle of every closed session's resources (conditional creates, as each session's own
    bundle: sending it after a session's bundle creates nothing twice), validated."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in export.records:
        bundle = build_bundle(record, None, patient_system=patient_system, staff_system=staff_system)
        for entry in bundle["entry"]:
            if entry["fullUrl"] not in seen:
                seen.add(entry["fullUrl"])
                entries.append(entry)
    patient = export.course["patient_ref"]
    bundle_id = stable_uuid("course", patient, "/".join(r.session_id for r in export.records) + "/Bundle")
    out = {"resourceType": "Bundle", "id": bundle_id,
           "identifier": {"system": C.URI_IDENTIFIER, "value": f"urn:uuid:{bundle_id}"},
           "type": "transaction", "entry": entries}
    try:
        validate_bundle(out)
    except ValueError as exc:  # a bug of ours: say so in one line
        raise RecordError(f"the course FHIR bundle of {patient} did not validate: "
                          f"{' '.join(str(exc).splitlines()[:3])}") from exc
    return out


# -- CSV ---------------------------------------------------------------------------------------------------
SESSION_COLUMNS = ("patient_ref", "session_id", "room_id", "date", "opened_at", "course_no", "protocol",
                   "protocol_version", "outcome", "weight_kg", "mg_per_kg", "planned_mg", "rate_mg_per_h", "given_mg",
                   "infused_min", "pauses", "rate_changes", "baseline_sys", "baseline_dia", "baseline_hr",
                   "peak_sys", "peak_dia", "peak_hr", "spo2_min", "alarms_high", "alarms_medium", "alarms_total",
                   "symptoms", "medications", "cadss_peak", "moaas_min", "discharged_at", "notable")
SCORE_COLUMNS = ("patient_ref", "scale", "at", "session_id", "score", "item9", "change_from_first_pct")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def session_row(patient_ref: str, s: dict[str, Any]) -> dict[str, Any]:
    row = {"patient_ref": patient_ref, "infused_min": round(s["infused_s"] / 60.0, 2), "pauses": len(s["pauses"]),
           "rate_changes": sum(a["rate_mg_per_h"] != b["rate_mg_per_h"] for a, b in zip(s["segments"], s["segments"][1:])),
           **{f"baseline_{k}": s["baseline"][k] for k in ("sys", "dia", "hr")},
           **{f"peak_{k}": s["peaks"][k] for k in ("sys", "dia", "hr")},
           "alarms_high": s["alarms"]["high"], "alarms_medium": s["alarms"]["medium"],
           "alarms_total": s["alarms"]["total"],
           "symptoms": "; ".join(x["symptom"] + (f" ({x['severity']})" if x["severity"] else "") for x in s["symptoms"]),
           "medications": "; ".join(f"{m['drug']} {m['dose']} {m['unit']} {m['route']}".strip()
                                    for m in s["medications"]),
           "notable": "; ".join(s["notable"])}
    for key in SESSION_COLUMNS:
        row.setdefault(key, s.get(key))
    return {k: _cell(row[k]) for k in SESSION_COLUMNS}


def score_rows(course: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, scale in (("phq9", "PHQ-9"), ("gad7", "GAD-7")):
        points = course[key]
        first = points[0]["score"] if points else None
        for p in points:
            change = round(100.0 * (p["score"] - first) / first, 1) if first else None
            rows.append({k: _cell(v) for k, v in {
                "patient_ref": course["patient_ref"], "scale": scale, "at": p["at"], "session_id": p["session_id"],
                "score": p["score"], "item9": p.get("item9"), "change_from_first_pct": change}.items()})
    return rows


def write_course_csv(course: dict[str, Any], out_dir: Path | str) -> list[Path]:
    """course-<ref>-sessions.csv (one row per session) and course-<ref>-scores.csv (one row per score)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = "course-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in course["patient_ref"])
    paths = []
    for name, columns, rows in (
            ("sessions", SESSION_COLUMNS, [session_row(course["patient_ref"], s) for s in course["sessions"]]),
            ("scores", SCORE_COLUMNS, score_rows(course))):
        path = out / f"{stem}-{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths
