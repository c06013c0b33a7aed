"""Reading the room's protocol files (protocols/<id>.toml): the parse and its checks are roomcontrol.domain.protocol.

A file that is missing, not TOML, or wrong in any value is a problem of room.toml: refused at start, naming the
file, the key, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from roomcontrol.domain.protocol import Protocol, ProtocolError, parse_protocol

# The protocols shipped with RoomControl (in the bundle too: packaging/roomcontrol.spec copies the folder).
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "protocols"
DEFAULT_PROTOCOLS = ("ketamine-depression",)


def load_protocols(ids: tuple[str, ...], directory: Path, errors: list[str]) -> tuple[Protocol, ...]:
    """The protocols of `ids` from `directory`, in that order; every problem goes to `errors`."""
    out = []
    for pid in ids:
        path = directory / f"{pid}.toml"
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            there = sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []
            errors.append(f"session.protocols: \"{pid}\" has no file {path}; protocols there: "
                          + (", ".join(there) or "none"))
            continue
        except OSError as exc:
            errors.append(f"{path}: cannot read it ({exc.strerror})")
            continue
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{path}: not valid TOML ({exc})")
            continue
        try:
            protocol = parse_protocol(raw, str(path))
        except ProtocolError as exc:
            errors.extend(f"{path}: {problem}" for problem in exc.problems)
            continue
        if protocol.id != pid:
            errors.append(f"{path}: id = \"{protocol.id}\": must be the file's name, \"{pid}\"")
            continue
        out.append(protocol)
    return tuple(out)
