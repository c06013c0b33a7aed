"""The checks as the installer reads them: the exit code (the worst status) and the JSON of `doctor --json`."""

from __future__ import annotations

import json
from dataclasses import asdict

from roomcontrol.host.checks.result import FAIL, OK, WARN, Check

EXIT = {OK: 0, WARN: 1, FAIL: 2}


def exit_code(checks: list[Check]) -> int:
    return max((EXIT[c.status] for c in checks), default=0)


def to_json(checks: list[Check]) -> str:
    return json.dumps({"exit_code": exit_code(checks), "checks": [asdict(c) for c in checks]}, indent=2,
                      ensure_ascii=False)
