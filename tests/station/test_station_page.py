"""The station page as the real hub serves it on loopback (no browser): its files, its policy header, nothing from
another origin, the melodies and words taken from the room's own, and the package data that ships the files."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from roomcontrol.domain import tones, wording
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.station_page import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    db = HubDB(str(tmp_path_factory.mktemp("hub") / "hub.db"))
    with ThreadedHub(db) as hub, httpx.Client(base_url=hub.url, timeout=5) as client:
        yield client
    db.close()


def test_the_page_has_a_self_only_policy_and_loads_only_files_that_exist(c):
    r = c.get("/station")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["connect-src"] == f"'self' ws://{c.base_url.netloc.decode()}" and policy["frame-ancestors"] == "'none'"
    odd = c.get("/station", headers={"Host": "evil.example; script-src *"}).headers["content-security-policy"]
    assert "evil" not in odd and "connect-src 'self';" in odd
    assert r.headers["x-content-type-options"] == "nosniff"
    refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert refs and all(ref.startswith("/station/static/") or ref == "data:," for ref in refs)
    for ref in refs:
        if ref.startswith("/station/static/"):
            assert c.get(ref).status_code == 200, ref
    assert c.get("/station/static/%2E%2E/station_page.py").status_code == 404


def test_nothing_comes_from_another_origin_and_nothing_is_inline():
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), f"{path.name} names another origin"
        if path.suffix == ".html":
            assert "<script>" not in text and "style=" not in text and "onclick" not in text.lower()


def test_the_melodies_are_the_rooms_own(c):
    data = c.get("/station/tones.json").json()
    for name, p in tones.PATTERNS.items():
        got = data["alarms"][name]
        assert got["fundamental_hz"] == p.fundamental_hz
        assert got["onsets_s"] == [round(t, 6) for t in p.onsets()]
        assert abs(got["pulse_s"] - p.pulse_length) < 1e-6 and abs(got["rise_s"] - p.tr) < 1e-6
        assert abs(got["period_s"] - (p.burst_length + p.interburst)) < 1e-6
        assert len(got["harmonics"]) == p.harmonics and got["harmonics"][0] == 1.0
    assert data["alarms"]["high"]["period_s"] < data["alarms"]["medium"]["period_s"] < data["alarms"]["low"]["period_s"]
    assert data["call"]["notes_hz"] == list(tones.CALL_NOTES_HZ)


def test_the_words_are_the_rooms_own(c):
    data = c.get("/station/labels.json").json()
    assert data["phases"] == wording.PHASE_LABELS and data["devices"] == wording.DEVICE_LABELS
    assert "spo2" in data["tiles"]["spo2"]["kinds"] and data["tiles"]["hr"]["monitor_alarms"] is True


def test_the_package_ships_every_file_of_the_page():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["roomcontrol.sync.hub"]
    files = sorted(p.relative_to(STATIC_DIR.parent).as_posix() for p in STATIC_DIR.iterdir())
    assert files == ["station/index.html", "station/station.css", "station/station.js"]
    assert all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files)
