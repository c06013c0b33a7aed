"""One check's result: OK, WARN or FAIL, what it found and what to do."""

from __future__ import annotations

from dataclasses import dataclass

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    status: str          # OK | WARN | FAIL
    message: str
    fix: str = ""        # what to do (empty when OK)

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name}: {self.message}"
        return text + (f"\n      → {self.fix}" if self.fix else "")
