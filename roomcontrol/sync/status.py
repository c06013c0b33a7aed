"""What the room screen and `sync status` show about sync: a small immutable object and its one-line text."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

# States, from the nurse's point of view.
DISABLED = "disabled"  # [sync] enabled = false
IDLE = "idle"          # not tried yet since start
SYNCING = "syncing"    # sending a backlog now
SYNCED = "synced"      # the last attempt reached the hub and everything then waiting was acknowledged
OFFLINE = "offline"    # the hub cannot be reached (network, hub down, TLS): retrying with back-off
REFUSED = "refused"    # the hub answered no (token, chain, malformed): retrying, but someone must look
ERROR = "error"        # the room database could not be read or the cursor not written


@dataclass(frozen=True)
class SyncStatus:
    state: str
    backlog_events: int = 0
    backlog_vitals: int = 0
    last_success: datetime | None = None    # when the hub last acknowledged a batch
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_attempt: datetime | None = None
    next_attempt_at: datetime | None = None  # set while backing off
    hub_url: str = ""

    def headline(self, now: datetime | None = None) -> str:
        """One short line for the room screen, e.g. "Offline — 132 events waiting", "Synced 2 min ago"."""
        now = now or datetime.now(timezone.utc)
        waiting = _waiting(self.backlog_events, self.backlog_vitals)
        if self.state == DISABLED:
            return "Sync off"
        if self.state == OFFLINE:
            return f"Offline — {waiting or 'nothing'} waiting"
        if self.state == REFUSED:
            return f"Hub refused sync — {waiting or 'nothing'} waiting"
        if self.state == ERROR:
            return f"Sync error — {waiting or 'nothing'} waiting"
        if self.state == SYNCING and waiting:
            return f"Syncing — {waiting} waiting"
        if self.last_success is None:
            return f"Not synced yet — {waiting} waiting" if waiting else "Nothing to sync yet"
        synced = f"Synced {ago(self.last_success, now)}"
        return f"{synced} — {waiting} waiting" if waiting else synced

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("last_success", "last_error_at", "last_attempt", "next_attempt_at"):
            d[key] = _iso(d[key])
        d["headline"] = self.headline()
        return d


def ago(then: datetime, now: datetime) -> str:
    s = max(0.0, (now - then).total_seconds())
    if s < 60:
        return "just now"
    if s < 3600:
        return f"{int(s // 60)} min ago"
    if s < 86400:
        return f"{int(s // 3600)} h ago"
    return f"{int(s // 86400)} d ago"


def _waiting(events: int, vitals: int) -> str:
    if events:
        return f"{events:,} event{'s' if events != 1 else ''}"
    if vitals:
        return f"{vitals:,} vitals reading{'s' if vitals != 1 else ''}"
    return ""


def _iso(ts: datetime | None) -> str | None:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z") if ts else None


def parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
