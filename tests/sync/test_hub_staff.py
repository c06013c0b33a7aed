"""The hub's staff directory and station sign-in, on the real hub over loopback, on SQLite and PostgreSQL:
the CLI round trip, sign-in ok / wrong / lock-out / disabled / expired, the directory for room and reader tokens,
and the hub schema's migration from version 2."""

from __future__ import annotations

import io
import sqlite3
import ssl
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from roomcontrol.cli.main import main
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.sync.hub import staff as S
from roomcontrol.sync.hub import station_auth as A
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import SCHEMA_VERSION, HubDB
from roomcontrol.sync.hub.server import ThreadedHub

PIN = "2580"


@pytest.fixture
def hub(hubdb):
    with ThreadedHub(hubdb) as h:
        yield h


@pytest.fixture
def ann(hubdb):
    return S.add_staff(hubdb, "ann", "Ann Lee", "nurse", PIN)


def signin(hub, staff_id="ann", pin=PIN, client=None):
    return (client or httpx).post(hub.url + A.SIGNIN_PATH, json={"staff_id": staff_id, "pin": pin}, timeout=10)


def cli(monkeypatch, capsys, *args, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["hub", "staff", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_round_trip(hub_url, monkeypatch, capsys):
    code, out, _ = cli(monkeypatch, capsys, "add", "ann", "--name", "Ann Lee", "--role", "nurse", "--pin-stdin",
                       "--db", hub_url, stdin="2580\n")
    assert code == 0 and '"staff_id": "ann"' in out
    # Without --pin-stdin the PIN is asked twice on the terminal.
    prompts = iter(["1357", "1357"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(prompts))
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", tty)
    assert main(["hub", "staff", "add", "ad.min", "--name", "Ada Min", "--role", "admin", "--db", hub_url]) == 0
    capsys.readouterr()
    code, out, _ = cli(monkeypatch, capsys, "list", "--db", hub_url)
    lines = [line.split("\t") for line in out.splitlines()]
    assert [line[:4] for line in lines] == [["ad.min", "Ada Min", "admin", "active"],
                                            ["ann", "Ann Lee", "nurse", "active"]]
    assert "scrypt" not in out
    # Wrong input: one line naming what is allowed.
    code, _, err = cli(monkeypatch, capsys, "add", "x", "--name", "X", "--role", "nurse", "--pin-stdin",
                       "--db", hub_url, stdin="2580\n")
    assert code == 2 and "staff id 'x' is not allowed: use letters, digits" in err
    code, _, err = cli(monkeypatch, capsys, "add", "bob", "--name", "Bob", "--role", "nurse", "--pin-stdin",
                       "--db", hub_url, stdin="1234\n")
    assert code == 2 and "too easy to guess" in err
    code, _, err = cli(monkeypatch, capsys, "add", "ann", "--name", "Ann", "--role", "nurse", "--pin-stdin",
                       "--db", hub_url, stdin="8642\n")
    assert code == 2 and "'ann' already exists" in err
    with pytest.raises(SystemExit):
        cli(monkeypatch, capsys, "add", "bob", "--name", "Bob", "--role", "doctor", "--db", hub_url)
    assert "invalid choice: 'doctor' (choose from 'nurse', 'admin')" in capsys.readouterr().err
    code, _, err = cli(monkeypatch, capsys, "disable", "zed", "--db", hub_url)
    assert code == 2 and "no staff account 'zed' at the hub" in err
    code, _, err = cli(monkeypatch, capsys, "reset-pin", "zed", "--pin-stdin", "--db", hub_url, stdin="8642\n")
    assert code == 2 and "no staff account 'zed'" in err
    # reset-pin and disable take effect in the directory.
    assert cli(monkeypatch, capsys, "reset-pin", "ann", "--pin-stdin", "--db", hub_url, stdin="8642\n")[0] == 0
    assert cli(monkeypatch, capsys, "disable", "ad.min", "--db", hub_url)[0] == 0
    db = HubDB(hub_url)
    try:
        entries = {s["staff_id"]: s for s in S.directory(db, with_hashes=True)["staff"]}
    finally:
        db.close()
    assert D.verify_pin("8642", entries["ann"]["pin_hash"]) and not D.verify_pin(PIN, entries["ann"]["pin_hash"])
    assert entries["ad.min"]["active"] is False and entries["ann"]["active"] is True


def test_signin_me_signout(hub, hubdb, ann):
    with httpx.Client(base_url=hub.url, timeout=10) as client:
        r = signin(hub, client=client)
        assert r.status_code == 200, r.text
        assert r.json() | {"expires_at": None} == {"staff_id": "ann", "name": "Ann Lee", "role": "nurse",
                                                   "expires_at": None}
        expires = datetime.fromisoformat(r.json()["expires_at"].replace("Z", "+00:00"))
        assert timedelta(hours=11, minutes=59) < expires - datetime.now(timezone.utc) <= timedelta(hours=12)
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{S.STATION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain HTTP here; under TLS it is (test_signin_cookie_is_secure_under_tls)
        token = client.cookies[S.STATION_COOKIE]
        assert client.get(A.ME_PATH).json()["staff_id"] == "ann"
        assert S.session_staff(hubdb, token).name == "Ann Lee"  # what the live channel asks
        with hubdb.connect() as c:  # only the token's hash is stored
            assert c.one("SELECT token_hash FROM station_sessions")[0] == hubstore.hash_token(token)
        out = client.post(A.SIGNOUT_PATH)
        assert out.status_code == 200 and out.json()["ended"] is True
    with httpx.Client(base_url=hub.url, timeout=10, cookies={S.STATION_COOKIE: token}) as stale:
        assert stale.get(A.ME_PATH).status_code == 401
    assert S.session_staff(hubdb, token) is None
    assert httpx.get(hub.url + A.ME_PATH, timeout=10).status_code == 401


def test_wrong_pins_count_down_then_lock_out(hub, hubdb, ann):
    for left in (4, 3, 2, 1):
        r = signin(hub, pin="9999")
        assert r.status_code == 401 and r.json()["tries_left"] == left
        assert f"wrong staff id or PIN; {left} {'try' if left == 1 else 'tries'} left before a 5 min lock-out" \
            == r.json()["detail"]
    r = signin(hub, pin="9999")
    assert r.status_code == 429 and r.json()["error"] == S.LOCKED_OUT and "locked for 5 min" in r.json()["detail"]
    r = signin(hub)  # the right PIN during the lock-out is refused too
    assert r.status_code == 429 and "locked for 5 more min" in r.json()["detail"] and "set-cookie" not in r.headers
    # Five minutes later (the hub's clock, here passed in) the right PIN works and clears the count.
    later = datetime.now(timezone.utc) + timedelta(seconds=D.LOCKOUT_S + 1)
    who, _ = S.signin(hubdb, "ann", PIN, now=later)
    assert who.staff_id == "ann"
    with hubdb.connect() as c:
        assert c.one("SELECT failures, locked_until FROM staff WHERE staff_id = 'ann'") == (0, None)


def test_unknown_and_disabled_accounts_answer_as_a_wrong_pin(hub, hubdb, ann):
    S.add_staff(hubdb, "bo", "Bo Chen", "nurse", "1357")
    assert S.disable_staff(hubdb, "bo")
    wrong, unknown, disabled = signin(hub, pin="9999"), signin(hub, "nobody"), signin(hub, "bo", "1357")
    assert wrong.status_code == unknown.status_code == disabled.status_code == 401
    assert wrong.json() == unknown.json() == disabled.json()
    for _ in range(4):
        last = signin(hub, "nobody")
    assert last.status_code == 429  # an unknown id locks out like a real one
    assert signin(hub, "x").status_code == 422  # not an id at all: the form is named
    assert "staff id 'x' is not allowed" in signin(hub, "x").json()["detail"]


def test_disabling_ends_sessions_and_expiry(hub, hubdb, ann):
    r = signin(hub)
    token = r.cookies[S.STATION_COOKIE]
    assert S.session_staff(hubdb, token) is not None
    assert S.session_staff(hubdb, token, now=datetime.now(timezone.utc) + timedelta(hours=12, seconds=1)) is None
    with hubdb.connect() as c, c.write():  # the session's 12 h pass
        c.execute("UPDATE station_sessions SET expires_at = '2026-01-01T00:00:00.000Z'")
    with httpx.Client(base_url=hub.url, timeout=10, cookies={S.STATION_COOKIE: token}) as stale:
        assert stale.get(A.ME_PATH).status_code == 401
    token = signin(hub).cookies[S.STATION_COOKIE]
    with hubdb.connect() as c:  # the expired session was swept at this sign-in
        assert c.one("SELECT COUNT(*) FROM station_sessions")[0] == 1
    S.disable_staff(hubdb, "ann")
    assert S.session_staff(hubdb, token) is None
    assert signin(hub).status_code == 401


def test_signin_body_is_small_and_checked_without_a_token(hub, ann):
    r = httpx.post(hub.url + A.SIGNIN_PATH, content=b"{" + b" " * 5000 + b"}", timeout=10,
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "at most 4096" in r.json()["detail"]
    r = httpx.post(hub.url + A.SIGNIN_PATH, json={"staff_id": "ann"}, timeout=10)
    assert r.status_code == 422 and "pin" in r.json()["detail"]
    # Every other POST still needs a token before its body is read.
    r = httpx.post(hub.url + "/api/v1/rooms/room-1/batches", json={}, timeout=10)
    assert r.status_code == 401


def test_directory_needs_a_room_token_and_a_reader_gets_no_hashes(hub, hubdb, token, ann):
    assert httpx.get(hub.url + A.STAFF_PATH, timeout=10).status_code == 401
    assert httpx.get(hub.url + A.STAFF_PATH, headers={"Authorization": "Bearer rct_wrong"},
                     timeout=10).status_code == 401
    room = httpx.get(hub.url + A.STAFF_PATH, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert [s["staff_id"] for s in room["staff"]] == ["ann"]
    assert D.verify_pin(PIN, room["staff"][0]["pin_hash"])
    assert room["version"] == room["staff"][0]["updated_at"]
    reader = hubstore.add_reader(hubdb, "dash")
    seen = httpx.get(hub.url + A.STAFF_PATH, headers={"Authorization": f"Bearer {reader}"}, timeout=10).json()
    assert seen["staff"][0]["name"] == "Ann Lee" and "pin_hash" not in seen["staff"][0]
    assert "scrypt" not in str(seen)
    # Every change moves the version on, even within one millisecond.
    now = datetime.now(timezone.utc)
    S.add_staff(hubdb, "bo", "Bo Chen", "nurse", "1357", now=now)
    v1 = S.directory(hubdb, with_hashes=False)["version"]
    S.disable_staff(hubdb, "bo", now=now)
    assert S.directory(hubdb, with_hashes=False)["version"] > v1


def test_signin_cookie_is_secure_under_tls(hubdb, ann, tmp_path):
    import shutil
    import subprocess
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    with ThreadedHub(hubdb, certfile=cert, keyfile=key) as h:
        r = httpx.post(h.url + A.SIGNIN_PATH, json={"staff_id": "ann", "pin": PIN}, timeout=10,
                       verify=ssl.create_default_context(cafile=str(cert)))
    assert r.status_code == 200 and "Secure" in r.headers["set-cookie"]


def test_add_refuses_bad_names_and_ids(hubdb):
    with pytest.raises(Refused, match="a name of 1–80"):
        S.add_staff(hubdb, "ann", " ", "nurse", PIN)
    with pytest.raises(Refused, match="role must be one of nurse, admin"):
        S.add_staff(hubdb, "ann", "Ann", "doctor", PIN)
    with pytest.raises(Refused, match="not 'patient' or 'system'"):
        S.add_staff(hubdb, "system", "Sys", "nurse", PIN)


# The hub schema as version 2 wrote it (before issue #14): no staff, no station sessions.
V2_DDL = """
CREATE TABLE hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rooms (room_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0, last_hash TEXT NOT NULL, last_vitals_id BIGINT NOT NULL DEFAULT 0,
    last_received_at TEXT);
CREATE TABLE readers (name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE reports (report_id INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, at TEXT NOT NULL,
    problem TEXT NOT NULL, seq BIGINT, detail TEXT NOT NULL, count BIGINT NOT NULL DEFAULT 1, last_seen TEXT);
INSERT INTO hub_meta VALUES ('schema_version', '2');
INSERT INTO rooms VALUES ('room-1', 'abc', '2026-01-01T00:00:00.000Z', 7, 'h', 0, NULL);
"""


def test_hub_schema_migrates_from_version_2(hub_url):
    if hub_url.startswith("postgres"):
        import psycopg
        with psycopg.connect(hub_url, autocommit=True) as conn:
            for stmt in V2_DDL.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY").split(";"):
                if stmt.strip():
                    conn.execute(stmt)
    else:
        conn = sqlite3.connect(hub_url)
        conn.executescript(V2_DDL)
        conn.close()
    db = HubDB(hub_url)
    try:
        with db.connect() as c:
            assert c.one("SELECT value FROM hub_meta WHERE key = 'schema_version'")[0] == str(SCHEMA_VERSION)
            assert c.one("SELECT last_seq FROM rooms WHERE room_id = 'room-1'")[0] == 7  # kept
        S.add_staff(db, "ann", "Ann Lee", "nurse", PIN)
        who, token = S.signin(db, "ann", PIN)
        assert S.session_staff(db, token) == who
    finally:
        db.close()
    HubDB(hub_url).close()  # opening a migrated hub again changes nothing


def test_pin_checks_run_on_their_own_pool_and_a_flood_is_refused(hub, ann, monkeypatch):
    import threading
    seen = []
    original = D.verify_pin

    def spy(pin, stored):
        seen.append(threading.current_thread().name)
        return original(pin, stored)
    monkeypatch.setattr(S.D, "verify_pin", spy)
    assert signin(hub).status_code == 200 and signin(hub, "nobody").status_code == 401
    assert len(seen) == 2 and all(name.startswith("hub-pin") for name in seen)  # not the event loop, not FastAPI's
    monkeypatch.setattr(S, "PIN_QUEUE", 0)
    r = signin(hub)
    assert r.status_code == 503 and "try again" in r.json()["detail"]
