"""The serial reader thread over real pseudo-terminals and loopback TCP: readings, health, unplug and replug."""

import socket
import threading
from datetime import datetime

import pytest

from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.serial_transport import check_serial_open
from roomcontrol.devices.vitals.encoders import masimo_line, nonin_packet
from tests.devices.vitalshelp import WAIT, Feeder, collector, eventually, open_vitals, pty_device  # noqa: F401

FAST = {"backoff_initial": 0.05, "backoff_max": 0.2}


def good():
    return nonin_packet(72, 97)


def start(collector, driver, url, **options):
    d = open_vitals(driver, url, collector, **{**FAST, **options})
    d.start()
    return d


def test_nonin_over_a_pty(pty_device, collector):
    feeder = Feeder(pty_device, good)
    d = start(collector, "nonin", pty_device.link, emit_every=1, on_pleth=collector.on_pleth)
    try:
        collector.wait(lambda c: len(c.readings) >= 4 and c.pleth)
        assert {(r.kind, r.value) for r in collector.readings} == {("pulse_rate", 72.0), ("spo2", 97.0)}
        assert collector.states()[:2] == ["connecting", "ok"]
        assert len(collector.pleth[0]) == 25
    finally:
        feeder.stop()
        d.close()
    assert d.counters["packets"] >= 2 and d.counters["bytes"] > 0 and d.counters["opens"] == 1


def test_masimo_over_a_pty(pty_device, collector):
    line = masimo_line(datetime(2026, 11, 24, 10, 5, 1), spo2=95, bpm=88, pi=3.1)
    feeder = Feeder(pty_device, lambda: line)
    d = start(collector, "masimo", pty_device.link)
    try:
        collector.wait(lambda c: len(c.readings) >= 3)
        assert [(r.kind, r.value) for r in collector.readings[:3]] == [("spo2", 95.0), ("pulse_rate", 88.0),
                                                                       ("perfusion_index", 3.1)]
        assert collector.readings[0].device_ts is not None
    finally:
        feeder.stop()
        d.close()


def test_unplug_and_replug_ten_times(pty_device, collector):
    feeder = Feeder(pty_device, good)
    d = start(collector, "nonin", pty_device.link, emit_every=1)
    try:
        collector.wait_health("ok")
        for _ in range(10):
            mark = len(collector.health)
            pty_device.unplug()
            collector.wait_health("lost", mark)
            pty_device.plug()
            collector.wait_health("ok", mark)
            after = collector.states(mark)
            assert after.index("lost") < after.index("connecting") < after.index("ok")
    finally:
        feeder.stop()
        d.close()
    assert d.counters["read_errors"] >= 10 and d.counters["opens"] >= 11


def test_no_data_then_data(pty_device, collector):
    d = start(collector, "nonin", pty_device.link, no_data_after=0.3)
    try:
        collector.wait_health("no_data")
        assert collector.states()[:2] == ["connecting", "no_data"]
        feeder = Feeder(pty_device, good)
        collector.wait_health("ok")
        feeder.stop()
    finally:
        d.close()


def test_garbage_only_is_no_data_and_counted(pty_device, collector):
    feeder = Feeder(pty_device, lambda: bytes(range(0, 256, 7)))
    d = start(collector, "nonin", pty_device.link, no_data_after=0.3)
    try:
        collector.wait_health("no_data")
        eventually(lambda: d.counters["discarded_bytes"] > 100)
    finally:
        feeder.stop()
        d.close()
    assert not collector.readings


def test_sensor_off_and_back(pty_device, collector):
    feeder = Feeder(pty_device, lambda: nonin_packet(None, None, flags={"sensor_disconnect"}))
    d = start(collector, "nonin", pty_device.link, emit_every=1)
    try:
        collector.wait_health("sensor_off")
        assert collector.readings[0].value is None
        feeder.set(good)
        collector.wait_health("ok")
    finally:
        feeder.stop()
        d.close()


def test_a_missing_port_is_lost_and_retried(tmp_path, collector):
    url = str(tmp_path / "ttyNOTHERE")
    with pytest.raises(DeviceOpenError, match="cannot open"):
        check_serial_open(url)
    d = start(collector, "masimo", url)
    try:
        eventually(lambda: d.counters["open_failures"] >= 3)
        assert collector.states() == ["connecting", "lost"]  # retries do not flap the health
        assert "cannot open" in collector.health[-1].detail
    finally:
        d.close()


def test_stop_joins_the_thread(pty_device, collector):
    feeder = Feeder(pty_device, good)
    d = start(collector, "nonin", pty_device.link)
    collector.wait_health("ok")
    d.close()
    feeder.stop()
    assert not d._thread.is_alive()


def test_socket_url_reconnects_after_the_server_hangs_up(collector):
    """A serial device server (socket://): each connection sends a few packets, then drops."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    served = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            with conn:
                served.append(1)
                try:
                    for _ in range(6):
                        conn.sendall(good())
                        if stop.wait(0.02):
                            break
                except OSError:
                    pass  # the driver hung up first (on stop)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    url = "socket://127.0.0.1:%d" % listener.getsockname()[1]
    d = start(collector, "nonin", url, emit_every=1)
    try:
        collector.wait(lambda c: c.states().count("lost") >= 3 and c.states()[-1] == "ok")
        assert {r.value for r in collector.readings if r.kind == "spo2"} == {97.0}
    finally:
        d.close()
        stop.set()
        t.join(WAIT)
        listener.close()
    assert len(served) >= 3
