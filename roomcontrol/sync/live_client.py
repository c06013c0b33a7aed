"""The room's live channel to the clinic hub (docs/STATION.md): a WebSocket, on threads of its own, carrying
the room's live state to the station and bringing back a nurse's acts from it.

Beside the event sync, which stays the record of truth: nothing here is stored, and a lost message is
replaced by the next state. Never in the engine's way: the engine hands over its newest snapshot (`offer`, a
reference swap under a lock) and the channel keeps only that one, so a hub that hangs costs the room nothing but
this channel (no queue grows). The state is built here, off the engine thread, by the `build` function the engine
gives (the sync package cannot import the engine).

- sends a state at once when it changes in substance (`substance(state)` differs: alarms, call, phase, devices,
  session), after an act, and as a heartbeat every HEARTBEAT_S;
- reconnects by itself, 1 s doubling to 8 s, jittered (as the pusher's probes), so a returning hub has every
  room back within ~10 s and rooms that lost it together do not return in lockstep;
- a dead hub that keeps the TCP connection open is found by WebSocket pings (PING_INTERVAL_S + PING_TIMEOUT_S);
- answers every `act` with an `act_result`; the act itself runs on the engine (`on_act` returns a future).

One thread sends (and connects), one reads the socket while connected (websockets' sync connection allows one
reader and concurrent senders).
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from roomcontrol import __version__
from roomcontrol.sync.protocol import API

log = logging.getLogger(__name__)
LIVE_PATH = API + "/rooms/{room_id}/live"
HEARTBEAT_S = 1.0        # docs/STATION.md: a state at least this often
OPEN_TIMEOUT_S = 3.0     # TCP + TLS + upgrade
PING_INTERVAL_S = 2.0    # a hub that stops answering is dropped within PING_INTERVAL_S + PING_TIMEOUT_S
PING_TIMEOUT_S = 4.0
CLOSE_TIMEOUT_S = 1.0
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 8.0
MAX_MESSAGE_BYTES = 64 * 1024  # an act is a few hundred bytes
MAX_PENDING_RESULTS = 100      # act results waiting to be sent: bounded like everything else here
UNAUTHORIZED_CLOSE = 4401      # the hub's close code for a token that is not this room's

CONNECTED = "connected"
CONNECTING = "connecting"
DISABLED = "disabled"
NOT_REACHED = "station not reached"

Build = Callable[[Any], dict]             # newest snapshot → the `state` message
Substance = Callable[[dict], object]      # state → what, when it changes, is sent at once
OnAct = Callable[[dict], "Future[tuple[str, Any]]"]  # act → future of (detail, snapshot after it) or an exception


def live_url(hub_url: str, room_id: str) -> str:
    """http://hub:8443 → ws://hub:8443/api/v1/rooms/{room_id}/live; https → wss."""
    base = hub_url.rstrip("/")
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if base.startswith(http):
            return ws + base[len(http):] + LIVE_PATH.format(room_id=room_id)
    raise ValueError(f"hub_url {hub_url!r}: must start with http:// or https://")


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The pusher's trust (httpx's: certifi, or SSL_CERT_FILE / SSL_CERT_DIR), or a CA file of the clinic."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    import httpx  # only for wss:// (its trust store); at start-up the room's window need not wait for it
    return httpx.create_ssl_context(verify=verify)


