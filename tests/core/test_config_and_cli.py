"""room.toml checking, and the command line as an installer uses it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from roomcontrol import __version__
from roomcontrol.config import ConfigError, RoomConfig, load_config

ROOT = Path(__file__).resolve().parents[2]


def rc(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "roomcontrol", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_no_file_is_a_fully_simulated_room():
    config = RoomConfig()
    assert {d.driver for d in config.devices.values()} <= {"simulated", "pygame"}
    assert config.session.planned_infusion_min == 40


def test_the_shipped_example_is_valid_and_documents_every_key():
    example = ROOT / "room.example.toml"
    config = load_config(example)
    assert config.room_id and config.alarms.limits["spo2"].low == 90
    text = example.read_text()
    from roomcontrol.config.room import SCENE_SPEC, SESSION_SPEC, SYNC_SPEC, TECHNICAL_SPEC
    for key in [*SESSION_SPEC, *SYNC_SPEC, *TECHNICAL_SPEC, *SCENE_SPEC]:
        assert f"{key} =" in text, f"room.example.toml does not show {key}"


def test_every_wrong_value_names_key_value_and_range(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text("""
[room]
id = "room 1!"
[session]
min_recovery_min = 500
required_checklist = ["consent", "tarot"]
colour = "blue"
[session.bounds]
weight_kg = [250, 30]
[alarms.spo2]
low = 120
[alarms.heart_rate]
low = 130
high = 100
[devices.vitals]
driver = "philips"
[devices.lighting]
driver = "enttec_pro"
[sync]
enabled = true
[weather]
""")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    for expected in [
        'room.id = "room 1!": must be 1–32 letters, digits',
        "session.min_recovery_min = 500: must be a whole number from 0 to 240",
        'session.required_checklist = [\'consent\', \'tarot\']: must be a list without repeats of "consent"',
        "session.colour: unknown key",
        "session.bounds.weight_kg = [250, 30]: must be [low, high] with 10 ≤ low < high ≤ 400",
        "alarms.spo2.low = 120: must be a number from 50 to 100",
        "alarms.heart_rate: low (130) must be below high (100)",
        'devices.vitals.driver = "philips": must be one of "simulated", "nonin", "masimo", "hl7"',
        'devices.lighting.url: required for driver "enttec_pro"',
        "sync.hub_url: required when sync.enabled = true",
        "[weather]: unknown section",
    ]:
        assert expected in text, f"missing: {expected}\n{text}"


def test_device_drivers_and_options_are_checked_against_the_driver_registry(tmp_path):
    from roomcontrol.devices.registry import DRIVERS
    path = tmp_path / "room.toml"
    path.write_text('[devices.diffuser]\ndriver = "lcus"\nurl = "/dev/ttyUSB1"\n'
                    '[devices.vitals]\ndriver = "masimo"\nurl = "/dev/ttyUSB0"\n'
                    '[devices.vitals.options]\nrate_kind = "heart_rate"\ndata_format = 2\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    allowed = ", ".join(f'"{name}"' for name in DRIVERS["diffuser"])
    assert f'devices.diffuser.driver = "lcus": must be one of {allowed}' in str(err.value)
    assert ('devices.vitals.options.data_format: unknown option for driver "masimo"; known: '
            + ", ".join(DRIVERS["vitals"]["masimo"].options)) in str(err.value)
    assert "rate_kind" not in str(err.value).replace("known: device_tz, rate_kind", "")


def test_cli_refuses_a_bad_config_in_one_clear_message(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text("[session]\nplanned_infusion_min = 5\n")
    proc = rc("run", "--headless", "--config", path, "--data-dir", tmp_path, check=False)
    assert proc.returncode == 2
    assert "session.planned_infusion_min = 5: must lie inside session.bounds.planned_infusion_min [20, 240]" \
        in proc.stderr
    proc = rc("run", "--headless", "--config", tmp_path / "missing.toml", check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_version():
    assert rc("--version").stdout.strip() == f"roomcontrol {__version__}"


def test_headless_scenario_then_verify_and_export(tmp_path):
    proc = rc("run", "--headless", "--simulate", "--scenario", ROOT / "scenarios/standard-session.toml",
              "--speed", "3000", "--data-dir", tmp_path)
    assert "session.discharged" in proc.stdout
    assert rc("log", "verify", "--data-dir", tmp_path).stdout.startswith("ok: ")
    lines = rc("log", "export", "--format", "jsonl", "--data-dir", tmp_path).stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    session_id = next(e["session_id"] for e in events if e["kind"] == "session.opened")
    csv_out = tmp_path / "s.csv"
    rc("log", "export", "--format", "csv", "--session", session_id, "--output", csv_out, "--data-dir", tmp_path)
    import csv
    rows = list(csv.DictReader(csv_out.open()))
    assert rows[0]["kind"] == "session.opened" and rows[-1]["kind"] == "session.discharged"
    assert all(r["session_id"] == session_id for r in rows)
    assert json.loads(rows[0]["payload"])["total_dose_mg"] == 36.25


def test_cli_errors_are_one_line(tmp_path):
    proc = rc("log", "verify", "--data-dir", tmp_path / "nowhere", check=False)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "no room database" in proc.stderr
    proc = rc("run", "--scenario", "x.toml", check=False)
    assert proc.returncode == 2 and "--scenario with the window is for training: add --simulate" in proc.stderr


def test_a_wrong_device_option_names_its_key(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('[devices.lighting]\ndriver = "simulated"\n'
                    '[devices.lighting.options.zones.room]\nkind = "disco"\nchannel = 1\n'
                    '[devices.audio]\ndriver = "none"\n')
    proc = rc("run", "--headless", "--config", path, "--data-dir", tmp_path / "d", check=False)
    assert proc.returncode == 2
    assert "devices.lighting.options:" in proc.stderr and "disco" in proc.stderr
