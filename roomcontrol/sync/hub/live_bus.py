"""How the hub's workers share the live channel: every room state, contact change, act and act result is published
on a LiveBus and delivered to every worker (the publisher too), so a station on any worker sees every room.

- MemoryBus: one process (SQLite hubs): delivery is a direct call.
- PostgresBus: `NOTIFY <channel>, '<payload>'` and one `LISTEN` connection per worker (psycopg 3 async). No other
  broker. A NOTIFY payload is limited to 8000 bytes: a message over NOTIFY_LIMIT is sent zlib-compressed
  ("z:" + base64), and one still over it (a room state near the 64 KiB message limit) is written to the small
  `live_spill` table and only its key is notified ("s:<id>"); spilled rows older than SPILL_KEEP_S are deleted.
  The channel is `roomcontrol_live`, or `roomcontrol_live_<schema>` when the hub's tables live in another schema
  than `public` (NOTIFY is per database: two hubs on one database in different schemas stay apart).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
import zlib
from typing import Any, Callable

log = logging.getLogger("roomcontrol.hub.live")

Deliver = Callable[[dict[str, Any]], None]
CHANNEL = "roomcontrol_live"
NOTIFY_LIMIT = 7900        # PostgreSQL's limit is 8000 bytes; a little kept for the quoting
SPILL_KEEP_S = 60.0
RECONNECT_S = 1.0


class LiveBus:
    """Publish a message to every worker; `deliver` is called in the event loop for every message."""

    async def start(self, deliver: Deliver) -> None:
        raise NotImplementedError

    async def publish(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        pass


class MemoryBus(LiveBus):
    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, message: dict[str, Any]) -> None:
        if self._deliver is not None:
            self._deliver(message)


def encode(text: str) -> str | None:
    """The NOTIFY payload for `text`, or None when even compressed it is too large (then it is spilled)."""
    if len(text.encode("utf-8")) <= NOTIFY_LIMIT and not text.startswith(("z:", "s:")):
        return text
    packed = "z:" + base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")
    return packed if len(packed) <= NOTIFY_LIMIT else None


def decode(payload: str) -> str:
    if payload.startswith("z:"):
        return zlib.decompress(base64.b64decode(payload[2:])).decode("utf-8")
    return payload


class PostgresBus(LiveBus):
    def __init__(self, url: str) -> None:
        self.url = url
        self.channel = CHANNEL
        self._pub: Any = None
        self._pub_lock = asyncio.Lock()
        self._listener: asyncio.Task | None = None
        self._deliver: Deliver | None = None
        self._listening = asyncio.Event()

    async def _connect(self):
        import psycopg
        return await psycopg.AsyncConnection.connect(self.url, autocommit=True)

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._pub = await self._connect()
        cur = await self._pub.execute("SELECT current_schema()")
        schema = (await cur.fetchone())[0]
        if schema and schema != "public":
            self.channel = f"{CHANNEL}_{re.sub(r'[^a-z0-9_]', '_', schema.lower())}"[:63]
        try:
            await self._pub.execute("CREATE TABLE IF NOT EXISTS live_spill (spill_id BIGSERIAL PRIMARY KEY, "
                                    "at DOUBLE PRECISION NOT NULL, payload TEXT NOT NULL)")
        except Exception as exc:  # two workers starting at once: one of them created it
            import psycopg
            if not isinstance(exc, psycopg.errors.UniqueViolation | psycopg.errors.DuplicateTable):
                raise
        self._listener = asyncio.create_task(self._listen(), name="live-bus-listen")
        await asyncio.wait_for(self._listening.wait(), 10)

    async def _listen(self) -> None:
        while True:
            conn = None
            try:
                conn = await self._connect()
                await conn.execute(f'LISTEN "{self.channel}"')
                self._listening.set()
                async for note in conn.notifies():
                    await self._received(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server restarted or the network dropped: listen again
                log.warning("live bus: LISTEN connection lost (%s); again in %.0f s", exc, RECONNECT_S)
                await asyncio.sleep(RECONNECT_S)
            finally:
                if conn is not None:
                    try:
                        await conn.close()
                    except Exception:
                        pass

    async def _received(self, payload: str) -> None:
        try:
            if payload.startswith("s:"):
                async with self._pub_lock:
                    cur = await self._pub.execute("SELECT payload FROM live_spill WHERE spill_id = %s",
                                                  [int(payload[2:])])
                    row = await cur.fetchone()
                if row is None:
                    log.warning("live bus: spilled message %s is gone", payload)
                    return
                payload = row[0]
            message = json.loads(decode(payload))
        except Exception as exc:
            log.warning("live bus: unreadable notification skipped (%s)", exc)
            return
        if self._deliver is not None:
            self._deliver(message)

    async def publish(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        payload = encode(text)
        async with self._pub_lock:
            try:
                await self._notify(text, payload)
            except Exception as exc:  # one reconnect, then the message is lost (the next heartbeat repeats it)
                log.warning("live bus: NOTIFY failed (%s); reconnecting", exc)
                try:
                    await self._pub.close()
                except Exception:
                    pass
                self._pub = await self._connect()
                await self._notify(text, payload)

    async def _notify(self, text: str, payload: str | None) -> None:
        if payload is None:
            now = time.time()
            await self._pub.execute("DELETE FROM live_spill WHERE at < %s", [now - SPILL_KEEP_S])
            cur = await self._pub.execute("INSERT INTO live_spill (at, payload) VALUES (%s, %s) RETURNING spill_id",
                                          [now, text])
            payload = f"s:{(await cur.fetchone())[0]}"
        await self._pub.execute("SELECT pg_notify(%s, %s)", [self.channel, payload])

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except BaseException:
                pass
        if self._pub is not None:
            await self._pub.close()


def bus_for(db_url: str) -> LiveBus:
    return PostgresBus(db_url) if db_url.startswith(("postgresql://", "postgres://")) else MemoryBus()
