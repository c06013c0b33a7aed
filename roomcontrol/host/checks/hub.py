"""The hub (reachable, this room's token accepted by an empty batch, as the pusher checks its head) and this PC's
clock against the hub's Date header."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

from roomcontrol.config import RoomConfig
from roomcontrol.host.checks.result import FAIL, OK, WARN, Check

CLOCK_WARN_S = 2.0    # a timestamp in the record a few seconds off is already visible next to the monitor's own
CLOCK_FAIL_S = 60.0   # a minute off puts events in the wrong minute of the chart
HUB_TIMEOUT_S = 5.0


def classify_offset(offset_s: float, uncertainty_s: float = 0.0) -> str:
    """OK within CLOCK_WARN_S, FAIL from CLOCK_FAIL_S; the measurement's uncertainty is given the benefit of
    the doubt (a Date header has whole seconds)."""
    off = max(0.0, abs(offset_s) - uncertainty_s)
    return FAIL if off >= CLOCK_FAIL_S else WARN if off > CLOCK_WARN_S else OK


def clock_check(offset_s: float, uncertainty_s: float) -> Check:
    status = classify_offset(offset_s, uncertainty_s)
    way = "behind" if offset_s > 0 else "ahead of"
    text = f"this PC's clock is {abs(offset_s):.1f} s {way} the hub's (±{uncertainty_s:.1f} s)"
    fix = "" if status == OK else ("turn on time synchronisation against the clinic's time server "
                                   "(Linux: timedatectl set-ntp true; Windows: Settings › Time › Sync now)")
    return Check("clock", status, text, fix)


def hub_offset(date_header: str, sent: float, received: float) -> tuple[float, float]:
    """(hub − this PC in seconds, its uncertainty) from an HTTP Date header (RFC 9110 §6.6.1: whole seconds,
    the time the answer was made) and the wall-clock times the request left and its answer came."""
    hub = parsedate_to_datetime(date_header).timestamp() + 0.5  # the true time lies in [Date, Date + 1 s)
    return hub - (sent + received) / 2, 0.5 + (received - sent) / 2


def check_hub_and_clock(config: RoomConfig, timeout_s: float = HUB_TIMEOUT_S) -> list[Check]:
    import httpx

    from roomcontrol.sync import protocol as P
    sync = config.sync
    if not sync.enabled or not sync.hub_url:
        return [Check("hub", WARN, "sync is off: this room's log lives only on this PC",
                      "set [sync] enabled = true, hub_url and token in room.toml"),
                Check("clock", WARN, "not compared: no hub configured", "check the PC's time synchronisation")]
    url = sync.hub_url.rstrip("/")
    try:
        with httpx.Client(base_url=url, timeout=timeout_s) as client:
            sent = time.time()
            health = client.get(P.HEALTH_PATH)
            received = time.time()
            batch = client.post(P.BATCH_PATH.format(room_id=config.room_id), json={"events": [], "vitals": []},
                                headers={"Authorization": f"Bearer {sync.token}"})
    except httpx.HTTPError as exc:
        return [Check("hub", FAIL, f"cannot reach the hub at {url}: {str(exc) or type(exc).__name__}",
                      "check the network, the hub_url in room.toml and that the hub runs "
                      "(systemctl status roomcontrol-hub)"),
                Check("clock", WARN, "not compared: the hub is out of reach", "check the PC's time synchronisation")]
    checks = []
    if health.status_code != 200:
        checks.append(Check("hub", FAIL, f"{url} answered {health.status_code} to {P.HEALTH_PATH}: not a "
                                         "RoomControl hub?", "check hub_url in room.toml"))
    elif batch.status_code == 401:
        checks.append(Check("hub", FAIL, f"the hub at {url} refused this room's token "
                                         f"({_detail(batch)})",
                            f"on the hub run `roomcontrol hub add-room {config.room_id}` and put the token it "
                            "prints in room.toml [sync] token"))
    elif batch.status_code != 200:
        checks.append(Check("hub", FAIL, f"the hub at {url} refused an empty batch: {batch.status_code} "
                                         f"{_detail(batch)}", "compare the hub's and the room's versions"))
    else:
        info = health.json()
        checks.append(Check("hub", OK, f"{url} reachable ({(received - sent) * 1000:.0f} ms), token accepted "
                                       f"(hub {info.get('version', '?')} on {info.get('database', '?')})"))
    date = health.headers.get("date")
    if date:
        checks.append(clock_check(*hub_offset(date, sent, received)))
    else:
        checks.append(Check("clock", WARN, "not compared: the hub's answer has no Date header",
                            "check the PC's time synchronisation"))
    return checks


def _detail(response) -> str:
    try:
        body = response.json()
        return str(body.get("detail") or body.get("error") or body)[:200]
    except ValueError:
        return response.text[:200]
