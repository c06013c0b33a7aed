"""The real vitals path end to end: Nonin bytes on a pseudo-terminal → driver → engine → log and alarms."""

import time

from roomcontrol.config.room import parse_config
from roomcontrol.devices.vitals.encoders import nonin_packet
from tests.core.helpers import running_room
from tests.devices.vitalshelp import Feeder, pty_device  # noqa: F401

WAIT = 15.0


def wait_for(room, predicate, what, count=1):
    """Wait until `count` logged events match (read on the engine thread, which owns the connection)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = room.call(lambda: [e for e in room.log.events(after_seq=0) if predicate(e)]).result(5)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def nonin_room(tmp_path, link):
    errors = []
    config = parse_config({"devices": {"vitals": {"driver": "nonin", "url": link,
                                                   "options": {"backoff_initial": 0.05, "backoff_max": 0.3}},
                                       "audio": {"driver": "none"}}}, errors)
    assert not errors
    return running_room(tmp_path, config)


def test_unplug_and_replug_ten_times(tmp_path, pty_device):
    feeder = Feeder(pty_device, lambda: nonin_packet(72, 97))
    runtime = nonin_room(tmp_path / "data", pty_device.link)
    room, devices = runtime.room, runtime.devices
    try:
        room.command("open_session", "rn.ada", patient_ref="PT-1", weight_kg=70)
        wait_for(room, lambda e: e.kind == "device.connected" and e.payload["device"] == "vitals", "connected")
        for n in range(1, 11):
            pty_device.unplug()
            wait_for(room, lambda e: e.kind == "device.lost", f"lost #{n}", n)
            lost = wait_for(room, lambda e: e.kind == "alarm.raised" and e.payload["condition"] == "vitals.lost",
                            f"technical alarm #{n}", n)
            pty_device.plug()
            connected = wait_for(room, lambda e: e.kind == "device.connected" and e.payload["device"] == "vitals",
                                 f"reconnected #{n}", n + 1)
            cleared = wait_for(room, lambda e: e.kind == "alarm.cleared" and e.payload["condition"] == "vitals.lost",
                               f"alarm cleared #{n}", n)
            assert len(lost) == len(cleared) == n and len(connected) == n + 1  # one of each per unplug, no flapping
        snap = room.snapshot()
        assert snap.devices["vitals"] == "ok" and snap.vitals["spo2"].value == 97
    finally:
        feeder.stop()
        runtime.close()


def test_garbled_bytes_are_counted_and_skipped(tmp_path, pty_device):
    good = nonin_packet(80, 96)
    feeder = Feeder(pty_device, lambda: good[:40] + b"\x13\x37garbage" + good)
    runtime = nonin_room(tmp_path / "data", pty_device.link)
    room, devices = runtime.room, runtime.devices
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and "spo2" not in room.snapshot().vitals:
            time.sleep(0.05)
        assert room.snapshot().vitals["spo2"].value == 96
        assert devices.vitals.counters["framing_errors"] > 0
    finally:
        feeder.stop()
        runtime.close()
