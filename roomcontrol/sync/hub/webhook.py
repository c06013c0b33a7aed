"""The escalation webhook (`hub serve --webhook URL`): one JSON POST per escalated alarm or call, for a pager or
messaging gateway. Sent in a task of its own with a short timeout and a few retries, logged; never blocks the
hub, and a webhook that stays down only costs log lines."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger("roomcontrol.hub.webhook")

TIMEOUT_S = 3.0
RETRIES = 3              # after the first try
BACKOFF_S = (0.5, 1.0, 2.0)


class Webhook:
    def __init__(self, url: str, timeout_s: float = TIMEOUT_S, retries: int = RETRIES) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"--webhook {url!r}: an http:// or https:// URL")
        self.url, self.retries = url, retries
        self._client = httpx.AsyncClient(timeout=timeout_s)
        self._tasks: set[asyncio.Task] = set()
        self.sent = 0
        self.failed = 0

    def post(self, payload: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._post(payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, payload: dict[str, Any]) -> None:
        for attempt in range(self.retries + 1):
            try:
                response = await self._client.post(self.url, json=payload)
                if response.status_code < 300:
                    self.sent += 1
                    log.info("webhook: %s %s of %s posted", payload.get("what"), payload.get("text"),
                             payload.get("room_id"))
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            log.warning("webhook %s: try %d of %d failed (%s)", self.url, attempt + 1, self.retries + 1, problem)
            if attempt < self.retries:
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
        self.failed += 1
        log.error("webhook %s: gave up on %s of %s", self.url, payload.get("what"), payload.get("room_id"))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self._client.aclose()
