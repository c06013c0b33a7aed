"""bench/course_lookup.py with its smallest options, so it does not rot: its times are never asserted, only that the
hub and the room's own log agree and every figure is printed."""

import re

from tests.bench.test_bench_smoke import run_bench


def test_the_course_lookup_bench_runs_and_prints_its_figures():
    out = run_bench("bench/course_lookup.py", "--sessions", "2", "--others", "1", "--repeat", "1")
    assert "course of PT-7: 2 infusions among 3 sessions" in out
    for figure in ("course summary from the hub", "hub down: this room's own log", "hub silent: 1.5 s timeout"):
        assert re.search(rf"{re.escape(figure)}.*\d+\.\d× baseline", out), f"{figure!r} missing from:\n{out}"
