"""The outbox pusher: a thread of its own that sends the room's events and vitals to the hub, exactly once.

Exactly once = at-least-once delivery + an idempotent hub. The pusher reads a bounded batch after its cursor
(in the room's seq order), POSTs it, and moves the cursor only after the hub's ack. A crash between the ack and
the cursor write resends the batch; the hub counts it as duplicates. Order is the room's seq, never a clock, so
a skewed room clock reorders or drops nothing. Memory is one batch, however long the network was down.

Never stalled, never lying (issue 13): while the hub is out of reach it probes with an empty batch on a back-off
of seconds (1 s doubling to 8 s, jittered), so a returning hub has the backlog within ~10 s; requests time out in
a few seconds; a request in flight shows as "waiting for the hub"; `stop()` returns within its timeout even while
a request hangs (the drain lock is never awaited by stop); a clean exit tries one last bounded push. Events the hub
quarantines (content it will not take, the chain intact) are recorded in the room's database and shown, and the
log behind them goes on; a hub that refuses a batch outright (an older hub) is shown as refused, with its reason.

It reads through `roomcontrol.store.outbox` (its own connections; the engine thread stays the only writer of
events), and needs only httpx: importing it does not pull in the hub's FastAPI or the database drivers. Beside
it: the back-off (backoff.py), what a drain ends with (push_result.py), reading the hub's answers (replies.py),
the status shared with the screen (status_board.py).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from roomcontrol import __version__
from roomcontrol.clock import SystemClock
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.store.errors import StoreError
from roomcontrol.store.outbox import Outbox
from roomcontrol.sync import protocol as P
from roomcontrol.sync import status as S
from roomcontrol.sync.backoff import BACKOFF_MAX_S, REFUSED_BACKOFF_MAX_S, PushBackoff
from roomcontrol.sync.batch_json import batch_body
from roomcontrol.sync.replies import json_body, refusal, unreachable_reason
from roomcontrol.sync.push_result import PushFailed, SyncResult
from roomcontrol.sync.status import SyncStatus, parse_ts
from roomcontrol.sync.status_board import StatusBoard

if TYPE_CHECKING:
    import httpx  # imported when the first batch is sent: a room's window need not wait for it at start-up

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per batch would drown the room's log
STATUS_REFRESH_S = 2.0   # how stale the backlog on the room screen may get while the pusher sleeps; also how
                         # soon new vitals (which do not notify) are pushed after they are committed
TIMEOUT_S = 5.0          # read/write/pool: a hub that has not answered by then is treated as out of reach
CONNECT_TIMEOUT_S = 3.0
STOP_TIMEOUT_S = 2.0
MAX_REWINDS = 3          # per drain: a hub that keeps asking for older rows is a fault, not a loop to follow
_CLOCK = SystemClock()   # the wall clock (UTC) the status and the notes are stamped with
__all__ = ["BACKOFF_MAX_S", "REFUSED_BACKOFF_MAX_S", "STATUS_REFRESH_S", "SyncPusher", "SyncResult"]


class SyncPusher:
    """Push the room database at `db_path` to `hub_url` as room `room_id`.

    `start()` runs it in a thread every `interval_s` (at once after `notify()`); `sync_now()` drains the backlog
    in the caller's thread. `on_status(SyncStatus)` is called on the pusher's thread whenever the status changes.
    """

    def __init__(self, db_path: Path | str, room_id: str, hub_url: str, token: str, batch_size: int = 500,
                 interval_s: float = 10.0, on_status: Callable[[SyncStatus], None] | None = None, *,
                 enabled: bool = True, target: str = "hub", timeout_s: float = TIMEOUT_S, backoff_base_s: float = 1.0,
                 backoff_max_s: float = BACKOFF_MAX_S, verify: bool | str = True, transport: httpx.BaseTransport | None = None):
        if not 1 <= batch_size <= P.MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size {batch_size}: must be 1..{P.MAX_BATCH_EVENTS}")
        self.db_path = Path(db_path)
        self.room_id = room_id
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.batch_size = batch_size
        self.interval_s = float(interval_s)
        self.enabled = enabled and bool(hub_url)
        self.target = target
        self.timeout_s = timeout_s
        self._backoffs = PushBackoff(backoff_base_s, backoff_max_s)
        # A CA file (a clinic's own certificate authority or the hub's self-signed certificate) or True/False.
        self._verify = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self._transport = transport
        self._batch = batch_size          # shrinks after a 413, so one huge event cannot block the outbox
        self.attempts = 0                 # drains tried (for tests and benchmarks: the back-off schedule)
        self._final_deadline: float | None = None  # monotonic; set by stop(final_push=True)
        self._hub_checked = False         # see _check_hub
        self._lock = threading.Lock()     # one drain at a time (thread and sync_now share the cursor)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._outbox: Outbox | None = None
        self._client: httpx.Client | None = None
        self._board = StatusBoard(SyncStatus(S.IDLE if self.enabled else S.DISABLED, hub_url=self.hub_url),
                                  on_status)

    @classmethod
    def from_config(cls, db_path: Path | str, config, on_status=None, **kwargs) -> "SyncPusher":
        """From a RoomConfig (its room_id and [sync] table)."""
        s = config.sync
        return cls(db_path, config.room_id, s.hub_url, s.token, s.batch_size, s.interval_s, on_status,
                   enabled=s.enabled, **kwargs)

    # -- the thread ---------------------------------------------------------------------------------------
    def start(self) -> "SyncPusher":
        if not self.enabled or self._thread is not None:
            self._board.announce()
            return self
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="sync-pusher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = STOP_TIMEOUT_S, final_push: bool = False) -> None:
        """Stop within `timeout_s`, even while a request hangs. With `final_push` the thread first sends what it
        can of the backlog until then (a clean exit); without, it stops after the batch in flight.

        A request still hanging at the timeout is left to its own timeout on the (daemon) thread, which closes
        the connections when it ends; its ack, if one comes, still moves the cursor (else the batch is resent
        on the next start and counted as duplicates by the hub)."""
        deadline = time.monotonic() + timeout_s
        if final_push and self._thread is not None:
            self._final_deadline = deadline - 0.1  # the last batch starts before it; stop() returns by timeout_s
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("sync: a request to the hub is still in flight at stop; leaving it to its timeout")
                return
        if self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            try:
                self._close()
            finally:
                self._lock.release()

    def notify(self) -> None:
        """Something new was logged: push it now rather than at the next interval (cheap, any thread)."""
        self._wake.set()

    @property
    def status(self) -> SyncStatus:
        return self._board.status

    @property
    def waits(self) -> list[float]:
        """The back-off waits chosen after failures, the latest 100."""
        return self._backoffs.waits

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                result = self._drain()
                if result.ok:
                    wait = self.interval_s
                else:
                    wait = self._backoff(result.status.state if result.status else S.OFFLINE)
                    self._board.update(next_attempt_at=_CLOCK.now() + timedelta(seconds=wait))
                    self._note(next_attempt_at=iso_utc(_CLOCK.now() + timedelta(seconds=wait)))
                self._sleep(wait, idle=result.ok)
            if self._final_deadline is not None and time.monotonic() < self._final_deadline:
                self._drain()  # one last push on a clean exit, bounded by the deadline (checked between batches)
        finally:
            with self._lock:
                self._close()

    def _sleep(self, wait: float, idle: bool) -> None:
        """Sleep `wait` s (or until notified), refreshing the backlog shown on screen every few seconds. When
        the last drain succeeded (`idle`), a backlog seen by a refresh ends the sleep: vitals are committed by
        the engine in batches without notifying, and should not wait for the interval. While backing off
        (not `idle`), only stop() ends the sleep early."""
        deadline = time.monotonic() + wait
        while (remaining := deadline - time.monotonic()) > 0 and not self._stopping.is_set():
            if self._wake.wait(min(remaining, STATUS_REFRESH_S)):
                self._wake.clear()
                if idle or self._stopping.is_set():
                    return
                continue  # backing off: new events wait for the next probe, a busy room does not hammer the hub
            if self._refresh_backlog() and idle:
                return

    def _backoff(self, state: str = S.OFFLINE) -> float:
        """The wait after one more failed drain (backoff.py: seconds offline, up to a minute refused)."""
        return self._backoffs.next(state)

    # -- one drain ----------------------------------------------------------------------------------------
    def sync_now(self) -> SyncResult:
        """Send the whole backlog now, in the caller's thread; waits for a drain the thread has in flight."""
        return self._drain(force=True)

    def _drain(self, force: bool = False) -> SyncResult:
        if not self.enabled and not force:
            return SyncResult(True, status=self.status)
        if not self.hub_url:
            return SyncResult(False, error="no hub_url in [sync]", status=self.status)
        with self._lock:
            self.attempts += 1
            totals: dict[str, Any] = dict(sent_events=0, sent_vitals=0, duplicate_events=0, duplicate_vitals=0,
                                          quarantined_events=0, batches=0)
            try:
                self._push_all(totals)
            except PushFailed as failure:
                return self._failed(failure, totals)
            except StoreError as exc:
                return self._failed(PushFailed(S.ERROR, str(exc)), totals)
            self._backoffs.reset()
            if totals["batches"] or self.status.last_error:
                # The hub answered: the error that was shown is over (it stays in the room's log file).
                self._note(last_state=S.SYNCED, last_error=None, last_error_at=None, next_attempt_at=None)
                self._board.update(last_error=None, last_error_at=None)
            return SyncResult(True, **totals, status=self.status)

    def _push_all(self, totals: dict[str, Any]) -> None:
        outbox = self._open_outbox()
        if not self._hub_checked:
            self._check_hub(outbox)
        rewinds = 0
        while True:
            cursor = outbox.cursor()
            events = outbox.events_after(cursor.last_seq, self._batch)
            vitals = outbox.vitals_after(cursor.last_vitals_id, self._batch)
            if not events and not vitals:
                # Empty: the cursor only moves on acks, so everything was acknowledged at some point.
                self._board.update(state=S.SYNCED if self.status.last_success or totals["batches"] else S.IDLE,
                                   backlog_events=0, backlog_vitals=0, next_attempt_at=None)
                return
            if totals["batches"] == 0:
                backlog = outbox.backlog(cursor)
                self._board.update(state=S.SYNCING, backlog_events=backlog.events, backlog_vitals=backlog.vitals,
                                   next_attempt_at=None)
            response = self._post(events, vitals)
            body = json_body(response)
            if response.status_code == 200:
                last_seq = events[-1][0] if events else cursor.last_seq
                last_vid = vitals[-1][0] if vitals else cursor.last_vitals_id
                hub_seq = body.get("last_seq")
                if not isinstance(hub_seq, int) or (hub_seq < last_seq and (events or rewinds >= MAX_REWINDS)):
                    # An ack that does not cover the events it acknowledges is no ack.
                    raise PushFailed(S.REFUSED, f"the hub acknowledged up to seq {hub_seq}, not {last_seq}")
                acked_at = _CLOCK.now()
                outbox.advance(last_seq, last_vid, iso_utc(acked_at))
                if hub_seq < last_seq:  # a vitals-only batch showed the hub lacks events the cursor counts as sent
                    outbox.rewind(hub_seq)
                    rewinds += 1
                totals["batches"] += 1
                totals["sent_events"] += body.get("accepted_events", 0)
                totals["duplicate_events"] += body.get("duplicate_events", 0)
                totals["sent_vitals"] += body.get("accepted_vitals", 0)
                totals["duplicate_vitals"] += body.get("duplicate_vitals", 0)
                totals["quarantined_events"] += self._quarantined(outbox, body.get("quarantined"), acked_at)
                backlog = outbox.backlog()
                self._board.update(last_success=acked_at, backlog_events=backlog.events,
                                   backlog_vitals=backlog.vitals, last_error=None, last_error_at=None)
                if self._stopping.is_set() and (self._final_deadline is None
                                                or time.monotonic() >= self._final_deadline):
                    return
                continue
            error = body.get("error", "")
            if response.status_code == 409 and error == P.GAP and rewinds < MAX_REWINDS \
                    and isinstance(body.get("expected_seq"), int) and body["expected_seq"] - 1 < cursor.last_seq:
                # The hub holds less than the cursor says (a new hub, or one restored from a backup): resend.
                log.warning("sync: the hub holds up to seq %d, the cursor was at %d: resending from there",
                            body["expected_seq"] - 1, cursor.last_seq)
                outbox.rewind(body["expected_seq"] - 1)
                rewinds += 1
                continue
            if response.status_code == 413 and self._batch > 1:
                self._batch = max(1, self._batch // 2)
                log.warning("sync: the hub found the batch too large; batches of %d from now on", self._batch)
                continue
            raise refusal(response, body, events)

    def _quarantined(self, outbox: Outbox, entries: object, at: datetime) -> int:
        """Record the events the hub quarantined in this batch (the ack covers them: the log goes on)."""
        if not isinstance(entries, list) or not entries:
            return 0
        found = [(e["seq"], str(e.get("reason") or "no reason given")) for e in entries
                 if isinstance(e, dict) and isinstance(e.get("seq"), int) and not isinstance(e["seq"], bool)]
        if len(found) != len(entries):
            log.warning("sync: the hub's quarantine list has entries without a seq: %.300s", entries)
        if not found:
            return 0
        new = outbox.quarantine(found, iso_utc(at))
        for seq, reason in found:
            log.warning("sync: the hub quarantined event seq %d: %s", seq, reason)
        q = outbox.quarantined(latest=1)
        self._board.update(quarantined=q.count, quarantine_reason=q.reason)
        return new

    def _check_hub(self, outbox: Outbox) -> None:
        """Once per start: an empty batch tells what the hub holds. A hub that holds less than the cursor says
        (a new hub, or one restored from a backup) gets it all again, even when nothing new is logged."""
        response = self._post([], [])
        body = json_body(response)
        if response.status_code != 200:
            raise refusal(response, body)
        cursor = outbox.cursor()
        hub_seq, hub_vid = body.get("last_seq", 0), body.get("last_vitals_id", 0)
        if hub_seq < cursor.last_seq or hub_vid < cursor.last_vitals_id:
            log.warning("sync: the hub holds up to seq %d (vitals %d), the cursor was at %d (%d): resending",
                        hub_seq, hub_vid, cursor.last_seq, cursor.last_vitals_id)
            outbox.rewind(hub_seq, hub_vid)
        self._hub_checked = True

    def _post(self, events: list[tuple], vitals: list[tuple]) -> httpx.Response:
        import httpx
        body = batch_body(events, vitals)
        self._board.update(in_flight_since=_CLOCK.now(), next_attempt_at=None)
        try:
            return self._http().post(P.BATCH_PATH.format(room_id=self.room_id), content=body)
        except httpx.HTTPError as exc:  # refused, reset, timed out, TLS, DNS: all "the hub is out of reach"
            self._close_client()  # a half-dead keep-alive connection must not be reused
            self._hub_checked = False  # what comes back may be another (restored) hub
            raise PushFailed(S.OFFLINE,
                             f"cannot reach the hub at {self.hub_url}: {unreachable_reason(exc)}") from None
        finally:
            self._board.update(in_flight_since=None)

    def _failed(self, failure: PushFailed, totals: dict[str, Any]) -> SyncResult:
        message = str(failure)
        if failure.state != self.status.state or message != self.status.last_error:
            log.warning("sync %s: %s", failure.state, message)
        now = _CLOCK.now()
        backlog = None
        try:
            if self._outbox is not None:
                backlog = self._outbox.backlog()
                self._note(last_state=failure.state, last_error=message, last_error_at=iso_utc(now),
                           last_attempt_at=iso_utc(now))
        except StoreError:
            pass
        changes = dict(state=failure.state, last_error=message, last_error_at=now, last_attempt=now)
        if backlog is not None:
            changes.update(backlog_events=backlog.events, backlog_vitals=backlog.vitals)
        self._board.update(**changes)
        return SyncResult(False, **totals, error=message, status=self.status)

    def _note(self, **values) -> None:
        values.setdefault("last_attempt_at", iso_utc(_CLOCK.now()))
        try:
            self._open_outbox().note(**values)
        except StoreError as exc:  # notes are for `sync status`; failing to keep one must not stop the sync
            log.warning("sync: %s", exc)

    # -- resources ----------------------------------------------------------------------------------------
    def _open_outbox(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self.db_path, self.target)
            owner = self._outbox.room_id()
            if owner is not None and owner != self.room_id:
                self._outbox.close()
                self._outbox = None
                raise PushFailed(S.ERROR,
                                 f"the database {self.db_path} belongs to room {owner!r}, not {self.room_id!r}")
            cursor = self._outbox.cursor()
            notes = self._outbox.notes()
            q = self._outbox.quarantined(latest=1)
            backlog = self._outbox.backlog(cursor)
            self._board.update(backlog_events=backlog.events, backlog_vitals=backlog.vitals,
                               last_success=parse_ts(cursor.updated_ts), last_error=notes.get("last_error"),
                               last_error_at=parse_ts(notes.get("last_error_at")),
                               last_attempt=parse_ts(notes.get("last_attempt_at")), quarantined=q.count,
                               quarantine_reason=q.reason)
        return self._outbox

    def _http(self) -> httpx.Client:
        import httpx
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.hub_url, verify=self._verify, transport=self._transport,
                timeout=httpx.Timeout(self.timeout_s, connect=min(CONNECT_TIMEOUT_S, self.timeout_s)),
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                         "User-Agent": f"roomcontrol/{__version__} ({self.room_id})"})
        return self._client

    def _close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _close(self) -> None:
        self._close_client()
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None

    def _refresh_backlog(self) -> bool:
        """Update the backlog shown; True when something waits."""
        if not self._lock.acquire(blocking=False):
            return False  # a drain is running and keeps the status current itself
        try:
            backlog = self._open_outbox().backlog()
            self._board.update(backlog_events=backlog.events, backlog_vitals=backlog.vitals)
            return not backlog.empty
        except (StoreError, PushFailed):
            return False
        finally:
            self._lock.release()
