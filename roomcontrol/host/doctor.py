"""`roomcontrol doctor`: what an installer checks before leaving a room PC, as a list of Check results.

Each check says OK, WARN or FAIL, what it found and what to do. Nothing here changes the room: the serial
monitors are only listened to (the probe of `roomcontrol probe vitals`, bounded), output-only devices (light,
diffuser) are only opened, the database is opened read-only, the hub gets an empty batch (as the room's pusher
sends to check its head) and the sleep inhibit is taken and given back at once. The backup folder gets a
temporary file (written and removed) to prove it is writable. The live channel is probed with one idle `state`
only while the room app is not running: the hub keeps the newest connection per room, so a probe beside a
running room would replace (kick) the room's own channel.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable

from roomcontrol.config import RoomConfig

OK, WARN, FAIL = "OK", "WARN", "FAIL"
EXIT = {OK: 0, WARN: 1, FAIL: 2}

# Disk: bytes one clinic day adds to room.db while the database cannot tell yet (no day of sessions in it).
# Measured: scenarios/standard-session.toml (check-in to discharge, 77 min, simulated monitor with EtCO2/RR)
# made a 2.56 MB room.db: 11,594 vitals rows (six numerics every 2 s) and 29 events. A monitor sending every
# second doubles the rows (numerics are stored at most once a second per kind): ~5 MB a session, 8 a day.
SESSION_BYTES = 5_000_000
SESSIONS_PER_DAY = 8
DAY_ESTIMATE_BYTES = SESSION_BYTES * SESSIONS_PER_DAY

CLOCK_WARN_S = 2.0    # a timestamp in the record a few seconds off is already visible next to the monitor's own
CLOCK_FAIL_S = 60.0   # a minute off puts events in the wrong minute of the chart
HUB_TIMEOUT_S = 5.0
BACKUP_STALE_S = 2 * 86400 + 6 * 3600  # a nightly backup missed twice (with slack for the hour it runs at)
MIN_SCREEN = (1024, 600)  # logical pixels the room screen's layout needs (designed at 1280×800)


@dataclass(frozen=True)
class Check:
    name: str
    status: str          # OK | WARN | FAIL
    message: str
    fix: str = ""        # what to do (empty when OK)

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name}: {self.message}"
        return text + (f"\n      → {self.fix}" if self.fix else "")


def exit_code(checks: list[Check]) -> int:
    return max((EXIT[c.status] for c in checks), default=0)


def to_json(checks: list[Check]) -> str:
    return json.dumps({"exit_code": exit_code(checks), "checks": [asdict(c) for c in checks]}, indent=2,
                      ensure_ascii=False)


def run_checks(config: RoomConfig, data_dir: Path, *, probe_s: float = 3.0, headless: bool = False,
               display: Callable[[], dict | None] | None = None, disk_warn_days: float = 365.0,
               disk_fail_days: float = 30.0, inhibit: dict[str, Any] | None = None) -> list[Check]:
    """Every check, in the order an installer walks the room. `display` returns the Qt screen facts (the ui
    layer's) or None when there is no display; `inhibit` passes bus addresses to the sleep probe (tests)."""
    checks = check_devices(config, probe_s)
    checks.append(check_sound(config))
    checks.append(check_display(None if headless or display is None else display(), headless))
    checks.append(check_disk(data_dir, disk_warn_days, disk_fail_days))
    checks.append(check_database(data_dir, config.room_id))
    checks.append(check_backup(config, data_dir))
    checks.extend(check_hub_and_clock(config))
    station = check_station(config, data_dir)
    if station is not None:
        checks.append(station)
    checks.append(check_sleep(inhibit or {}))
    return checks


# -- devices ----------------------------------------------------------------------------------------------------
def check_devices(config: RoomConfig, probe_s: float) -> list[Check]:
    from roomcontrol.devices.errors import DeviceOpenError
    from roomcontrol.devices.serial_transport import check_serial_open
    out = []
    for kind, dev in config.devices.items():
        if kind == "audio":
            continue
        name = f"{kind} ({dev.driver})"
        if dev.driver == "simulated":
            if kind == "vitals":
                out.append(Check(name, WARN, "simulated: no monitor is configured",
                                 "set [devices.vitals] driver and url in room.toml (see room.example.toml)"))
            else:
                out.append(Check(name, OK, "simulated (none installed)"))
            continue
        try:
            if kind == "vitals":
                out.append(_probe_monitor(name, dev, probe_s))
                continue
            check_serial_open(dev.url, int(dev.options.get("baudrate", 9600)))
            out.append(Check(name, OK, f"port {dev.url} opens (output only: doctor sends it nothing; "
                                       f"`roomcontrol probe {'light' if kind == 'lighting' else kind}` drives it)"))
        except DeviceOpenError as exc:
            out.append(Check(name, FAIL, f"{kind} port {dev.url} cannot be opened: {exc}",
                             "check the cable and the port name (`roomcontrol ports` lists this PC's ports); "
                             "stop the room app first, it holds its ports"))
    return out


def _probe_monitor(name: str, dev, probe_s: float) -> Check:
    """Listen to the monitor with the configured driver for `probe_s` and say what it sent."""
    from roomcontrol.devices.vitals import probe_vitals
    sink = io.StringIO()
    counters = probe_vitals(dev.driver, dev.url, probe_s, sink, **dev.options)
    lines = [json.loads(line) for line in sink.getvalue().splitlines() if line.strip()]
    readings = [d for d in lines if "kind" in d and "value" in d]
    if not readings:
        heard = f" (driver counters: {_short(counters)})" if counters else ""
        return Check(name, WARN, f"{dev.url} opens but no reading came in {probe_s:g} s{heard}",
                     "is the monitor on, its cable in and its serial output set to the configured format?")
    latest: dict[str, str] = {}
    for r in readings:
        latest[r["kind"]] = f"{r['value']:g}" if isinstance(r["value"], (int, float)) else str(r["value"])
    shown = ", ".join(f"{k} {v}" for k, v in list(latest.items())[:5])
    return Check(name, OK, f"{dev.url}: {len(readings)} readings in {probe_s:g} s ({shown})")


def _short(counters: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counters.items() if v)[:200]


# -- sound, display ----------------------------------------------------------------------------------------------
def check_sound(config: RoomConfig) -> Check:
    dev = config.devices["audio"]
    if dev.driver == "none":
        return Check("sound", WARN, "no sound configured ([devices.audio] driver = \"none\"): alarm tones are silent",
                     "set [devices.audio] driver = \"pygame\" and connect speakers")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    try:
        pygame.mixer.init()
        freq, _, channels = pygame.mixer.get_init()
    except pygame.error as exc:
        return Check("sound", FAIL, f"no sound output ({str(exc).strip()}): alarm tones would be silent",
                     "connect speakers or a sound card and check the PC's default output device")
    finally:
        pygame.mixer.quit()
    driver = os.environ.get("SDL_AUDIODRIVER") or "the system default"
    return Check("sound", OK, f"output opens: {freq} Hz, {channels} channels ({driver})")


def check_display(facts: dict | None, headless: bool) -> Check:
    """`facts`: {"platform": Qt platform, "screens": [{"name", "width", "height", "scale"}]} (logical pixels).
    Without a display a headless room is fine (OK, --headless); a room app needs one (WARN)."""
    if headless:
        return Check("display", OK, "not needed (--headless: the room runs without a screen)")
    if facts is None:
        return Check("display", WARN, "no display (DISPLAY/WAYLAND_DISPLAY unset): the screen was not checked",
                     "run doctor from the room's desktop session (or --headless for a room without a screen)")
    if facts["platform"] in ("offscreen", "minimal") or not facts["screens"]:
        return Check("display", WARN, f"no real display (Qt platform {facts['platform']})",
                     "run doctor from the room's desktop session")
    screens = facts["screens"]
    main = screens[0]
    w, h, scale = main["width"], main["height"], main["scale"]
    text = (f"{main['name']}: {round(w * scale)}×{round(h * scale)} px at scale {scale:g} ({w}×{h} logical)"
            + (f", {len(screens)} screens" if len(screens) > 1 else ""))
    if w < MIN_SCREEN[0] or h < MIN_SCREEN[1]:
        return Check("display", WARN, text + f": smaller than the {MIN_SCREEN[0]}×{MIN_SCREEN[1]} the room needs",
                     "lower the display scale or use a larger screen")
    return Check("display", OK, text)


# -- disk and database -------------------------------------------------------------------------------------------
def _existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def bytes_per_day(data_dir: Path) -> tuple[float, str]:
    """What a clinic day adds to the database: measured from the database (its size over the days with events)
    once it holds a day, else DAY_ESTIMATE_BYTES."""
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    path = database.db_path(data_dir)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    if size:
        try:
            db = database.open_room_db(data_dir, readonly=True)
            try:
                days, sessions = database.log_extent(db)
            finally:
                db.conn.close()
        except (StoreError, OSError):
            days = sessions = 0
        if days >= 1 and sessions >= 1:
            # A commissioning day rarely has a full day's sessions: count at least SESSIONS_PER_DAY a day.
            per_session = size / sessions
            per_day = max(size / days, per_session * SESSIONS_PER_DAY)
            return per_day, (f"measured: {per_session / 1e6:.1f} MB a session over {_n(sessions, 'session')}; "
                             f"{per_day / 1e6:.0f} MB a day at {SESSIONS_PER_DAY} or more sessions a day")
    return float(DAY_ESTIMATE_BYTES), (f"estimated: {SESSIONS_PER_DAY} sessions of ~{SESSION_BYTES / 1e6:.1f} MB "
                                       "a day")


def check_disk(data_dir: Path, warn_days: float, fail_days: float) -> Check:
    free = shutil.disk_usage(_existing(data_dir)).free
    per_day, how = bytes_per_day(data_dir)
    days = free / per_day
    text = f"{free / 1e9:.1f} GB free at {_existing(data_dir)}: ~{days:,.0f} days of logging ({how})"
    if days < fail_days:
        return Check("disk", FAIL, text + f", under {fail_days:g} days", "free disk space or move the data "
                     "directory (--data-dir) to a larger disk before the room runs out")
    if days < warn_days:
        return Check("disk", WARN, text + f", under {warn_days:g} days", "plan more disk space")
    return Check("disk", OK, text)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_database(data_dir: Path, room_id: str | None = None) -> Check:
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    from roomcontrol.store.eventlog import verify_chain
    path = database.db_path(data_dir)
    if not path.exists():
        return Check("database", WARN, f"no database yet at {path}",
                     "start the room once (`roomcontrol run`); it makes the database")
    try:
        db = database.open_room_db(data_dir, readonly=True)
    except StoreError as exc:
        return Check("database", FAIL, str(exc), "start the room once to migrate it, or call support")
    try:
        owner = database.room_of(db)
        if room_id is not None and owner is not None and owner != room_id:
            return Check("database", FAIL, f"{path} belongs to room {owner!r}, room.toml says {room_id!r}: the "
                                           "room will refuse to start", "fix [room] id in room.toml, or give this "
                                           "room its own --data-dir")
        integrity = database.quick_check(db)
        if integrity != "ok":
            return Check("database", FAIL, f"{path} is damaged (quick_check: {integrity[:200]})",
                         "stop the room, copy room.db aside and call support; the hub holds what was synced")
        chain = verify_chain(db)
        if not chain.ok:
            return Check("database", FAIL, f"the hash chain breaks at seq {chain.first_bad_seq}: {chain.reason}",
                         "keep the database as it is (it is evidence) and call support")
        days, sessions = database.log_extent(db)
    finally:
        db.conn.close()
    return Check("database", OK, f"{path}: quick_check ok, the chain holds over {chain.checked} events "
                                 f"({_n(sessions, 'session')} on {_n(days, 'day')})")


# -- hub and clock -----------------------------------------------------------------------------------------------
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


# -- backup ------------------------------------------------------------------------------------------------------
def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, seconds) / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _last_backup_events(data_dir: Path) -> tuple[Any, Any]:
    """The room log's latest backup.made and backup.failed events (None each when absent or no database)."""
    from roomcontrol.domain import kinds as K
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    from roomcontrol.store.eventlog import read_events
    if not database.db_path(data_dir).exists():
        return None, None
    try:
        db = database.open_room_db(data_dir, readonly=True)
    except StoreError:
        return None, None  # the database check says what is wrong with it
    try:
        made, failed = (next(read_events(db, kinds=[kind], descending=True, limit=1), None)
                        for kind in (K.BACKUP_MADE, K.BACKUP_FAILED))
        return made, failed
    finally:
        db.conn.close()


