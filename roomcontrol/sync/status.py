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
                       # (nothing after the refused batch reaches the hub until then)
ERROR = "error"        # the room database could not be read or the cursor not written

WAITING_AFTER_S = 1.0  # a request in flight longer than this shows as "Waiting for the hub" (shorter: no flicker)


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
    in_flight_since: datetime | None = None  # a request to the hub is on its way since then
    quarantined: int = 0                     # events the hub took into quarantine (their content broke its rules)
    quarantine_reason: str | None = None     # the latest reason the hub gave

    def headline(self, now: datetime | None = None) -> str:
        """One short line for the room screen, e.g. "Offline — 132 events waiting · next try in 6 s",
        "Synced 2 min ago", "Waiting for the hub (12 s) — 3 events waiting", with the quarantine appended."""
        if self.state == DISABLED:
            return "Sync off"
        now = now or datetime.now(timezone.utc)
        line = self._state_line(now)
        if self.quarantined:
            n = self.quarantined
            line += f" · {n:,} event{'s' if n != 1 else ''} quarantined at the hub: {_short(self.quarantine_reason)}"
        return line

    def _state_line(self, now: datetime) -> str:
        waiting = _waiting(self.backlog_events, self.backlog_vitals)
        if self.in_flight_since is not None and (now - self.in_flight_since).total_seconds() >= WAITING_AFTER_S:
            # A hung request is not "Synced just now": say that the room is waiting, and for how long.
            return f"Waiting for the hub ({int((now - self.in_flight_since).total_seconds())} s) — " \
                   f"{waiting or 'nothing'} waiting"
        next_try = ""
        if self.next_attempt_at is not None and self.next_attempt_at > now:
            next_try = f" · next try in {max(1, round((self.next_attempt_at - now).total_seconds()))} s"
        if self.state == OFFLINE:
            return f"Offline — {waiting or 'nothing'} waiting{next_try}"
        reason = f": {_short(self.last_error)}" if self.last_error else ""
        if self.state == REFUSED:
            return f"Hub refused sync — {waiting or 'nothing'} waiting{reason}{next_try}"
        if self.state == ERROR:
            return f"Sync error — {waiting or 'nothing'} waiting{reason}{next_try}"
        if self.state == SYNCING and waiting:
            return f"Syncing — {waiting} waiting"
        if self.last_success is None:
            return f"Not synced yet — {waiting} waiting" if waiting else "Nothing to sync yet"
        synced = f"Synced {ago(self.last_success, now)}"
        return f"{synced} — {waiting} waiting" if waiting else synced

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("last_success", "last_error_at", "last_attempt", "next_attempt_at", "in_flight_since"):
            d[key] = _iso(d[key])
        d["headline"] = self.headline()
        return d


def _short(text: str | None, limit: int = 90) -> str:
    text = " ".join((text or "no reason given").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
