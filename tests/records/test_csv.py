"""CSV files of a session for the clinic's own analysis."""

from __future__ import annotations

import csv

from roomcontrol.records import commands
from roomcontrol.records.loader import load_record


def read(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_vitals_grid_and_events(played, tmp_path):
    data_dir, sid = played
    paths = commands.export_csv(data_dir, sid[:8], tmp_path / "out")
    assert [p.name for p in paths] == [f"session-{sid[:8]}-vitals.csv", f"session-{sid[:8]}-vitals-5min.csv",
                                       f"session-{sid[:8]}-events.csv"]
    vitals, grid, events = (read(p) for p in paths)
    record = load_record(data_dir, sid)
    assert len(vitals) == len(record.vitals) > 1000
    assert {v["kind"] for v in vitals} >= {"heart_rate", "spo2", "nibp_systolic", "respiratory_rate"}
    assert all(v["patient_ref"] == "PT-1042" and v["session_id"] == sid for v in vitals)
    assert {v["phase"] for v in vitals} >= {"pre_infusion", "infusing", "paused", "recovery"}
    assert [int(g["minute"]) for g in grid] == list(range(0, 80, 5))
    assert all(36 <= float(g["etco2"]) <= 40 and 12 <= float(g["respiratory_rate"]) <= 16 for g in grid)
    assert [e["kind"] for e in events][0] == "session.opened" and events[-1]["kind"] == "session.discharged"
    given = [e for e in events if e["kind"] == "medication.given"]
    assert given[0]["description"] == "Given: ondansetron 4 mg IV for nausea"
    assert '"drug": "ondansetron"' in given[0]["payload_json"]
