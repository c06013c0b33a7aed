"""The room's live channel against a REAL WebSocket server started here, playing the hub's part of
docs/STATION.md: it checks the room token on the upgrade, receives states, sends acts and reads act_results.
The room is a real engine (its own thread, a fake clock) wired by engine/live_link as the runtime wires it."""

from __future__ import annotations

import json
import queue
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest
from websockets.sync.server import ServerConnection, serve

from roomcontrol.clock import FakeClock
from roomcontrol.cli.staff import add_staff
from roomcontrol.config import RoomConfig
from roomcontrol.config.room import StationConfig, SyncConfig
from roomcontrol.domain.vitals import Health, HealthChange
from roomcontrol.engine.live_link import start_live
from roomcontrol.engine.room import Room
from roomcontrol.engine.staff import StaffGate
from roomcontrol.sync import live_client as L
from tests.core.helpers import walk_to

TOKEN = "room-2-token"
WAIT_S = 10.0  # how long a test waits for something that should come at once (a loaded CI machine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """The hub's side of the live channel, on a real socket: refuses a wrong token with 403 before accepting."""

    def __init__(self, port: int, room_id: str = "room-2", *, read: bool = True, ssl=None, close_code=None):
        self.port, self.room_id, self.read, self.close_code = port, room_id, read, close_code
        self.states: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.closes: queue.Queue = queue.Queue()
        self.conn: ServerConnection | None = None
        self.refused = 0
        self.stopping = threading.Event()
        self.server = serve(self._handle, "127.0.0.1", port, process_request=self._check, ssl=ssl)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _check(self, conn, request):
        path_ok = request.path == f"/api/v1/rooms/{self.room_id}/live"
        if request.headers.get("Authorization") != f"Bearer {TOKEN}" or not path_ok:
            self.refused += 1
            return conn.respond(403, "not this room's token\n")
        return None

    def _handle(self, conn: ServerConnection) -> None:
        self.conn = conn
        if self.close_code is not None:  # refuses after accepting (docs/STATION.md: close code 4401)
            conn.close(self.close_code, "not this room's token")
            return
        if not self.read:  # a hub that hangs: never reads what the room sends
            self.stopping.wait(30)
            return
        try:
            for message in conn:
                msg = json.loads(message)
                (self.states if msg["type"] == "state" else self.results).put(msg)
        finally:
            self.closes.put((conn.close_code, conn.close_reason))

    def act(self, act_id: str, command: str, staff_id: str = "ann", **args) -> None:
        self.conn.send(json.dumps({"type": "act", "act_id": act_id, "command": command, "args": args,
                                   "staff_id": staff_id, "staff_name": "Ann Lee"}))

    def next_state(self, where=lambda s: True, timeout: float = WAIT_S) -> dict:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                state = self.states.get(timeout=left)
            except queue.Empty:
                break
            if where(state):
                return state
        raise AssertionError("no such state arrived")

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.thread.join(5)


