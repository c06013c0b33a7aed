"""The clinic station in a real browser (issue #14, "Show"): a real hub and three simulated rooms on loopback
(`roomcontrol demo clinic`'s Clinic), Debian's chromium headless. Sign in; the rooms appear; a desaturation in a
room turns its tile red with the value; "Acknowledge" at the station is logged in the room's own log by that nurse,
via the station; a patient's call flashes the tile and is answered from the station; a closed room greys within
5 s; a hub that goes away is said on the page, which reconnects by itself; with PostgreSQL a second hub process
serves a station that still sees every room."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from roomcontrol.cli.demo import DEMO_NURSE_ID, DEMO_NURSE_NAME, Clinic
from roomcontrol.domain import kinds as K
from tests.station.conftest import WAIT_MS

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "ROOMCONTROL_TEST_PG_URL"
# The SpO2 alarm without its 15 s condition delay, so a desaturation alarms within seconds of the value falling.
FAST_ALARMS = {"alarms": {"spo2": {"delay_s": 0}}}
ESCALATE_AFTER_S = 3  # the hub's --escalate-after-s, short: an alarm left alone escalates during the test


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    c = Clinic(rooms=3, folder=tmp_path_factory.mktemp("clinic"), alarms_room=False, room_options=FAST_ALARMS,
               hub_live={"escalate_after_s": ESCALATE_AFTER_S})
    c.start()
    yield c
    c.close()


def tile(page, room_id: str):
    return page.locator(f'article.tile[data-room="{room_id}"]')


def sign_in(page, url: str, pin: str) -> None:
    page.goto(f"{url}/station")
    page.fill("#staff-id", DEMO_NURSE_ID)
    page.fill("#pin", pin)
    page.click("#signin button[type=submit]")
    expect(page.locator("#who-name")).to_contain_text(DEMO_NURSE_NAME)


def room_events(clinic: Clinic, room_id: str, kind: str) -> list:
    room = clinic.room(room_id).runtime.room
    return room.call(lambda: [e for e in room.log.events() if e.kind == kind]).result(timeout=5)


def wait_for(condition, timeout_s: float = WAIT_MS / 1000, what: str = "a condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_page_is_served_with_its_policy_and_melodies(clinic, page):
    response = page.goto(f"{clinic.url}/station")
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "*" not in csp
    tones = page.request.get(f"{clinic.url}/station/tones.json").json()
    assert tones["alarms"]["high"]["fundamental_hz"] == 523.25 and len(tones["alarms"]["high"]["onsets_s"]) == 10
    # Nothing clinical without a sign-in: the sign-in form, no tile.
    expect(page.locator("#signin")).to_be_visible()
    assert page.locator("article.tile").count() == 0


def test_sign_in_says_a_wrong_pin_in_words_then_shows_every_room(clinic, page):
    page.goto(f"{clinic.url}/station")
    page.fill("#staff-id", DEMO_NURSE_ID)
    page.fill("#pin", "0000" if clinic.nurse_pin != "0000" else "1111")
    page.click("#signin button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text(re.compile(r"PIN|wrong|Wrong"))
    page.fill("#pin", clinic.nurse_pin)
    page.click("#signin button[type=submit]")
    expect(page.locator("#who-name")).to_contain_text(DEMO_NURSE_NAME)
    for i in (1, 2, 3):
        expect(tile(page, f"room-{i}").locator(".room-name")).to_have_text(f"Room {i}")
        expect(tile(page, f"room-{i}")).not_to_have_class(re.compile(r"\blost\b"))
    expect(tile(page, "room-1").locator(".phase")).to_have_text("Infusing")
    # the session's protocol, by its short title (the full title and version on hover)
    expect(tile(page, "room-1").locator(".session-line .protocol")).to_have_text("IV ketamine, depression")
    expect(tile(page, "room-1").locator(".session-line .protocol")).to_have_attribute(
        "title", "IV ketamine, depression (0.5 mg/kg over 40 min) (ketamine-depression v1)")
    expect(tile(page, "room-1").locator(".vital.hr .value")).to_have_text(re.compile(r"^\d{2,3}$"))
    expect(page.locator("#sound")).to_have_text("Sound is OFF — tap to enable")
    page.click("#sound")
    expect(page.locator("#sound")).to_contain_text("Sound on")
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.locator("article.tile").count() == 0


def test_three_columns_of_big_numbers_on_a_wall_monitor_and_one_column_on_a_phone(clinic, browser):
    for (width, height), columns, min_px in (((1920, 1080), 3, 100), ((390, 844), 1, 60)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        try:
            page = context.new_page()
            sign_in(page, clinic.url, clinic.nurse_pin)
            expect(page.locator("article.tile .vital.hr .value")).to_have_count(3)
            boxes = [t.bounding_box() for t in page.locator("article.tile").all()]
            assert len({round(b["x"]) for b in boxes}) == columns
            assert all(b["x"] >= 0 and b["x"] + b["width"] <= width for b in boxes)  # nothing off the side
            size = page.locator('article.tile[data-room="room-1"] .vital.hr .value').evaluate(
                "v => parseFloat(getComputedStyle(v).fontSize)")
            assert size >= min_px
        finally:
            context.close()


def test_repeated_wrong_pins_lock_the_account_and_the_page_says_so(clinic, page):
    from roomcontrol.sync.hub.staff import add_staff
    add_staff(clinic.hub.db, "bob", "Bob Ray", "nurse", "97531")
    page.goto(f"{clinic.url}/station")
    page.fill("#staff-id", "bob")
    for _ in range(5):
        page.fill("#pin", "1111")
        page.click("#signin button[type=submit]")
        expect(page.locator("#signin-error")).not_to_have_text("Signing in…")
    page.fill("#pin", "97531")  # the right PIN, too late: locked
    page.click("#signin button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text(re.compile(r"lock", re.I))
    expect(page.locator("#signin")).to_be_visible()


def test_a_desaturation_turns_the_tile_red_and_an_acknowledgement_from_the_station_is_logged_in_the_room(
        clinic, page):
    sign_in(page, clinic.url, clinic.nurse_pin)
    page.click("#sound")  # the tap browsers require before any sound
    room1 = tile(page, "room-1")
    expect(room1.locator(".vital.spo2 .value")).to_have_text(re.compile(r"^(9\d|100)$"))
    expect(page.locator("#sound")).to_have_attribute("data-playing", "")
    clinic.room("room-1").runtime.devices.vitals.add_event("desaturation", 300, magnitude=2.0)
    expect(room1).to_have_class(re.compile(r"\bsev-high\b"), timeout=30000)
    alarm = room1.locator("li.alarm.high")
    expect(alarm.locator(".text")).to_contain_text(re.compile(r"SpO.? low\s+\d+\s*%"))
    shown = int(room1.locator(".vital.spo2 .value").inner_text())
    assert shown < 90
    expect(page.locator("#announce")).to_contain_text("Room 1")
    # The high-priority melody plays (Web Audio running), and the top bar names the room.
    expect(page.locator("#sound")).to_have_attribute("data-playing", "high")
    assert page.evaluate("Sound.ctx.state") == "running"
    expect(page.locator("#attention .chip-high")).to_contain_text("Room 1")

    # Left alone, it escalates on every station: an unmistakable mark on the tile.
    expect(room1.locator(".escalated")).to_have_text("ESCALATED", timeout=(ESCALATE_AFTER_S + 10) * 1000)

    alarm.locator("button", has_text="Acknowledge").click()
    expect(room1.locator(".result")).to_contain_text(f"acknowledged by {DEMO_NURSE_NAME}")
    expect(alarm).to_have_class(re.compile(r"\backed\b"))
    [ack] = wait_for(lambda: room_events(clinic, "room-1", K.ALARM_ACKNOWLEDGED), what="alarm.acknowledged")
    assert ack.actor == DEMO_NURSE_ID and ack.payload["via"] == "station"
    expect(room1).to_have_class(re.compile(r"\ball-acked\b"))  # steady red: seen, no longer flashing
    expect(page.locator("#sound")).not_to_have_attribute("data-playing", "high")


def test_a_call_flashes_the_tile_and_is_answered_from_the_station(clinic, page):
    sign_in(page, clinic.url, clinic.nurse_pin)
    room2 = tile(page, "room-2")
    expect(room2).not_to_have_class(re.compile(r"\bcalling\b"))
    clinic.room("room-2").runtime.room.submit("call_nurse", "patient").result(timeout=5)
    expect(room2).to_have_class(re.compile(r"\bcalling\b"))
    expect(room2.locator(".call .text")).to_have_text(re.compile(r"^Call — 0:\d\d"))
    assert room2.evaluate("t => getComputedStyle(t).animationName") == "flash-call"
    room2.locator(".call button", has_text="Answer call").click()
    expect(room2.locator(".result")).to_contain_text(f"call answered by {DEMO_NURSE_NAME}")
    expect(room2).not_to_have_class(re.compile(r"\bcalling\b"))
    [answered] = wait_for(lambda: room_events(clinic, "room-2", K.NURSE_CALL_ANSWERED), what="the call answered")
    assert answered.actor == DEMO_NURSE_ID and answered.payload["via"] == "station"


def test_a_display_with_a_reader_token_watches_without_any_button(clinic, browser):
    from roomcontrol.sync.hub.store import add_reader
    token = add_reader(clinic.hub.db, "wall-display")
    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {token}"})
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(f"{clinic.url}/station")
        expect(page.locator("#who-name")).to_have_text("Watch only")
        room2 = tile(page, "room-2")
        clinic.room("room-2").runtime.room.submit("call_nurse", "patient").result(timeout=5)
        expect(room2).to_have_class(re.compile(r"\bcalling\b"))
        assert page.locator("button[data-act]").count() == 0
        expect(page.locator("#signin")).to_be_hidden()
    finally:
        clinic.room("room-2").runtime.room.submit("answer_call", DEMO_NURSE_ID).result(timeout=5)
        context.close()


def test_a_closed_room_greys_within_5_s_and_comes_back_when_it_restarts(clinic, page):
    sign_in(page, clinic.url, clinic.nurse_pin)
    room3 = tile(page, "room-3")
    expect(room3).not_to_have_class(re.compile(r"\blost\b"))
    clinic.room("room-3").close()
    expect(room3).to_have_class(re.compile(r"\blost\b"), timeout=5000)
    expect(room3.locator(".lost-banner")).to_contain_text(re.compile(r"No contact since \d\d:\d\d"))
    expect(room3.locator(".lost-banner .prio")).to_have_text("TECHNICAL")
    expect(page.locator("#announce")).to_contain_text("Room 3: no contact since")
    clinic.start_room(clinic.room("room-3"), index=2)
    expect(room3).not_to_have_class(re.compile(r"\blost\b"))


def test_the_page_says_when_the_hub_is_not_reached_and_reconnects_by_itself(clinic, page):
    sign_in(page, clinic.url, clinic.nurse_pin)
    expect(tile(page, "room-1")).to_be_visible()
    clinic.hub.stop()
    try:
        expect(page.locator("#link")).to_have_text("Hub not reached — retrying")
    finally:
        clinic.hub.start()
    expect(page.locator("#link")).to_be_hidden()
    expect(tile(page, "room-2")).not_to_have_class(re.compile(r"\blost\b"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"{PG_ENV} is not set (run scripts/ci-postgres.sh)")
def test_a_second_hub_process_on_the_same_postgresql_serves_a_station_that_sees_every_room(
        page, tmp_path):
    import psycopg
    import uuid
    base = os.environ[PG_ENV]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    db_url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    port = _free_port()
    other = None
    try:
        with Clinic(rooms=3, folder=tmp_path, db_url=db_url, alarms_room=False, room_options=FAST_ALARMS) as c:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            other = subprocess.Popen([sys.executable, "-m", "roomcontrol", "hub", "serve", "--db", db_url,
                                      "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
            second = f"http://127.0.0.1:{port}"
            wait_for(lambda: _answers(second), timeout_s=20, what="the second hub process")
            sign_in(page, second, c.nurse_pin)  # the staff directory and sessions are the shared database's
            for i in (1, 2, 3):  # every room's socket is on the first hub: its state comes through NOTIFY
                expect(tile(page, f"room-{i}")).not_to_have_class(re.compile(r"\blost\b"))
                expect(tile(page, f"room-{i}").locator(".vital.hr .value")).to_have_text(re.compile(r"^\d+$"))
            c.room("room-1").runtime.devices.vitals.add_event("desaturation", 300, magnitude=2.0)
            expect(tile(page, "room-1")).to_have_class(re.compile(r"\bsev-high\b"), timeout=30000)
            tile(page, "room-1").locator("li.alarm.high button", has_text="Acknowledge").click()
            expect(tile(page, "room-1").locator(".result")).to_contain_text("acknowledged by")
            [ack] = wait_for(lambda: room_events(c, "room-1", K.ALARM_ACKNOWLEDGED), what="alarm.acknowledged")
            assert ack.actor == DEMO_NURSE_ID and ack.payload["via"] == "station"
    finally:
        if other is not None:
            other.terminate()
            try:
                other.wait(timeout=10)
            except subprocess.TimeoutExpired:
                other.kill()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _answers(url: str) -> bool:
    import httpx
    try:
        return httpx.get(f"{url}/station", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_room_s_due_checks_show_small_on_its_tile(clinic, page):
    """Issue 15 item 2: the protocol's due/overdue items (docs/STATION.md `due`) on the tile's status line, in the
    room's words; room-2's patient is checked in, the BP before dosing and the PHQ-9 not yet taken."""
    sign_in(page, clinic.url, clinic.nurse_pin)
    due = tile(page, "room-2").locator(".status .due")
    expect(due.first).to_be_visible()
    texts = due.all_text_contents()
    assert "BP due now" in texts and "PHQ-9 due now" in texts
    assert not any("overdue" in t for t in texts)      # a one-off check before dosing is due, never overdue
    assert tile(page, "room-2").locator(".status .warn.due").count() == 0
