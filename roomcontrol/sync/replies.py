"""Reading the hub's answers to the pusher: the JSON body (whatever came back), a refusal as the failure the
room shows (naming the events it blocks), an unreachable hub's reason in a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roomcontrol.sync import status as S
from roomcontrol.sync.push_result import PushFailed

if TYPE_CHECKING:
    import httpx


def json_body(response: httpx.Response) -> dict:
    """The answer's JSON object; {} for anything else (an HTML error page of a proxy, a list, nothing)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def refusal(response: httpx.Response, body: dict, events: list[tuple] | None = None) -> PushFailed:
    """A non-200 answer: offline for the hub's own errors (5xx), refused otherwise."""
    error, detail = body.get("error", ""), body.get("detail") or response.text[:300]
    state = S.OFFLINE if response.status_code >= 500 else S.REFUSED
    # A refusal for content (an older hub without quarantine) blocks everything after it: name the events.
    what = f" to events {events[0][0]}–{events[-1][0]}" if events and state == S.REFUSED else ""
    return PushFailed(state, f"the hub answered {response.status_code}{f' ({error})' if error else ''}{what}: "
                             f"{detail}")


def unreachable_reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"
