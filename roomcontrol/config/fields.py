"""Typed config fields that check a value and say, when it is wrong, what is allowed.

Every refusal reads `<key> = <value>: <what is allowed>`, so an installer can fix room.toml without the manual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class Invalid(ValueError):
    """One wrong value; the message is what is allowed."""


@dataclass(frozen=True)
class Int:
    low: int
    high: int

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise Invalid(f"must be a whole number from {self.low} to {self.high}")
        return value


@dataclass(frozen=True)
class Float:
    low: float
    high: float

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            raise Invalid(f"must be a number from {self.low:g} to {self.high:g}")
        return float(value)


@dataclass(frozen=True)
class Bool:
    def check(self, value):
        if not isinstance(value, bool):
            raise Invalid("must be true or false")
        return value


@dataclass(frozen=True)
class Text:
    pattern: str = r".*"
    hint: str = "text"
    max_len: int = 200

    def check(self, value):
        if not isinstance(value, str) or len(value) > self.max_len or not re.fullmatch(self.pattern, value):
            raise Invalid(f"must be {self.hint}")
        return value


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def check(self, value):
        if value not in self.options:
            raise Invalid("must be one of " + ", ".join(f'"{o}"' for o in self.options))
        return value


@dataclass(frozen=True)
class ChoiceList:
    options: tuple[str, ...]

    def check(self, value):
        if not isinstance(value, list) or any(v not in self.options for v in value) or len(set(value)) != len(value):
            raise Invalid("must be a list without repeats of " + ", ".join(f'"{o}"' for o in self.options))
        return tuple(value)


@dataclass(frozen=True)
class Span:
    """A [low, high] pair inside an absolute range."""
    low: float
    high: float

    def check(self, value):
        ok = (isinstance(value, list) and len(value) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
              and self.low <= value[0] < value[1] <= self.high)
        if not ok:
            raise Invalid(f"must be [low, high] with {self.low:g} ≤ low < high ≤ {self.high:g}")
        return (float(value[0]), float(value[1]))


def read_table(table: dict, spec: dict, defaults: dict, where: str, errors: list[str]) -> dict:
    """Check every key of `table` against `spec`; unknown keys and wrong values go to `errors`."""
    out = dict(defaults)
    if not isinstance(table, dict):
        errors.append(f"[{where}] must be a table")
        return out
    for key, value in table.items():
        field = spec.get(key)
        name = f"{where}.{key}"
        if field is None:
            errors.append(f"{name}: unknown key; known keys in [{where}]: {', '.join(spec)}")
            continue
        try:
            out[key] = field.check(value)
        except Invalid as exc:
            errors.append(f"{name} = {_show(value)}: {exc}")
    return out


def _show(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