class LiveClient:
    def __init__(self, hub_url: str, room_id: str, token: str, build: Build, substance: Substance,
                 on_act: OnAct | None = None, *, enabled: bool = True, verify: bool | str = True,
                 heartbeat_s: float = HEARTBEAT_S, backoff_base_s: float = BACKOFF_BASE_S,
                 backoff_max_s: float = BACKOFF_MAX_S, open_timeout_s: float = OPEN_TIMEOUT_S,
                 ping_interval_s: float = PING_INTERVAL_S, ping_timeout_s: float = PING_TIMEOUT_S,
                 on_status: Callable[[str], None] | None = None):
        self.enabled = enabled and bool(hub_url)
        self.url = live_url(hub_url, room_id) if self.enabled else ""
        self.room_id, self.token = room_id, token
        self.build, self.substance, self.on_act = build, substance, on_act
        self.heartbeat_s, self.backoff_base_s, self.backoff_max_s = heartbeat_s, backoff_base_s, backoff_max_s
        self.open_timeout_s, self.ping_interval_s, self.ping_timeout_s = open_timeout_s, ping_interval_s, ping_timeout_s
        self.on_status = on_status
        self._ssl = tls_context(verify) if self.url.startswith("wss://") else None
        self._lock = threading.Lock()
        self._latest: Any = None           # the newest snapshot; never a queue
        self._force = False                 # send the next state whatever its substance
        self._results: deque[dict] = deque(maxlen=MAX_PENDING_RESULTS)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing_state = False
        self._status = CONNECTING if self.enabled else DISABLED
        self.sent = 0                       # states sent (tests, bench)
        self.connects = 0                   # connections opened
        self.garbled = 0                    # messages from the hub that were not JSON objects (counted, skipped)
        self.waits: list[float] = []        # the back-off waits chosen, the latest 100

    @classmethod
    def from_config(cls, config, build: Build, substance: Substance, on_act: OnAct | None = None,
                    **kwargs) -> "LiveClient":
        """From a RoomConfig: [station] enabled, [sync] hub_url and token."""
        return cls(config.sync.hub_url, config.room_id, config.sync.token, build, substance, on_act,
                   enabled=config.station.enabled, **kwargs)

    # -- what the engine and the screen call (any thread, never blocking) --------------------------------------
    def offer(self, snapshot: Any, *, now: bool = False) -> None:
        """The room's newest snapshot (replaces the one before); `now`: send it at once whatever changed."""
        with self._lock:
            self._latest = snapshot
            self._force = self._force or now
        self._wake.set()

    @property
    def status(self) -> str:
        """"connected", "connecting", "disabled" or "station not reached: <why>"."""
        return self._status

    @property
    def down(self) -> bool:
        """Enabled but not connected now (the screen says "station not reached")."""
        return self._status.startswith(NOT_REACHED)

    # -- the thread ----------------------------------------------------------------------------------------
    def start(self) -> "LiveClient":
        if not self.enabled or self._thread is not None:
            self._emit()
            return self
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="live-channel", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0, last_state: bool = True) -> None:
        """Stop within `timeout_s`. With `last_state`, a connected channel first sends the newest state and closes
        with 1001 "room closing", so the station tells a room that closed from one that vanished."""
        self._closing_state = last_state
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("live channel: still blocked on the hub at stop; left to its timeouts")

    def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                ws = self._connect()
            except Exception as exc:  # every way of not getting there is "not reached", with its reason
                failures += 1
                self._set_status(f"{NOT_REACHED}: {_why(exc)}")
                self._sleep(self._backoff(failures))
                continue
            opened = time.monotonic()
            with ws:  # closes it however serving ends
                why = self._serve(ws)
            if why is not None and not self._stopping.is_set():
                self._set_status(f"{NOT_REACHED}: {why}")
                # A connection that held a while starts the back-off afresh; a hub that accepts and drops at
                # once (a token refused after the upgrade, 4401) is backed off like one that cannot be reached.
                failures = 1 if time.monotonic() - opened >= self.backoff_max_s else failures + 1
                self._sleep(self._backoff(failures))

    def _connect(self) -> ClientConnection:
        ws = connect(self.url, ssl=self._ssl, open_timeout=self.open_timeout_s,
                     ping_interval=self.ping_interval_s, ping_timeout=self.ping_timeout_s,
                     close_timeout=CLOSE_TIMEOUT_S, max_size=MAX_MESSAGE_BYTES, compression=None,
                     additional_headers={"Authorization": f"Bearer {self.token}"},
                     user_agent_header=f"roomcontrol/{__version__} ({self.room_id})")
        self.connects += 1
        return ws

    def _serve(self, ws: ClientConnection) -> str | None:
        """Send states while connected; the reason the connection ended, or None when stopping."""
        lost: list[str] = []  # this connection's reader says here why it ended (a late old reader cannot)
        reader = threading.Thread(target=self._read, args=(ws, lost), name="live-channel-read", daemon=True)
        reader.start()
        self._set_status(CONNECTED)
        self._wake.set()  # the first state at once
        last_key: object = None
        last_sent = 0.0
        try:
            while True:
                self._wake.clear()  # before looking: an offer from now on wakes the wait below
                if lost:
                    return lost[0]
                if self._stopping.is_set():
                    if self._closing_state:
                        self._send_state(ws, force=True, last_key=last_key)
                    ws.close(1001, "room closing")
                    return None
                while self._results:
                    ws.send(json.dumps(self._results.popleft()))
                due = time.monotonic() - last_sent >= self.heartbeat_s
                key = self._send_state(ws, force=due, last_key=last_key)
                if key is not _NOT_SENT:
                    last_key, last_sent = key, time.monotonic()
                since = time.monotonic() - last_sent if last_sent else 0.0  # nothing sent yet: wait for a snapshot
                self._wake.wait(max(0.0, self.heartbeat_s - since))
        except ConnectionClosed as exc:
            return lost[0] if lost else _closed_why(exc)
        except Exception as exc:  # a send that failed (reset, TLS): the socket is gone
            return _why(exc)
        finally:
            ws.close()
            reader.join(CLOSE_TIMEOUT_S)

    def _send_state(self, ws: ClientConnection, force: bool, last_key: object) -> object:
        """Send the newest state if forced or changed in substance: its substance key, else _NOT_SENT."""
        with self._lock:
            snapshot, forced, self._force = self._latest, self._force, False
        if snapshot is None:
            return _NOT_SENT
        state = self.build(snapshot)
        key = self.substance(state)
        if not (force or forced or key != last_key):
            return _NOT_SENT
        ws.send(json.dumps(state, separators=(",", ":")))
        self.sent += 1
        return key

    def _read(self, ws: ClientConnection, lost: list[str]) -> None:
        why = "the hub closed the connection"
        try:
            for message in ws:
                self._on_message(message)
        except ConnectionClosed as exc:
            why = _closed_why(exc)
        except Exception as exc:  # the reader must end by saying why, never silently
            log.exception("live channel: reading failed")
            why = _why(exc)
        finally:
            lost.append(why)
            self._wake.set()

    # -- acts ----------------------------------------------------------------------------------------------
    def _on_message(self, message: str | bytes) -> None:
        try:
            msg = json.loads(message)
        except ValueError:
            msg = None
        if not isinstance(msg, dict):
            self.garbled += 1
            log.warning("live channel: a message from the hub that is not a JSON object was skipped (%d so far)",
                        self.garbled)
            return
        if msg.get("type") != "act":
            log.debug("live channel: ignored a %r message", msg.get("type"))
            return
        act_id = msg.get("act_id")
        if not isinstance(act_id, str) or not act_id:
            self.garbled += 1
            log.warning("live channel: an act without an act_id was skipped")
            return
        if self.on_act is None:
            return self._answer(act_id, False, "this room takes no acts from the station")
        try:
            future = self.on_act(msg)
        except Exception as exc:  # refused before it reached the engine (malformed)
            return self._answer(act_id, False, str(exc))
        future.add_done_callback(lambda f: self._done(act_id, f))

    def _done(self, act_id: str, future: Future) -> None:
        exc = future.exception()
        if exc is not None:
            return self._answer(act_id, False, str(exc) or type(exc).__name__)
        detail, snapshot = future.result()
        self._answer(act_id, True, detail)
        if snapshot is not None:
            self.offer(snapshot, now=True)  # "a new state follows a successful act at once"

    def _answer(self, act_id: str, ok: bool, detail: str) -> None:
        self._results.append({"type": "act_result", "act_id": act_id, "ok": ok, "detail": detail})
        self._wake.set()

    # -- helpers -------------------------------------------------------------------------------------------
    def _backoff(self, failures: int) -> float:
        """1 s doubling to 8 s, jitter only shortening (cap/2 … cap)."""
        cap = min(self.backoff_max_s, self.backoff_base_s * 2 ** min(failures - 1, 30))
        wait = cap / 2 + random.uniform(0, cap / 2)
        self.waits = [*self.waits[-99:], wait]
        return wait

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            self._stopping.wait(left)

    def _set_status(self, status: str) -> None:
        if status != self._status:
            if status.startswith(NOT_REACHED):
                log.warning("live channel: %s", status)
            self._status = status
            self._emit()

    def _emit(self) -> None:
        if self.on_status is not None:
            try:
                self.on_status(self._status)
            except Exception:  # a broken listener must not stop the channel
                log.exception("live channel: on_status listener failed")


_NOT_SENT = object()


def _closed_why(exc: ConnectionClosed) -> str:
    rcvd = exc.rcvd
    if rcvd is not None and rcvd.code == UNAUTHORIZED_CLOSE:
        return "the hub refused this room's token"
    if rcvd is not None:
        return f"the hub closed the connection ({rcvd.code}{f' {rcvd.reason}' if rcvd.reason else ''})"
    return "the connection to the hub was lost"


def _why(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        return f"the hub refused this room's token (HTTP {code})" if code in (401, 403) else \
            f"the hub answered HTTP {code}"
    if isinstance(exc, TimeoutError):
        return "no answer from the hub in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the hub running?)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    if isinstance(exc, (InvalidURI, InvalidHandshake)):
        return f"{type(exc).__name__}: {exc}"
    text = str(exc) or type(exc).__name__
    return text if len(text) < 160 else text[:160] + "…"
