"""The command line as a trainer and an administrator use it: a scenario with the window, both shipped scenarios
played headless into records `report` can make, the demo account, and `staff add` without a terminal."""

import subprocess
import sys
from pathlib import Path

import pytest

from roomcontrol.cli import staff
from roomcontrol.cli.run import DEMO_STAFF, _demo_account

ROOT = Path(__file__).resolve().parents[2]


def rc(*args, stdin=subprocess.DEVNULL, input=None):
    proc = subprocess.run([sys.executable, "-m", "roomcontrol", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=180, input=input, stdin=None if input is not None else stdin,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "SDL_AUDIODRIVER": "dummy"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_run_accepts_a_scenario_with_the_window_when_simulated(tmp_path):
    # No "--scenario needs --headless": with --simulate the file is loaded (here: missing, so one line, exit 2)
    proc = rc("run", "--simulate", "--scenario", tmp_path / "missing.toml", "--speed", "60",
              "--data-dir", tmp_path)
    assert proc.returncode == 2
    assert "needs --headless" not in proc.stderr and "no such scenario file" in proc.stderr
    proc = rc("run", "--scenario", ROOT / "scenarios" / "alarms-session.toml", "--data-dir", tmp_path)
    assert proc.returncode == 2 and "add --simulate" in proc.stderr


@pytest.mark.parametrize("name", ["standard-session", "alarms-session"])
def test_each_shipped_scenario_plays_headless_to_a_discharge_that_report_accepts(tmp_path, name):
    proc = rc("run", "--headless", "--simulate", "--scenario", ROOT / "scenarios" / f"{name}.toml",
              "--speed", "600", "--data-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "session.discharged" in proc.stdout
    listed = rc("report", "--list", "--data-dir", tmp_path)
    assert listed.returncode == 0 and "discharged" in listed.stdout, listed.stdout
    session = listed.stdout.split()[0]
    pdf = tmp_path / "record.pdf"
    made = rc("report", session, "--pdf", pdf, "--data-dir", tmp_path)
    assert made.returncode == 0, made.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_demo_account_is_named_without_its_pin_and_the_pin_is_told_on_stderr(tmp_path, capsys):
    _demo_account(tmp_path)
    accounts = staff.list_staff(tmp_path)
    assert [(a["staff_id"], a["name"]) for a in accounts] == [("demo", "Demo nurse")]
    assert DEMO_STAFF[3] not in accounts[0]["name"]
    err = capsys.readouterr().err
    assert "Demo nurse" in err and "PIN 2468" in err
    _demo_account(tmp_path)  # never a second time
    assert len(staff.list_staff(tmp_path)) == 1


def test_staff_add_without_a_terminal_is_refused_in_one_line(tmp_path):
    proc = rc("staff", "add", "rn.bo", "--name", "Bo Chen", "--data-dir", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "roomcontrol: error: no terminal to ask the PIN: pass --pin-stdin and pipe it"
    assert staff.list_staff(tmp_path) == []
    proc = rc("staff", "add", "rn.bo", "--name", "Bo Chen", "--pin-stdin", "--data-dir", tmp_path, input="1357\n")
    assert proc.returncode == 0, proc.stderr
    assert [a["name"] for a in staff.list_staff(tmp_path)] == ["Bo Chen"]
    proc = rc("staff", "add", "rn.cy", "--name", "Cy", "--pin-stdin", "--data-dir", tmp_path, input="")
    assert proc.returncode == 2 and "no PIN on standard input" in proc.stderr
