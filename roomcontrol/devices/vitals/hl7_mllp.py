"""HL7 over MLLP: a TCP server the monitors (or their gateway) connect to, several at once.

Frames (see mllp) may be split or joined anywhere by TCP. What each message means (its ACK, the bed filter,
alerts, values that are not readings) is hl7_feed's. Health is the server's: CONNECTING while listening with no
data yet, OK on our bed's data (SENSOR_OFF while the monitor reports a sensor-off alert), NO_DATA when peers are
connected but our bed is silent for `no_data_after`, LOST when nobody has sent anything for that long and nobody
is connected, or when we cannot listen (we retry with back-off).
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
from datetime import tzinfo
from urllib.parse import urlsplit

from roomcontrol.devices.base import Backoff, Device
from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.serial_transport import deliver
from roomcontrol.devices.vitals.hl7_feed import Hl7Feed
from roomcontrol.devices.vitals.mllp import MllpDeframer
from roomcontrol.domain.vitals import Health

log = logging.getLogger(__name__)


def parse_listen_url(url: str) -> tuple[str, int]:
    """`mllp://host:port`, `tcp://host:port`, `host:port` or `:port` (all interfaces)."""
    text = url if "://" in url else f"mllp://{url}"
    parts = urlsplit(text)
    if parts.scheme not in ("mllp", "tcp") or parts.port is None:
        raise ValueError(f"not an MLLP address: {url!r} (want mllp://host:port)")
    return parts.hostname or "0.0.0.0", parts.port


def check_listen(url: str) -> None:
    try:
        host, port = parse_listen_url(url)
        with socket.create_server((host, port), reuse_port=False):
            pass
    except (OSError, ValueError) as e:
        raise DeviceOpenError(f"cannot listen on {url}: {' '.join(str(e).split())}") from None


class Hl7MllpServer(Device):
    thread_role = "mllp"

    def __init__(self, url: str, *, on_reading, on_health, clock=None, name: str = "vitals",
                 labels: dict[str, str] | None = None, device_tz: tzinfo | None = None, bed: str | None = None,
                 alert_hold_s: float = 30.0, on_pleth=None,
                 no_data_after: float = 30.0, backoff_initial: float = 0.25, backoff_max: float = 5.0,
                 poll: float = 0.2, source: str = "hl7"):
        super().__init__(name, clock=clock, on_health=on_health)
        self._lock = threading.Lock()
        self.url = url
        self.source = source
        self._host, self._port = parse_listen_url(url)
        self._on_reading = on_reading
        self._on_pleth = on_pleth
        self.feed = Hl7Feed(labels=labels, device_tz=device_tz, bed=bed, alert_hold_s=alert_hold_s, source=source,
                            name=name)
        self._no_data_after = no_data_after
        self._backoff = Backoff(backoff_initial, backoff_max)
        self._poll = poll
        self._ready = threading.Event()
        self._peers: list[threading.Thread] = []
        self._conns: dict[int, dict] = {}
        self._ids = itertools.count(1)
        self.address: tuple[str, int] | None = None
        self._last_valid = self.clock.monotonic()
        self._ever_connected = False
        self._counters = {"connections": 0, "bytes": 0, "discarded_bytes": 0, "broken_frames": 0,
                          "listen_failures": 0, "callback_errors": 0}

    @property
    def counters(self) -> dict:
        with self._lock:
            mine = dict(self._counters)
        return {**mine, **self.feed.counters}

    def beds(self) -> list[dict]:
        """The beds heard so far: location (PV1-3), every id a `bed` option may name, message count."""
        return self.feed.beds()

    def connections(self) -> list[dict]:
        """Per-peer statistics: peer, messages, errors, connected_at."""
        with self._lock:
            return [dict(c) for c in self._conns.values()]

    def wait_ready(self, timeout: float = 5.0) -> tuple[str, int]:
        if not self._ready.wait(timeout):
            raise DeviceOpenError(f"cannot listen on {self.url}")
        assert self.address is not None  # set before ready
        return self.address

    def _release(self) -> None:
        for t in list(self._peers):  # each peer thread polls the stop every `poll` seconds
            t.join(2.0)

    def _count(self, key: str, n: int = 1) -> None:
        with self._lock:
            self._counters[key] += n

    # -- listening ---------------------------------------------------------------------------------------------

    def _run(self) -> None:
        self._health.set(Health.CONNECTING, f"listening on {self.url}")
        while not self._stopping.is_set():
            try:
                server = socket.create_server((self._host, self._port))
            except OSError as e:
                self._count("listen_failures")
                self._health.set(Health.LOST, f"cannot listen on {self.url}: {' '.join(str(e).split())}")
                if self._stopping.wait(self._backoff.next()):
                    return
                continue
            self._backoff.reset()
            with server:
                server.settimeout(self._poll)
                self.address = server.getsockname()[:2]
                self._ready.set()
                if self._health.state == Health.LOST:
                    self._health.set(Health.CONNECTING, f"listening on {self.url}")
                self._accept_loop(server)

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, peer = server.accept()
            except socket.timeout:
                self._check_quiet()
                continue
            except OSError as e:
                self._health.set(Health.LOST, f"listening socket failed: {e}")
                return
            self._count("connections")
            t = threading.Thread(target=self._serve_peer, args=(conn, peer), daemon=True,
                                 name=f"{self.name}-mllp-{peer[0]}:{peer[1]}")
            self._peers = [x for x in self._peers if x.is_alive()] + [t]
            t.start()

    def _check_quiet(self) -> None:
        ended = self.feed.expire(self.clock.monotonic())
        if ended is not None and self._health.state == Health.SENSOR_OFF:
            self._health.set(*ended)
        if self.clock.monotonic() - self._last_valid < self._no_data_after:
            return
        with self._lock:
            peers = len(self._conns)
        if peers:
            self._health.set(Health.NO_DATA, f"{peers} peer(s) connected, no message for {self._no_data_after:g} s")
        elif self._ever_connected:
            self._health.set(Health.LOST, f"no monitor connected for {self._no_data_after:g} s")

    # -- one peer ----------------------------------------------------------------------------------------------

    def _serve_peer(self, conn: socket.socket, peer) -> None:
        cid = next(self._ids)
        stats = {"peer": f"{peer[0]}:{peer[1]}", "messages": 0, "errors": 0, "connected_at": self.clock.now()}
        with self._lock:
            self._conns[cid] = stats
            self._ever_connected = True
        if self._health.state in (Health.LOST, Health.NO_DATA):
            self._health.set(Health.CONNECTING, f"monitor connected from {stats['peer']}")
        deframer = MllpDeframer()
        conn.settimeout(self._poll)
        try:
            with conn:
                while not self._stopping.is_set():
                    try:
                        data = conn.recv(65536)
                    except socket.timeout:
                        continue
                    if not data:
                        break
                    self._count("bytes", len(data))
                    for message in deframer.feed(data):
                        conn.sendall(self._handle(message, stats))
        except OSError as e:
            log.info("%s: peer %s: %s", self.name, stats["peer"], e)
        finally:
            with self._lock:
                del self._conns[cid]
                self._counters["discarded_bytes"] += deframer.counters["discarded_bytes"]
                self._counters["broken_frames"] += deframer.counters["broken_frames"]

    def _handle(self, message: bytes, stats: dict) -> bytes:
        result = self.feed.handle(message, self.clock.now(), self.clock.monotonic())
        stats["messages"] += 1
        stats["errors"] += result.code == "AE"
        if not result.ours:
            return result.ack
        self._last_valid = self.clock.monotonic()
        deliver(result.readings, self._on_reading, self.name, self._counters)
        if result.pleth and self._on_pleth is not None:
            try:
                self._on_pleth(result.pleth, self.clock.now())
            except Exception:  # a bad consumer must not kill the peer thread
                self._count("callback_errors")
                log.exception("%s: on_pleth callback failed", self.name)
        if result.health is not None:
            self._health.set(*result.health)
        return result.ack
