"""`roomcontrol doctor` on a simulated room: a Nonin oximeter's real bytes on a pseudo-terminal, the real hub on
loopback, a private D-Bus with a desktop that takes inhibits; then each thing broken on its own."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from roomcontrol.cli.main import main
from roomcontrol.config import load_config
from roomcontrol.host import doctor as D
from roomcontrol.store.backup import backup_room
from tests.host.dbus_service import FakeDesktop, start_bus
from tests.sync.helpers import ROOM, RoomDB, free_port


@pytest.fixture
def desktop(monkeypatch):
    """A private bus standing in for both the session and the system bus, with a desktop serving inhibits."""
    proc, address = start_bus()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    service = FakeDesktop(address).start()
    yield service
    service.stop()
    proc.terminate()
    proc.wait(5)


@pytest.fixture
def oximeter():
    """A Nonin (Data Format 7) writing on a new pseudo-terminal: its path."""
    from roomcontrol.devices.vitals.simulator import run_simulated_device
    ready, stop, path = threading.Event(), threading.Event(), []
    t = threading.Thread(target=run_simulated_device, args=("nonin", "pty", None, stop),
                         kwargs={"on_ready": lambda p: (path.append(p), ready.set())}, daemon=True)
    t.start()
    assert ready.wait(10)
    yield path[0]
    stop.set()
    t.join(10)


def room_toml(tmp_path: Path, vitals_url: str, hub_url: str = "", token: str = "", backup: Path | None = None) -> Path:
    sync = f'[sync]\nenabled = true\nhub_url = "{hub_url}"\ntoken = "{token}"\n' if hub_url else ""
    sync += f'[backup]\ndir = "{backup}"\n' if backup else ""
    path = tmp_path / "room.toml"
    path.write_text(f'[room]\nid = "{ROOM}"\n[devices.vitals]\ndriver = "nonin"\nurl = "{vitals_url}"\n{sync}')
    return path


def a_room_db(data_dir: Path) -> None:
    data_dir.mkdir(exist_ok=True)
    room = RoomDB(data_dir / "room.db")
    room.log_events(40)
    room.log_vitals(20)
    room.close()


def by_name(checks: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in checks}


def test_a_simulated_room_is_all_ok(tmp_path, desktop, oximeter, hub, capsys):
    server, token = hub
    data = tmp_path / "data"
    a_room_db(data)
    backup_room(data, tmp_path / "backups", room_id=ROOM)
    config = room_toml(tmp_path, oximeter, server.url, token, backup=tmp_path / "backups")
    code = main(["doctor", "--config", str(config), "--data-dir", str(data), "--headless", "--json",
                 "--probe-seconds", "2.5", "--disk-warn-days", "1", "--disk-fail-days", "0.5"])
    report = json.loads(capsys.readouterr().out)
    checks = by_name(report["checks"])
    assert [c["status"] for c in report["checks"]] == ["OK"] * len(report["checks"]), report
    assert code == 0 and report["exit_code"] == 0
    assert list(checks) == ["vitals (nonin)", "lighting (simulated)", "diffuser (simulated)", "sound", "display",
                            "disk", "database", "backup", "hub", "clock", "station", "sleep"]
    assert checks["vitals (nonin)"]["message"].startswith(f"{oximeter}: ")
    assert "spo2" in checks["vitals (nonin)"]["message"]
    assert "the chain holds over 40 events" in checks["database"]["message"]
    assert "token accepted" in checks["hub"]["message"]
    assert checks["backup"]["message"].startswith(f"newest roomcontrol-{ROOM}-")
    assert checks["station"]["message"].startswith("the hub's live channel accepts this room")
    assert "measured" in checks["disk"]["message"]
    assert checks["sleep"]["message"].startswith("sleep inhibited")
    assert [c[0] for c in desktop.calls] == ["Inhibit", "Inhibit", "UnInhibit"]  # taken and given back


def test_without_headless_an_offscreen_display_is_a_warning(tmp_path, desktop, capsys):
    # The tests' Qt is offscreen (tests/conftest.py): a room app there has no real screen.
    code = main(["doctor", "--data-dir", str(tmp_path), "--disk-warn-days", "1", "--disk-fail-days", "0.5",
                 "--probe-seconds", "0.1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "WARN  display: no real display (Qt platform offscreen)" in out
    assert "WARN  vitals (simulated): simulated: no monitor is configured" in out
    assert "WARN  database: no database yet" in out and "→ start the room once" in out
    assert "WARN  hub: sync is off" in out
    assert "WARN  backup: no nightly backup" in out and "station" not in out  # [station] follows [sync]: off


def test_a_missing_serial_port_fails_naming_port_and_device(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('[devices.vitals]\ndriver = "masimo"\nurl = "/dev/ttyUSB-nowhere"\n'
                    '[devices.lighting]\ndriver = "enttec_pro"\nurl = "/dev/ttyDMX-nowhere"\n')
    checks = D.check_devices(load_config(path), probe_s=0.5)
    vitals, lighting = checks[0], checks[1]
    assert vitals.status == D.FAIL and "vitals port /dev/ttyUSB-nowhere cannot be opened" in vitals.message
    assert vitals.name == "vitals (masimo)" and "roomcontrol ports" in vitals.fix
    assert lighting.status == D.FAIL and "lighting port /dev/ttyDMX-nowhere" in lighting.message
    assert D.exit_code(checks) == 2


def test_a_silent_port_is_a_warning(tmp_path):
    import os
    import pty
    master, slave = pty.openpty()  # a port that opens but where nothing is plugged in
    try:
        path = tmp_path / "room.toml"
        path.write_text(f'[devices.vitals]\ndriver = "nonin"\nurl = "{os.ttyname(slave)}"\n')
        check = D.check_devices(load_config(path), probe_s=0.5)[0]
        assert check.status == D.WARN and "no reading came in 0.5 s" in check.message
    finally:
        os.close(master)
        os.close(slave)


def test_disk_thresholds(tmp_path):
    a_room_db(tmp_path)
    assert D.check_disk(tmp_path, 1, 0.5).status == D.OK
    warn = D.check_disk(tmp_path, 1e12, 0.5)
    assert warn.status == D.WARN and "under 1e+12 days" in warn.message
    fail = D.check_disk(tmp_path, 1e12, 1e11)
    assert fail.status == D.FAIL and "free disk space" in fail.fix
    per_day, how = D.bytes_per_day(tmp_path / "empty")  # no database yet: the documented estimate
    assert per_day == D.DAY_ESTIMATE_BYTES and how.startswith("estimated")


def test_an_unreachable_hub_fails_naming_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    config = load_config(room_toml(tmp_path, "/dev/null", url, "t"))
    hub, clock = D.check_hub_and_clock(config, timeout_s=2)
    assert hub.status == D.FAIL and hub.message.startswith(f"cannot reach the hub at {url}")
    assert clock.status == D.WARN


def test_a_wrong_token_fails(tmp_path, hub):
    server, _ = hub
    config = load_config(room_toml(tmp_path, "/dev/null", server.url, "not-the-token"))
    check, clock = D.check_hub_and_clock(config)
    assert check.status == D.FAIL and "refused this room's token" in check.message
    assert f"roomcontrol hub add-room {ROOM}" in check.fix
    assert clock.status == D.OK  # same machine, same clock


def test_clock_offset_from_a_date_header_and_its_classes():
    sent = datetime(2026, 3, 1, 12, 0, 0, 300000, tzinfo=timezone.utc).timestamp()
    date = format_datetime(datetime(2026, 3, 1, 12, 0, 10, tzinfo=timezone.utc), usegmt=True)
    offset, uncertainty = D.hub_offset(date, sent, sent + 0.2)  # the hub says 12:00:10 (so 10.0–11.0)
    assert offset == pytest.approx(10.1) and uncertainty == pytest.approx(0.6)
    assert D.classify_offset(0.4) == D.OK and D.classify_offset(-1.9) == D.OK
    assert D.classify_offset(2.6, 0.6) == D.OK        # within the measurement's own error
    assert D.classify_offset(-5.0, 0.6) == D.WARN
    assert D.classify_offset(59.0, 0.6) == D.WARN and D.classify_offset(-61.0, 0.6) == D.FAIL
    check = D.clock_check(offset, uncertainty)
    assert check.status == D.WARN and "10.1 s behind the hub's" in check.message and "timedatectl" in check.fix
    assert "ahead of" in D.clock_check(-90, 0.5).message and D.clock_check(-90, 0.5).status == D.FAIL


def test_display_classes():
    assert D.check_display(None, headless=True).status == D.OK
    assert D.check_display(None, headless=False).message.startswith("no display")
    big = {"platform": "xcb", "screens": [{"name": "HDMI-1", "width": 1536, "height": 864, "scale": 1.25}]}
    ok = D.check_display(big, headless=False)
    assert ok.status == D.OK and ok.message == "HDMI-1: 1920×1080 px at scale 1.25 (1536×864 logical)"
    small = {"platform": "xcb", "screens": [{"name": "DSI-1", "width": 800, "height": 480, "scale": 1.0}]}
    assert D.check_display(small, headless=False).status == D.WARN
    from roomcontrol.ui.display_info import display_facts
    facts = display_facts()
    assert facts is not None and facts["platform"] == "offscreen" and facts["screens"][0]["width"] > 0


def test_another_rooms_a_damaged_and_an_unreadable_database_fail(tmp_path):
    import sqlite3
    a_room_db(tmp_path)
    assert D.check_database(tmp_path, ROOM).status == D.OK
    other = D.check_database(tmp_path, "room-9")
    assert other.status == D.FAIL and f"belongs to room {ROOM!r}, room.toml says 'room-9'" in other.message
    conn = sqlite3.connect(tmp_path / "room.db")
    conn.execute("DROP TRIGGER events_no_update")  # what only a tool working around the room could do
    conn.execute("UPDATE events SET payload = '{\"text\": \"changed\"}' WHERE seq = 7")
    conn.commit()
    conn.close()
    check = D.check_database(tmp_path, ROOM)
    assert check.status == D.FAIL and "the hash chain breaks at seq 7" in check.message
    (tmp_path / "room.db").write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp_path / 'room.db'}{suffix}").unlink(missing_ok=True)
    assert D.check_database(tmp_path).status == D.FAIL


def test_sound_none_and_lines():
    from dataclasses import replace
    from roomcontrol.config.room import DeviceConfig, RoomConfig
    config = RoomConfig()
    quiet = replace(config, devices={**config.devices, "audio": DeviceConfig("none")})
    assert D.check_sound(quiet).status == D.WARN
    assert D.check_sound(config).status == D.OK  # SDL's dummy driver here (tests/conftest.py)
    line = D.Check("disk", D.FAIL, "1 GB free", "free space").line()
    assert line == "FAIL  disk: 1 GB free\n      → free space"
