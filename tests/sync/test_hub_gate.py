"""Issue #13, item 1, against a real hub process: a request without a valid token is refused before its body is
read (stalled uploads cost the hub no memory), a slow body times out, and the connections are bounded."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from tests.sync.helpers import ROOM, served_hub, wait_until

MIB = 1024 * 1024
BATCH = P.BATCH_PATH.format(room_id=ROOM)


@pytest.fixture
def hub_proc(tmp_path):
    db_path = tmp_path / "hub.db"
    db = HubDB(db_path)
    token = hubstore.add_room(db, ROOM)
    db.close()
    with served_hub(str(db_path), "--body-timeout-s", "1", "--max-connections", "30", stop_timeout_s=10) as (
            proc, port, _url):
        yield proc, port, token


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        line = next(x for x in f if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def stalled_upload(port: int, token: str | None, length: int, send_bytes: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    s.sendall(f"POST {BATCH} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n{auth}"
              f"Content-Length: {length}\r\n\r\n".encode())
    chunk = b"x" * (256 * 1024)
    sent = 0
    try:
        while sent < send_bytes:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:  # the hub answered and closed, or stopped reading: it holds none of this
        pass
    return s


def answer(s: socket.socket) -> bytes:
    s.settimeout(5)
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except OSError:
        pass
    return data


@pytest.mark.slow
def test_stalled_uploads_without_a_token_cost_no_memory_and_are_refused(hub_proc):
    proc, port, token = hub_proc
    before = rss_mib(proc.pid)
    socks = [stalled_upload(port, tok, 16 * MIB, 4 * MIB) for tok in [None, "rct_forged"] * 10]
    time.sleep(0.5)
    grown = rss_mib(proc.pid) - before
    answers = [answer(s) for s in socks]
    for s in socks:
        s.close()
    # Before issue #13 the body-size middleware read every body before the token: 20 × 4 MiB held here.
    print(f"hub RSS {before:.1f} MiB, +{grown:.1f} MiB under 20 stalled unauthenticated uploads")
    assert grown < 16, f"the hub grew by {grown:.1f} MiB"
    assert all(a.startswith(b"HTTP/1.1 401") and b'"unauthorized"' in a for a in answers), answers[:2]
    assert httpx.get(f"http://127.0.0.1:{port}{P.HEALTH_PATH}", timeout=5).status_code == 200


@pytest.mark.slow
def test_a_slow_body_with_a_valid_token_times_out_with_a_clear_status(hub_proc):
    proc, port, token = hub_proc
    s = stalled_upload(port, token, 1000, 0)
    s.sendall(b'{"events": [')
    started = time.monotonic()
    reply = answer(s)
    s.close()
    assert time.monotonic() - started < 4
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"] == P.TIMEOUT and "within 1 s" in json.loads(body)["detail"]


@pytest.mark.slow
def test_connections_beyond_the_limit_get_503_and_the_hub_recovers(hub_proc):
    proc, port, token = hub_proc
    idle = []
    for _ in range(30):  # each holds a connection with half a request line (a slowloris)
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
        idle.append(s)
    time.sleep(0.3)
    assert httpx.get(f"http://127.0.0.1:{port}{P.HEALTH_PATH}", timeout=5).status_code == 503
    for s in idle:
        s.close()
    wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}{P.HEALTH_PATH}", timeout=5).status_code == 200,
               timeout_s=10, what="the hub to take connections again")