def wait_for(predicate, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def config(port: int, token: str = TOKEN, scheme: str = "http", **station) -> RoomConfig:
    return RoomConfig(room_id="room-2", room_name="Room 2",
                      sync=SyncConfig(enabled=True, hub_url=f"{scheme}://127.0.0.1:{port}", token=token),
                      station=StationConfig(enabled=True, **station))


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def make(tmp_path):
    """A started room in infusion (engine thread, fake clock) with its live channel to `port`."""
    made = []

    def build(port: int, token: str = TOKEN, scheme: str = "http", **kwargs):
        data_dir = tmp_path / f"room{len(made)}"
        data_dir.mkdir()
        add_staff(data_dir, "ann", "Ann Lee", "nurse", "2468")
        room = Room(config(port, token, scheme), data_dir, FakeClock())
        walk_to(room, "infusing")
        gate = StaffGate(room)
        kwargs = {"backoff_base_s": 0.1, "backoff_max_s": 0.4, **kwargs}
        live = start_live(room, room.config, None, **kwargs)
        room.start(partial=True)  # no devices here
        made.append((room, live))
        return room, live, gate

    yield build
    for room, live in made:
        room.close()
        live.stop(timeout_s=3)


def test_the_token_goes_in_the_authorization_header_and_a_wrong_one_is_not_reached(port, make):
    hub = Hub(port)
    try:
        _, live, _ = make(port, token="someone-elses")
        wait_for(lambda: live.down)
        assert live.status == "station not reached: the hub refused this room's token (HTTP 403)"
        assert hub.refused >= 1 and hub.states.empty()
    finally:
        hub.stop()


def test_a_token_refused_after_the_upgrade_is_backed_off_not_hammered(port, make):
    hub = Hub(port, close_code=4401)
    try:
        _, live, _ = make(port)
        wait_for(lambda: len(live.waits) >= 3)
        assert live.status == "station not reached: the hub refused this room's token"
        assert live.waits[2] >= 0.2  # 0.1 s doubling (jitter only shortening): growing, as for an unreachable hub
    finally:
        hub.stop()


def test_a_state_at_once_then_a_heartbeat_every_second(port, make):
    hub = Hub(port)
    try:
        room, live, _ = make(port)
        first = hub.next_state()
        assert live.status == L.CONNECTED
        assert first["type"] == "state" and first["room_id"] == "room-2" and first["phase"] == "infusing"
        assert first["session"]["patient"] == "P."  # PT-7, shown as initials by default
        arrivals = [time.monotonic()]
        for _ in range(3):  # nothing changes in substance: the heartbeat alone
            hub.next_state()
            arrivals.append(time.monotonic())
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
        # HEARTBEAT_S = 1 s, and the engine's 1 s tick offers a new snapshot: never a gap the station would
        # notice (it greys a room after 4 s). Generous for a loaded machine, still catching a lost heartbeat.
        assert max(gaps) < 2.5, gaps
    finally:
        hub.stop()


def test_an_alarm_is_sent_at_once_not_at_the_next_heartbeat(port, make):
    hub = Hub(port)
    try:
        room, live, _ = make(port, heartbeat_s=60.0)  # a heartbeat far away: only a change sends now
        hub.next_state()
        room.post_health(HealthChange("vitals", Health.LOST, room.clock.now()))
        state = hub.next_state(lambda s: s["alarms"])
        assert state["alarms"][0]["condition"] == "vitals.lost"
        assert state["alarms"][0]["text"] == "Monitor connection lost" and state["alarms"][0]["technical"]
        assert state["devices"]["vitals"] == "lost"
    finally:
        hub.stop()


def test_an_act_from_the_station_is_answered_and_a_new_state_follows(port, make):
    hub = Hub(port)
    try:
        room, live, gate = make(port, heartbeat_s=60.0)
        room.post_health(HealthChange("vitals", Health.LOST, room.clock.now()))
        alarm = hub.next_state(lambda s: s["alarms"])["alarms"][0]
        hub.act("act-1", "acknowledge_alarm", alarm_id=alarm["alarm_id"])
        result = hub.results.get(timeout=WAIT_S)
        assert result == {"type": "act_result", "act_id": "act-1", "ok": True,
                          "detail": "Alarm acknowledged: Monitor connection lost — from the station"}
        after = hub.next_state(lambda s: s["alarms"] and s["alarms"][0]["acknowledged_by"])
        assert after["alarms"][0]["acknowledged_by"] == "ann"
        logged = [e for e in room.log.events() if e.kind == "alarm.acknowledged"]
        assert logged[0].actor == "ann" and logged[0].payload["via"] == "station" and gate.signed_in is None
        hub.act("act-2", "pause_alarm_audio")
        refused = hub.results.get(timeout=WAIT_S)
        assert refused["act_id"] == "act-2" and refused["ok"] is False
        assert "cannot be sent from the station" in refused["detail"]
        hub.conn.send("not json")  # counted and skipped; the channel goes on
        hub.conn.send(json.dumps({"type": "act", "command": "answer_call"}))  # no act_id: nothing to answer
        hub.act("act-3", "answer_call")
        assert hub.results.get(timeout=WAIT_S) == {"type": "act_result", "act_id": "act-3", "ok": False,
                                                   "detail": "no call from the patient is waiting to be answered"}
        assert live.garbled == 2 and live.status == L.CONNECTED
    finally:
        hub.stop()


def test_reconnects_after_the_hub_goes_away_and_shows_not_reached_meanwhile(port, make):
    hub = Hub(port)
    room, live, _ = make(port)
    hub.next_state()
    hub.stop()  # closes the socket (1001) and stops listening
    wait_for(lambda: live.down)
    assert live.status.startswith("station not reached: ")
    wait_for(lambda: len(live.waits) >= 2)  # it keeps trying, backing off
    room.post_health(HealthChange("vitals", Health.LOST, room.clock.now()))  # meanwhile the room alarms
    back = Hub(port)
    try:
        state = back.next_state(lambda s: s["alarms"])  # the state as it is now, at once on reconnecting
        assert state["alarms"][0]["condition"] == "vitals.lost"
        wait_for(lambda: live.status == L.CONNECTED)
        assert live.connects == 2
        assert all(w <= 0.4 for w in live.waits)  # the back-off's cap holds, jitter only shortens
    finally:
        back.stop()


def test_closing_sends_a_last_state_and_says_the_room_is_closing(port, make):
    hub = Hub(port)
    try:
        room, live, _ = make(port)
        hub.next_state()
        live.stop(timeout_s=3)
        assert hub.closes.get(timeout=WAIT_S) == (1001, "room closing")
    finally:
        hub.stop()


def test_a_hanging_hub_never_stops_the_room_from_logging(port, make):
    """Two ways of hanging: a listener that never answers the upgrade, and a hub that accepts and then never
    reads. The engine logs on, every command answered, while the channel waits or reports it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", port))
    silent.listen(8)  # the TCP handshake completes in the kernel; nobody ever answers the upgrade
    try:
        room, live, _ = make(port, open_timeout_s=0.5)
        started = time.monotonic()
        for n in range(200):
            room.submit("add_note", "system", text=f"note {n}").result(WAIT_S)
        assert time.monotonic() - started < WAIT_S
        wait_for(lambda: live.down)
        assert live.status == "station not reached: no answer from the hub in time"
    finally:
        silent.close()
    port2 = free_port()
    hub = Hub(port2, read=False)
    try:
        room2, _, _ = make(port2)
        wait_for(lambda: hub.conn is not None)
        started = time.monotonic()
        for n in range(300):  # every command offers a snapshot; the channel keeps only the newest
            room2.submit("add_note", "system", text="x" * 2000).result(WAIT_S)
        assert time.monotonic() - started < WAIT_S
        assert len([e for e in room2.log.events() if e.kind == "note.added"]) == 300
    finally:
        hub.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_wss_with_the_pushers_trust_a_clinic_ca_file_or_refused(tmp_path, port, make):
    """https:// → wss://, trusted as the pusher trusts: a CA file (the hub's self-signed certificate) connects; the
    default trust (certifi) refuses that certificate, and the screen says why."""
    cert, key = tmp_path / "hub.crt", tmp_path / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hub",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    hub = Hub(port, ssl=context)
    try:
        _, trusted, _ = make(port, scheme="https", verify=str(cert))
        assert trusted.url.startswith("wss://127.0.0.1:")
        assert hub.next_state()["room_id"] == "room-2"
        assert trusted.status == L.CONNECTED
        _, default, _ = make(port, scheme="https")
        wait_for(lambda: default.down)
        assert "CERTIFICATE_VERIFY_FAILED" in default.status
    finally:
        hub.stop()


def test_disabled_and_url_rules():
    off = L.LiveClient("", "room-1", "", lambda s: {}, lambda s: None).start()
    assert off.status == L.DISABLED and not off.down
    off.stop()
    assert L.live_url("https://hub.clinic.local:8443/", "room-2") == "wss://hub.clinic.local:8443/api/v1/rooms/room-2/live"
    assert L.live_url("http://127.0.0.1:8000", "r") == "ws://127.0.0.1:8000/api/v1/rooms/r/live"
    with pytest.raises(ValueError, match="http:// or https://"):
        L.live_url("ftp://x", "r")
