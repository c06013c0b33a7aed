"""Fail when a "perfect file" lost line coverage: the domain and the vitals parsers stay at 100 % of lines.

Reads the .coverage data that `pytest --cov` left in the project root (run by `make test` after the suite).
Branch coverage is reported by pytest-cov for the whole package; only lines are held here, as qutebrowser does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent
# The vitals parsers (the same list as the strict modules of [tool.mypy] in pyproject.toml).
PARSERS = ["nonin.py", "masimo.py", "hl7_oru.py", "hl7_codes.py", "mllp.py",
           "intellivue/framing.py", "intellivue/messages.py", "intellivue/readings.py"]


def perfect_files() -> list[Path]:
    package = ROOT / "roomcontrol"
    domain = sorted((package / "domain").glob("*.py")) + [package / "domain" / "vitals" / "plausible.py"]
    return domain + [package / "devices" / "vitals" / name for name in PARSERS]


def missing_lines(cov: coverage.Coverage, path: Path) -> str:
    """The missing line ranges of `path` ("" when fully covered), or why it could not be measured."""
    try:
        _, statements, _, missing, ranges = cov.analysis2(str(path))
    except coverage.exceptions.NoSource:
        return "no source"
    if not statements or not missing:
        return ""
    if len(missing) == len(statements):
        return "never imported by the tests"
    return ranges


def main() -> int:
    cov = coverage.Coverage(data_file=str(ROOT / ".coverage"), config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    if not cov.get_data().measured_files():
        print("check_coverage: no coverage data; run pytest with --cov first", file=sys.stderr)
        return 2
    failures = [(path, gap) for path in perfect_files() if (gap := missing_lines(cov, path))]
    for path, gap in failures:
        print(f"{path.relative_to(ROOT)}: not 100 % covered, missing lines {gap}", file=sys.stderr)
    if failures:
        print(f"check_coverage: {len(failures)} perfect file(s) lost coverage", file=sys.stderr)
        return 1
    print(f"check_coverage: all {len(perfect_files())} perfect files at 100 % lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