def _newest_backup(folder: Path, room_id: str) -> tuple[Path, datetime, int] | None:
    """This room's newest complete backup in `folder` (its manifest's made_at and bytes), or None."""
    from roomcontrol.store.backup import backups
    found = backups(folder, f"roomcontrol-{room_id}-")
    if not found:
        return None
    newest = found[-1]
    try:
        manifest = json.loads(newest.with_suffix(".json").read_text(encoding="utf-8"))
        made = datetime.fromisoformat(manifest["made_at"].replace("Z", "+00:00"))
        size = int(manifest["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        stat = newest.stat()  # a manifest we cannot read: the file's own time and size
        made, size = datetime.fromtimestamp(stat.st_mtime, timezone.utc), stat.st_size
    return newest, made, size


def _writable(folder: Path) -> str | None:
    """None when a file can be created in `folder` (a real write: a share's permissions lie to os.access)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".roomcontrol-doctor-", suffix=".tmp") as fh:
            fh.write(b"doctor")
            fh.flush()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_backup(config: RoomConfig, data_dir: Path, now: datetime | None = None) -> Check:
    """[backup]: the folder, the last outcome (the room log's backup.made / backup.failed and the folder's
    manifests), the newest backup's age and whether the disk holds `keep` more of today's size."""
    from roomcontrol.store import database
    backup = config.backup
    if not backup.enabled:
        return Check("backup", WARN, "no nightly backup: the room's log lives only on this disk",
                     "set [backup] dir = ... on a second disk or share in room.toml")
    folder = Path(backup.dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        return Check("backup", FAIL, f"the backup folder {folder} {what}",
                     "create it, mount the second disk or share there, or fix [backup] dir in room.toml")
    denied = _writable(folder)
    if denied:
        return Check("backup", FAIL, f"the backup folder {folder} is not writable ({denied})",
                     f"give the user running the room write access to {folder}")
    now = now or datetime.now(timezone.utc)
    made_event, failed_event = _last_backup_events(data_dir)
    newest = _newest_backup(folder, config.room_id)
    last_success = max([t for t in (made_event and made_event.ts, newest and newest[1]) if t], default=None)
    if failed_event is not None and (last_success is None or failed_event.ts > last_success):
        return Check("backup", FAIL, f"the last backup failed {_age((now - failed_event.ts).total_seconds())} "
                                     f"ago: {failed_event.payload.get('reason', '?')}",
                     f"fix what it says; then `roomcontrol backup --to {folder}` makes one now")
    if newest is None:
        return Check("backup", WARN, f"no backup of {config.room_id} in {folder} yet (the nightly one runs at "
                                     f"{backup.at}, or at the room app's next start)",
                     f"make the first one now: `roomcontrol backup --to {folder}`")
    path, made, size = newest
    age_s = (now - made).total_seconds()
    text = f"newest {path.name}, {_age(age_s)} old, {size / 1e6:.1f} MB"
    if age_s > BACKUP_STALE_S:
        return Check("backup", WARN, f"the newest backup is {_age(age_s)} old ({path.name} in {folder})",
                     "is the room app running at night? `roomcontrol backup --to DIR` makes one now")
    db = database.db_path(data_dir)
    today = max([size] + [p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()])
    free = shutil.disk_usage(folder).free
    room = f"{free / 1e9:.1f} GB free there"
    if free < backup.keep * today:
        return Check("backup", WARN, f"{text}; {room}, less than {backup.keep} backups of {today / 1e6:.1f} MB "
                                     f"([backup] keep)", "free space on the backup disk or lower [backup] keep")
    return Check("backup", OK, f"{text}; {room}, room for {free // max(today, 1):,} more")


# -- station (the live channel) ----------------------------------------------------------------------------------
def idle_state(config: RoomConfig) -> dict[str, Any]:
    """The `state` an idle room sends (built by the room's own live_state from an idle snapshot)."""
    from roomcontrol.engine.live_state import live_state
    from roomcontrol.engine.snapshot import RoomSnapshot
    snap = RoomSnapshot(config.room_id, config.room_name, datetime.now(timezone.utc), "idle", None, 0)
    return live_state(snap, show_patient=config.station.show_patient)


def room_app_running(data_dir: Path) -> bool | None:
    """Whether something holds the room database open (the room app does while it runs); None: cannot tell."""
    from roomcontrol.store import database
    from roomcontrol.store.backup import database_in_use
    from roomcontrol.store.errors import StoreError
    try:
        return database_in_use(database.db_path(data_dir))
    except StoreError:
        return None


def check_station(config: RoomConfig, data_dir: Path, timeout_s: float = HUB_TIMEOUT_S) -> Check | None:
    """Open the live channel with the room token, send one idle `state`, close with 1000. Not while the room app
    runs: the hub keeps the newest socket per room, so the probe would replace the running room's own channel."""
    if not config.station.enabled:
        return None
    from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    from roomcontrol import __version__
    from roomcontrol.sync.live_client import UNAUTHORIZED_CLOSE, live_url, tls_context
    url = live_url(config.sync.hub_url, config.room_id)
    running = room_app_running(data_dir)
    if running is not False:
        why = "the room app is running (it holds the room database)" if running else \
            "cannot tell whether the room app runs"
        return Check("station", WARN, f"live channel not probed: {why}; a second connection would replace the "
                                      "room's own at the hub", "close the room app and run doctor again (the room "
                                      "screen shows \"station not reached\" when its channel is down)")
    refused = Check("station", FAIL, f"the hub refused this room's token on the live channel {url}",
                    f"on the hub run `roomcontrol hub add-room {config.room_id}` and put the token it prints in "
                    "room.toml [sync] token")
    try:
        with connect(url, ssl=tls_context(True) if url.startswith("wss://") else None, open_timeout=timeout_s,
                     close_timeout=1.0, compression=None,
                     additional_headers={"Authorization": f"Bearer {config.sync.token}"},
                     user_agent_header=f"roomcontrol/{__version__} doctor ({config.room_id})") as ws:
            ws.send(json.dumps(idle_state(config), separators=(",", ":")))
            ws.close(1000, "roomcontrol doctor")
    except InvalidStatus as exc:
        code = exc.response.status_code
        if code in (401, 403):
            return refused
        return Check("station", FAIL, f"{url} answered HTTP {code} to the live channel's upgrade: a hub without "
                                      "the live channel?", "update the hub to this RoomControl's version")
    except ConnectionClosed as exc:
        if exc.rcvd is not None and exc.rcvd.code == UNAUTHORIZED_CLOSE:
            return refused
        return Check("station", FAIL, f"the hub closed the live channel {url} ({exc})",
                     "compare the hub's and the room's versions")
    except (OSError, TimeoutError, WebSocketException) as exc:
        return Check("station", FAIL, f"cannot reach the hub's live channel at {url}: "
                                      f"{str(exc) or type(exc).__name__}",
                     "check the network, the hub_url in room.toml and that the hub runs (a proxy in between must "
                     "pass WebSocket upgrades)")
    return Check("station", OK, f"the hub's live channel accepts this room ({url})")


# -- sleep -------------------------------------------------------------------------------------------------------
def check_sleep(inhibit_kwargs: dict[str, Any]) -> Check:
    from roomcontrol.host.inhibit import probe
    state = probe(**inhibit_kwargs)
    if state.sleep_blocked:
        return Check("sleep", OK, state.describe())
    return Check("sleep", WARN, state.describe(),
                 "set the PC's power plan to never sleep nor blank the screen, or run the room in a desktop "
                 "session with D-Bus and systemd-logind")
