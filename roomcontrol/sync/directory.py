"""The room's copy of the clinic's staff directory: fetched from the hub when online, kept for offline sign-in.

A small thread of its own (never the engine's or the screen's) asks `GET /api/v1/staff` with the room's token at
start and every INTERVAL_S while sync is enabled, with short timeouts. A copy whose `version` the room already
applied is skipped; a new one is handed to `apply` (the engine wiring writes it through the engine thread, the
single writer, and logs `staff.directory_updated` when something changed: roomcontrol.engine.sync_link). A copy
with one malformed account is refused whole (logged, the last copy stays), so a garbled answer can never disable
the clinic's nurses in this room. An unreachable hub changes nothing: the last copy keeps working.
"""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable


from roomcontrol import __version__
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.store.staff import HubAccount
from roomcontrol.sync import protocol as P

if TYPE_CHECKING:
    import httpx  # imported when the first copy is fetched: the room's window need not wait for it

log = logging.getLogger(__name__)

DIRECTORY_PATH = P.API + "/staff"
INTERVAL_S = 60.0
TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
STOP_TIMEOUT_S = 2.0
MAX_ACCOUNTS = 5000


class DirectoryError(Exception):
    """The directory could not be fetched or is not one the room can keep; the message says which and why."""


@dataclass(frozen=True)
class Directory:
    version: str | None
    accounts: list[HubAccount]


def parse_directory(body: Any) -> Directory:
    """The hub's answer as accounts the room can check PINs against. Raises DirectoryError naming the first
    problem (the whole copy is refused)."""
    if not isinstance(body, dict) or not isinstance(body.get("staff"), list):
        raise DirectoryError("the hub's staff directory is not {version, staff: [...]}")
    version = body.get("version")
    if version is not None and not isinstance(version, str):
        raise DirectoryError(f"the directory's version {version!r} is not text")
    if len(body["staff"]) > MAX_ACCOUNTS:
        raise DirectoryError(f"the directory lists {len(body['staff'])} accounts, more than {MAX_ACCOUNTS}")
    accounts, seen = [], set()
    for i, s in enumerate(body["staff"]):
        try:
            if not isinstance(s, dict):
                raise ValueError("not an object")
            staff_id = D.check_staff_id(s.get("staff_id"))  # type: ignore[arg-type]
            if staff_id in seen:
                raise ValueError(f"{staff_id!r} is listed twice")
            D.check_role(s.get("role"))  # type: ignore[arg-type]
            pin_hash, name, active, created = s.get("pin_hash"), s.get("name"), s.get("active"), s.get("created_at")
            if not isinstance(pin_hash, str):
                raise ValueError("no pin_hash (a reader token was configured instead of the room's?)")
            D.PinHash.decode(pin_hash)
            if not isinstance(name, str) or not name.strip() or len(name) > 80:
                raise ValueError("name must be 1–80 characters")
            if not isinstance(active, bool) or not isinstance(created, str):
                raise ValueError("active must be true/false and created_at a timestamp")
        except (Refused, ValueError, TypeError) as exc:
            raise DirectoryError(f"the directory's staff[{i}] is not usable: {exc}") from None
        seen.add(staff_id)
        accounts.append(HubAccount(staff_id, name, s["role"], pin_hash, active, created))
    return Directory(version, accounts)


class DirectoryFollower:
    """Fetch the hub's directory at start and every `interval_s`, and hand each new copy to `apply(directory)`
    (called on this thread; it returns once the copy is kept, or raises). `refresh()` fetches once, in the caller's
    thread: True when a new copy was applied."""

    def __init__(self, hub_url: str, token: str, apply: Callable[[Directory], object], *,
                 interval_s: float = INTERVAL_S, timeout_s: float = TIMEOUT_S, verify: bool | str = True,
                 transport: httpx.BaseTransport | None = None):
        self.url = hub_url.rstrip("/") + DIRECTORY_PATH
        self.token = token
        self.apply = apply
        self.interval_s = interval_s
        self.timeout = (timeout_s, min(CONNECT_TIMEOUT_S, timeout_s))
        self._verify = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self._transport = transport
        self.version: str | None = None   # the copy applied last (None: none yet in this run)
        self.last_error: str | None = None
        self._applied_once = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, config, apply: Callable[[Directory], object], **kwargs) -> "DirectoryFollower | None":
        """From a RoomConfig's [sync]; None when sync is off (a room without a hub keeps its local accounts)."""
        s = config.sync
        if not (s.enabled and s.hub_url and s.token):
            return None
        return cls(s.hub_url, s.token, apply, **kwargs)

    def fetch(self) -> Directory:
        import httpx
        try:
            timeout = httpx.Timeout(self.timeout[0], connect=self.timeout[1])
            with httpx.Client(timeout=timeout, verify=self._verify, transport=self._transport,
                              headers={"User-Agent": f"roomcontrol/{__version__}"}) as client:
                r = client.get(self.url, headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise DirectoryError(f"hub not reached ({type(exc).__name__}: {exc})") from None
        if r.status_code != 200:
            raise DirectoryError(f"the hub answered {r.status_code} to {DIRECTORY_PATH}: {r.text[:200]}")
        try:
            body = r.json()
        except ValueError:
            raise DirectoryError("the hub's staff directory is not JSON") from None
        return parse_directory(body)

    def refresh(self) -> bool:
        directory = self.fetch()
        if self._applied_once and directory.version == self.version or self._stopping.is_set():
            return False  # the copy the room holds (or the room is closing)
        self.apply(directory)
        self.version, self._applied_once = directory.version, True
        return True

    def start(self) -> "DirectoryFollower":
        self._thread = threading.Thread(target=self._loop, name="staff-directory", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)  # a request in flight ends by its own timeout; the thread is a daemon
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.refresh()
                if self.last_error:
                    log.info("staff directory: the hub answers again")
                self.last_error = None
            except Exception as exc:  # the thread must survive anything: the last copy keeps working
                message = str(exc) or type(exc).__name__
                if message != self.last_error:
                    log.warning("staff directory not updated (the last copy stays): %s", message)
                self.last_error = message
            self._stopping.wait(self.interval_s)
