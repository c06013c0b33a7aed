"""Reading a protocol file's values by dotted key (domain/protocol.py's parse): each reader checks one value and
says what is allowed, and `Reader` collects every problem at once, as `<file>: <key> = <value>: <what is allowed>`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from roomcontrol.domain.policy import Range


T = TypeVar("T")


class Reader:
    """Reads values by dotted key, collecting a problem for each wrong one (and returning a usable stand-in)."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def bad(self, key: str, value: object, allowed: str) -> None:
        self.problems.append(f"{key} = {show(value)}: {allowed}")

    def missing(self, key: str, allowed: str) -> None:
        self.problems.append(f"{key}: missing; {allowed}")

    def table(self, raw: Mapping[str, Any], key: str, known: tuple[str, ...], where: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.bad(where, value, "must be a table")
            return {}
        self.unknown(value, known, where)
        return value

    def unknown(self, table: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
        for name in table:
            if name not in known:
                self.problems.append(f"{where}.{name}: unknown key; known keys in [{where}]: {', '.join(known)}")

    def get(self, table: Mapping[str, Any], name: str, where: str, check: Callable[[object], T | None],
            allowed: str, default: T | None = None, required: bool = False) -> T | None:
        key = f"{where}.{name}" if where else name
        if name not in table:
            if required:
                self.missing(key, allowed)
            return default
        value = table[name]
        checked = check(value)
        if checked is None:
            self.bad(key, value, allowed)
            return default
        return checked


def number(low: float, high: float) -> Callable[[object], float | None]:
    def check(v: object) -> float | None:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high
        return float(v) if ok else None  # type: ignore[arg-type]
    return check


def whole(low: int, high: int) -> Callable[[object], int | None]:
    def check(v: object) -> int | None:
        return v if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high else None
    return check


def text(pattern: str, max_len: int) -> Callable[[object], str | None]:
    def check(v: object) -> str | None:
        return v if isinstance(v, str) and len(v) <= max_len and re.fullmatch(pattern, v) else None
    return check


def flag(v: object) -> bool | None:
    return v if isinstance(v, bool) else None


def choice(options: tuple[str, ...]) -> Callable[[object], str | None]:
    def check(v: object) -> str | None:
        return v if isinstance(v, str) and v in options else None
    return check


def choices(options: tuple[str, ...]) -> Callable[[object], tuple[str, ...] | None]:
    def check(v: object) -> tuple[str, ...] | None:
        ok = isinstance(v, list) and all(isinstance(x, str) and x in options for x in v) and len(set(v)) == len(v)
        return tuple(v) if ok else None  # type: ignore[arg-type]
    return check


def numbers(low: float, high: float, max_len: int) -> Callable[[object], tuple[float, ...] | None]:
    def check(v: object) -> tuple[float, ...] | None:
        if not isinstance(v, list) or not 1 <= len(v) <= max_len:
            return None
        out = tuple(number(low, high)(x) for x in v)
        return tuple(x for x in out if x is not None) if None not in out and len(set(out)) == len(out) else None
    return check


def span(low: float, high: float) -> Callable[[object], Range | None]:
    def check(v: object) -> Range | None:
        pair = numbers(low, high, 2)(v)
        return Range(pair[0], pair[1]) if pair is not None and len(pair) == 2 and pair[0] < pair[1] else None
    return check


def one_of(options: tuple[str, ...]) -> str:
    return "must be one of " + ", ".join(f'"{o}"' for o in options)


def list_of(options: tuple[str, ...]) -> str:
    return "must be a list without repeats of " + ", ".join(f'"{o}"' for o in options)


def between(low: float, high: float, whole: bool = False) -> str:
    return f"must be a {'whole number' if whole else 'number'} from {low:g} to {high:g}"


def pair(low: float, high: float) -> str:
    return f"must be [low, high] with {low:g} ≤ low < high ≤ {high:g}"


def show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# The absolute ranges a protocol's values must stay in (the clinic's own choices go inside these).
