"""Running the hub on uvicorn: in the foreground (`roomcontrol hub serve`) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from pathlib import Path

import uvicorn

from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub.app import BODY_TIMEOUT_S, create_app
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.live_messages import WS_MAX_BYTES

log = logging.getLogger("roomcontrol.hub")
DEFAULT_PORT = P.DEFAULT_PORT
# A clinic has a few dozen rooms; each holds its live socket open and pushes its batches over a second
# connection, and every station holds one socket: 64 was too few for 40 rooms with the live channel.
MAX_CONNECTIONS = 200
DB_ENV = "ROOMCONTROL_HUB_DB"            # what `serve --workers N` hands to each worker process
OPTIONS_ENV = "ROOMCONTROL_HUB_OPTIONS"  # (JSON: app options: limits, escalate_after_s, webhook_url)


def uvicorn_config(db: HubDB, host: str, port: int, certfile: Path | str | None = None,
                   keyfile: Path | str | None = None, *, hold_s: float = 0.0, log_level: str = "info",
                   max_body_bytes: int = P.MAX_BODY_BYTES, body_timeout_s: float = BODY_TIMEOUT_S,
                   max_connections: int = MAX_CONNECTIONS, live: dict | None = None) -> uvicorn.Config:
    _check_tls(certfile, keyfile)
    app = create_app(db, max_body_bytes=max_body_bytes, hold_s=hold_s, body_timeout_s=body_timeout_s, live=live)
    return uvicorn.Config(app, host=host, port=port, **_uvicorn_options(certfile, keyfile, log_level, max_connections))


def _check_tls(certfile, keyfile) -> None:
    if bool(certfile) != bool(keyfile):
        raise ValueError("TLS needs both a certificate file and its key file")
    for name, path in (("certificate", certfile), ("key", keyfile)):
        if path and not Path(path).is_file():
            raise ValueError(f"the TLS {name} file {path} does not exist")


def _uvicorn_options(certfile, keyfile, log_level: str, max_connections: int) -> dict:
    # Bounded: beyond `max_connections` open connections the hub answers 503 at once; an idle keep-alive
    # connection is closed after a few seconds; headers are at most 16 KiB (h11's default, said here); a
    # WebSocket frame over WS_MAX_BYTES closes its socket (the live channel skips messages over 64 KiB itself).
    return dict(limit_concurrency=max_connections, timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024,
                ws="websockets-sansio", ws_max_size=WS_MAX_BYTES,
                ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None,
                log_level=log_level, server_header=False, proxy_headers=False, timeout_graceful_shutdown=5)


def worker_app():
    """The app factory of `serve --workers N`: each worker process opens the database named in DB_ENV."""
    options = json.loads(os.environ.get(OPTIONS_ENV) or "{}")
    app = create_app(HubDB(os.environ[DB_ENV]), **options)
    _freeze_startup_objects()
    return app


def _freeze_startup_objects() -> None:
    # The app's startup objects (FastAPI, pydantic schemas: most of the heap) are kept out of the collector's full
    # passes, which would otherwise walk them all every so many live messages: a pause every station waits for.
    gc.collect()
    gc.freeze()


def serve(db: HubDB, host: str, port: int, certfile=None, keyfile=None, *, hold_s: float = 0.0,
          log_level: str = "info", workers: int = 1, live: dict | None = None, **limits) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn handles both and finishes the requests in flight). `limits`:
    max_body_bytes, body_timeout_s, max_connections (see uvicorn_config). `workers` > 1 (PostgreSQL only):
    that many uvicorn worker processes, each with its own app and database pool, sharing the live channel
    through PostgreSQL LISTEN/NOTIFY."""
    if workers > 1 and db.kind != "postgres":
        raise ValueError(f"--workers {workers}: a SQLite hub is one process (its live channel is in memory); "
                         "run several workers on a postgresql:// database")
    scheme = "https" if certfile else "http"
    if not certfile and host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("serving plain HTTP on %s: tokens and patient data cross the network unencrypted; "
                    "give a certificate and key for TLS", host)
    log.info("RoomControl hub on %s://%s:%d, database %s%s", scheme, host, port, db.describe(),
             f", {workers} workers" if workers > 1 else "")
    if workers <= 1:
        config = uvicorn_config(db, host, port, certfile, keyfile, hold_s=hold_s, log_level=log_level, live=live,
                                **limits)
        _freeze_startup_objects()
        uvicorn.Server(config).run()
        return
    _check_tls(certfile, keyfile)
    max_connections = limits.pop("max_connections", MAX_CONNECTIONS)
    os.environ[DB_ENV] = db.url
    os.environ[OPTIONS_ENV] = json.dumps({"hold_s": hold_s, "live": live or {}, **limits})
    uvicorn.run("roomcontrol.sync.hub.server:worker_app", factory=True, host=host, port=port, workers=workers,
                **_uvicorn_options(certfile, keyfile, log_level, max_connections))


class ThreadedHub:
    """The real hub on loopback in a background thread. `port=0` picks a free port (see `.port`, `.url`)."""

    def __init__(self, db: HubDB, host: str = "127.0.0.1", port: int = 0, *, certfile=None, keyfile=None,
                 hold_s: float = 0.0, log_level: str = "warning", max_body_bytes: int = P.MAX_BODY_BYTES,
                 body_timeout_s: float = BODY_TIMEOUT_S, max_connections: int = MAX_CONNECTIONS,
                 live: dict | None = None):
        self.db = db
        self.host = host
        self._requested_port = port
        self._tls = bool(certfile)
        self._config_args = dict(certfile=certfile, keyfile=keyfile, hold_s=hold_s, log_level=log_level,
                                 max_body_bytes=max_body_bytes, body_timeout_s=body_timeout_s,
                                 max_connections=max_connections, live=live)
        self.server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def live(self):
        """The LiveHub of the running app (tests read its counters)."""
        assert self.server is not None
        return self.server.config.app.app.state.live  # config.app is the Gate around the FastAPI app

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{self.host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> "ThreadedHub":
        config = uvicorn_config(self.db, self.host, self._requested_port or self.port, **self._config_args)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="hub", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self._requested_port = self.port  # a restart comes back on the same port, as a real hub would
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            assert self._thread is not None  # started with the server
            self._thread.join(10)
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
