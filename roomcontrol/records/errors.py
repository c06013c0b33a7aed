"""Refusals of the record commands: each message is one line the CLI can print as is."""

from __future__ import annotations


class RecordError(Exception):
    """A session record cannot be produced; str(exc) is a one-line message for the nurse or the CLI."""


class UnknownSession(RecordError):
    def __init__(self, session_id: str, where: str = ""):
        place = f" in {where}" if where else ""
        super().__init__(f"no session {session_id!r}{place}; `roomcontrol report --list` shows the sessions")
        self.session_id = session_id


class AmbiguousSession(RecordError):
    def __init__(self, prefix: str, matches: list[str]):
        shown = ", ".join(m[:13] for m in matches[:5])
        super().__init__(f"session id {prefix!r} matches {len(matches)} sessions ({shown}); give more characters")
        self.prefix, self.matches = prefix, matches


class SessionStillOpen(RecordError):
    def __init__(self, session_id: str, phase: str):
        super().__init__(f"session {session_id[:8]} is still open ({phase.replace('_', '-')}); "
                         "a record is made only after discharge or abort")
        self.session_id, self.phase = session_id, phase
