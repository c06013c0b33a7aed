"""Issue 15, Show: a headless scenario for each shipped protocol (scenarios/<protocol>.toml), run as a clinic would
(`roomcontrol run --headless --simulate --scenario … --speed …`, here at 3000× so 5 h take seconds): the room
offers the protocol the scenario opens under, the session is logged under it and discharged, the chain verifies.
A real room (its own room.toml) plays only under the protocols it enables, and says which one is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.engine.scenario import ScenarioError, load_scenario, with_protocols
from tests.core.protocol_crash_child import SHIPPED, protocols_config

ROOT = Path(__file__).resolve().parents[2]
TITLES = {"ketamine-depression": "IV ketamine, depression (0.5 mg/kg over 40 min)",
          "ketamine-pain": "IV ketamine, chronic pain (1.0 mg/kg over 4 h)",
          "esketamine-nasal": "Esketamine nasal spray (Spravato) 56/84 mg"}
VERSIONS = {"ketamine-depression": 1, "ketamine-pain": 1, "esketamine-nasal": 2}  # 2: draw_before_dose


def rc(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "roomcontrol", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("pid", SHIPPED)
def test_each_protocols_scenario_runs_headless_to_a_discharge_under_its_protocol(tmp_path, pid):
    proc = rc("run", "--headless", "--simulate", "--scenario", ROOT / "scenarios" / f"{pid}.toml", "--speed", "3000",
              "--data-dir", tmp_path)
    assert "# scenario: " in proc.stdout and "session.discharged" in proc.stdout
    assert rc("log", "verify", "--data-dir", tmp_path).stdout.startswith("ok: ")
    events = [json.loads(line) for line in rc("log", "export", "--format", "jsonl", "--data-dir",
                                                tmp_path).stdout.splitlines()]
    opened = [e for e in events if e["kind"] == "session.opened"]
    assert len(opened) == 1
    p = opened[0]["payload"]
    assert (p["protocol"], p["protocol_version"], p["protocol_title"]) == (pid, VERSIONS[pid], TITLES[pid])
    session = [e for e in events if e["session_id"] == opened[0]["session_id"]]
    kinds = [e["kind"] for e in session]
    assert kinds[-1] in ("session.discharged", "ambient.scene_applied") and "session.discharged" in kinds
    assert "infusion.completed" in kinds and "recovery.started" in kinds
    discharged = next(e for e in session if e["kind"] == "session.discharged")["payload"]
    minimum = {"ketamine-depression": 30, "ketamine-pain": 60, "esketamine-nasal": 120}[pid]
    assert discharged["recovery_min"] >= minimum and discharged["padss_score"] >= 9
    # Real steps, no admin standing in: MOAA/S charted, every check answered in time, the scheduled BPs charted by
    # the nurse, the escort named with a phone number, and no discharge rule overridden.
    assert "discharge.rule_overridden" not in kinds and "responsiveness.missed" not in kinds
    assert discharged["escort"]["name"] and discharged["escort"]["phone"]
    asked = [e for e in session if e["kind"] == "responsiveness.asked"]
    answered = [e["payload"] for e in session if e["kind"] == "responsiveness.answered"]
    assert len(asked) == len(answered) >= 4 and not any(a["late"] for a in answered)
    assert all(a["after_s"] <= 120 for a in answered)
    moaas = [e["payload"]["score"] for e in session if e["kind"] == "assessment.recorded"
             and e["payload"]["scale"] == "MOAA/S"]
    assert len(moaas) >= 4 and moaas[-1] == 5
    validated = [e["payload"]["item"]["key"] for e in session if e["kind"] == "vitals.validated"]
    assert "nibp@pre_dose" in validated or pid == "ketamine-depression"
    assert "nibp@discharge" in validated and any("@dose+" in k for k in validated)
    if pid == "ketamine-depression":  # the ketamine drawn, and the rest wasted under a second nurse's PIN
        drawn = next(e for e in session if e["kind"] == "cs.drawn")["payload"]
        wasted = next(e for e in session if e["kind"] == "cs.wasted")
        assert (drawn["drug"], drawn["mg"]) == ("ketamine", 50.0)
        assert (wasted["actor"], wasted["payload"]["witness"]) == ("rn.ada", "rn.ben")
        assert abs(wasted["payload"]["discrepancy_mg"]) <= wasted["payload"]["tolerance_mg"]
    if pid == "ketamine-pain":  # titrated up, then back down, each with its reason
        changes = [e["payload"] for e in session if e["kind"] == "infusion.rate_changed"]
        assert [(c["from_mg_per_h"], c["to_mg_per_h"]) for c in changes] == [(20.0, 25.0), (25.0, 20.0)]
    if pid == "esketamine-nasal":
        assert (p["dose_mg"], p["devices"], p["device_interval_min"]) == (56.0, 2, 5.0)
        done = next(e for e in session if e["kind"] == "infusion.completed")["payload"]
        assert done["given_mg"] == 56.0
        devices = [e for e in session if e["kind"] == "dose.device_given"]
        assert [e["payload"] for e in devices] == [{"n": 1, "of": 2, "mg": 28.0}, {"n": 2, "of": 2, "mg": 28.0}]
        assert [e["actor"] for e in devices] == ["rn.cleo", "rn.cleo"]
        # draw_before_dose: the devices drawn (lot, expiry) before the first; nothing wasted, witnessed
        drawn = next(i for i, e in enumerate(session) if e["kind"] == "cs.drawn")
        assert session[drawn]["payload"] | {"ml": 0} == {"drug": "esketamine", "mg_per_ml": 140.0, "ml": 0,
                                                        "mg": 56.0, "lot": "EK2291", "expiry": "2027-08-31"}
        assert drawn < session.index(devices[0])
        wasted = next(e for e in session if e["kind"] == "cs.wasted")
        assert (wasted["actor"], wasted["payload"]["witness"], wasted["payload"]["mg"]) == ("rn.cleo", "rn.dev", 0.0)
        assert wasted["payload"]["discrepancy_mg"] == 0.0
        # the BP before dosing above the label's 140/90: the nurse decided before the first device
        decided = next(i for i, e in enumerate(session) if e["kind"] == "advisory.pre_dose_decided")
        assert session[decided]["payload"]["decision"] == "proceed" and decided < session.index(devices[0])
        rems = next(e for e in session if e["kind"] == "rems.form_completed")["payload"]
        assert rems["dose_mg"] == 56.0 and rems["lot"] == "EK2291" and rems["devices"] == 2
        assert rems["dissociation"] == {"observed": True, "resolved": True}
        assert 90 <= rems["ready_min"] < discharged["recovery_min"] + 10  # "@1:36:00": the room's time then


def test_the_scenarios_name_their_protocols_and_the_older_ones_none():
    for pid in SHIPPED:
        assert load_scenario(ROOT / "scenarios" / f"{pid}.toml", extra_steps=("simulate",)).protocols == (pid,)
    for name in ("standard-session", "alarms-session"):
        assert load_scenario(ROOT / "scenarios" / f"{name}.toml", extra_steps=("simulate",)).protocols == ()


def test_a_simulated_room_offers_the_scenarios_protocol_and_a_real_room_says_what_is_missing(tmp_path):
    pain = load_scenario(ROOT / "scenarios" / "ketamine-pain.toml")
    room = RoomConfig()
    assert [p.id for p in with_protocols(room, pain, simulated=True).session.protocols] == ["ketamine-pain"]
    both = protocols_config()
    assert with_protocols(both, pain, simulated=False) is both  # enabled already: nothing to add
    with pytest.raises(ScenarioError, match=r"opens sessions under ketamine-pain, which this room does not enable; "
                                            r"add it to \[session\] protocols in room.toml, or play it --simulate"):
        with_protocols(room, pain, simulated=False)
    config = tmp_path / "room.toml"
    config.write_text('[session]\nprotocols = ["ketamine-depression"]\n')
    proc = rc("run", "--headless", "--config", config, "--scenario", ROOT / "scenarios" / "ketamine-pain.toml",
              "--data-dir", tmp_path, check=False)
    assert proc.returncode == 2 and "which this room does not enable" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
