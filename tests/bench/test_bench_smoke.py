"""The benches of issue #17 run with their smallest options, so they do not rot. Their figures (times, ratios)
are never asserted here; what they count (events lost, corrupt databases, alarms) is."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(*args: str, codes=(0,), timeout: float = 240) -> str:
    """The bench's output; `codes`: the exit codes it may end with (faults.py ends 1 when a count fails, and
    says which in its output)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode in codes, f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
def test_a_short_clinic_day_runs_and_prints_its_table():
    out = run_bench("bench/day.py", "--sessions", "1", "--window", "1", "--alarm", "3", "--frames", "1")
    assert "1 sessions in" in out and "(1 discharged)" in out
    assert "music played in 1 of 1 infusion windows" in out
    for figure in ("RSS growth over the day", "CPU during an infusion window", "database growth per session",
                   "first frame, room app ÷ bare PySide6 window", "room screen ready ÷ bare PySide6 window"):
        assert re.search(rf"{re.escape(figure)}.*", out), f"{figure!r} missing from:\n{out}"
    assert re.search(r"first frame, room app ÷ bare PySide6 window\s+\d+\.\d×", out)


def _count(out: str, name: str) -> str:
    match = re.search(rf"  {re.escape(name)}\s+(\S+)", out)
    assert match, f"{name!r} missing from:\n{out}"
    return match.group(1)


@pytest.mark.slow
def test_faults_with_a_few_kills_and_replugs_lose_nothing():
    out = run_bench("bench/faults.py", "--kills", "2", "--replugs", "2", codes=(0, 1))
    assert _count(out, "acknowledged events lost") == "0"
    assert _count(out, "corrupt databases (integrity, chain)") == "0"
    assert _count(out, "restarts resumed in another phase") == "0"
    assert _count(out, "restarts whose first relay byte was not OFF") == "0"
    assert _count(out, "replugs with exactly one technical alarm") == "2"
    assert "(c) a disk that fills" in out
    if "skipped" not in out.split("(c) a disk that fills")[1]:  # as root: a tmpfs really filled
        disk = out.split("(c) a disk that fills")[1]
        assert _count(disk, "acknowledged events lost") == "0"
        assert _count(disk, "recovered when space returned (error cleared)") == "True"


def test_the_course_bench_runs_and_its_answers_agree():
    out = run_bench("bench/course.py", "--rooms", "2", "--patients", "3", "--sessions", "2", "--reads", "2")
    assert re.search(r"baseline ÷ index\s+\d+\.\d×", out) and _count(out, "answers that differ") == "0"
