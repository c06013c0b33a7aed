"""The IntelliVue driver against the emulator over a pseudo-terminal: the whole association → poll → cable pull →
re-association → release cycle, a monitor that falls silent, the probe, the CLI emulator, and the engine raising
and clearing the technical alarm for a pulled cable."""

import io
import json
import subprocess
import sys
import threading
import time

import pytest

from roomcontrol.config.room import parse_config
from roomcontrol.devices.registry import open_device
from roomcontrol.devices.vitals import probe_vitals
from roomcontrol.devices.vitals.intellivue import framing, messages as m
from roomcontrol.devices.vitals.intellivue.emulator import TEMP_C, IntelliVueEmulator, PtyLink
from roomcontrol.devices.vitals.physiology import Event, VitalsModel
from tests.core.helpers import running_room
from tests.core.test_vitals_feed import wait_for
from tests.devices.vitalshelp import Collector, collector, eventually  # noqa: F401

FAST = {"backoff_initial": 0.05, "backoff_max": 0.3, "no_data_after": 1.5, "assoc_timeout": 1.5}


class Monitor:
    """The emulator on its own thread, behind a symlinked pty the driver opens."""

    def __init__(self, tmp_path, model=None, **kwargs):
        self.link = PtyLink(str(tmp_path / "ttyIntelliVue"))
        self.emulator = IntelliVueEmulator(self.link, model=model, **kwargs)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.emulator.run, args=(self._stop,), daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.link.close()


@pytest.fixture
def monitor(tmp_path):
    mon = Monitor(tmp_path)
    yield mon
    mon.close()


def driver(url, collector, **options):
    return open_device("vitals", "intellivue", url, {**FAST, **options}, clock=None, on_health=collector.on_health,
                       name="vitals", on_reading=collector.on_reading)


def kinds(collector):
    return {r.kind for r in collector.readings}


def test_association_poll_cable_pull_reassociation_release(monitor, collector):
    dev = driver(monitor.link.path, collector).start()
    try:
        collector.wait_health("ok")
        collector.wait(lambda c: {"heart_rate", "spo2", "pulse_rate", "respiratory_rate", "etco2", "temperature",
                                  "nibp_systolic", "nibp_diastolic", "nibp_mean"} <= kinds(c), what="every numeric")
        by_kind = {r.kind: r for r in collector.readings}
        _, (sys_, dia, mean), _ = monitor.emulator._nibp
        assert [by_kind[k].value for k in ("nibp_systolic", "nibp_diastolic", "nibp_mean")] == [sys_, dia, mean]
        assert by_kind["temperature"].value == TEMP_C and 90 <= by_kind["spo2"].value <= 100
        assert all(r.source == "intellivue" and r.flags == frozenset() for r in collector.readings)
        assert monitor.emulator.counters["associations"] == 1 and dev.counters["associations"] == 1
        # the monitor repeats its NIBP in every poll: the room gets the measurement once
        collector.wait(lambda c: sum(r.kind == "heart_rate" for r in c.readings) >= 3, what="three polls")
        assert sum(r.kind == "nibp_systolic" for r in collector.readings) == 1

        mark = len(collector.health)
        monitor.link.unplug()                                   # the cable is pulled
        collector.wait_health("lost", since=mark)
        time.sleep(0.5)                                         # the driver retries against nothing
        monitor.link.plug()                                     # and it is back
        since = len(collector.health)
        collector.wait_health("ok", since=since)
        eventually(lambda: monitor.emulator.counters["associations"] == 2, what="a second association")
        assert dev.counters["associations"] == 2 and dev.counters["read_errors"] + dev.counters["silences"] >= 1
    finally:
        dev.close()
    assert dev.counters["releases"] == 1 and monitor.emulator.counters["releases"] == 1   # released at close
    assert dev.counters["framing_errors"] == 0 and dev.counters["message_errors"] == 0


def test_a_silent_monitor_is_lost_then_associated_again(tmp_path, collector):
    # the model pulls the cable at the monitor's end for 3 s: the port stays open, nothing answers
    mon = Monitor(tmp_path, model=VitalsModel(events=[Event("cable_pulled", 2.0, 3.0)]))
    dev = driver(mon.link.path, collector).start()
    try:
        collector.wait_health("ok")
        collector.wait_health("lost", timeout=10)
        assert "silent" in collector.health[-1].detail or "no association" in collector.health[-1].detail
        collector.wait(lambda c: c.states()[-1] == "ok", what="ok again")
        assert dev.counters["silences"] == 1 and mon.emulator.counters["associations"] >= 2
    finally:
        dev.close()
        mon.close()


def test_sensor_off_from_the_monitors_technical_alert(tmp_path, collector):
    mon = Monitor(tmp_path, model=VitalsModel(events=[Event("sensor_off", 0.0, 600.0)]))
    dev = driver(mon.link.path, collector, alert_interval=0.5).start()
    try:
        collector.wait_health("sensor_off")
        spo2 = [r for r in collector.readings if r.kind == "spo2"]
        assert spo2[-1].value is None and "sensor_off" in spo2[-1].flags
    finally:
        dev.close()
        mon.close()


def test_keep_alive_when_polls_are_rarer_than_the_timeout(monitor, collector):
    dev = driver(monitor.link.path, collector, poll_interval=30, alert_interval=30, keepalive_s=0.3,
                 no_data_after=5).start()
    try:
        eventually(lambda: monitor.emulator.counters["keepalives"] >= 2, what="keep-alives")
        assert dev.counters["keepalives"] >= 2 and dev.health.value == "ok"
    finally:
        dev.close()


def test_a_monitor_that_refuses_or_aborts(tmp_path, collector):
    link = PtyLink(str(tmp_path / "ttyRefusing"))
    deframer = framing.Deframer()
    answers = iter([m.refuse(), m.ABORT])
    stop = threading.Event()

    def refusing():
        while not stop.is_set():
            for payload in deframer.feed(link.read(0.05)):
                if isinstance(m.decode(payload), m.AssociationRequest):
                    link.write(framing.frame(next(answers, m.ABORT)))

    thread = threading.Thread(target=refusing, daemon=True)
    thread.start()
    dev = driver(link.path, collector).start()
    try:
        eventually(lambda: dev.counters["refusals"] == 1 and dev.counters["aborts_received"] >= 1,
                   what="a refusal and an abort")
        assert "lost" in collector.states() and "ok" not in collector.states()
    finally:
        dev.close()
        stop.set()
        thread.join(2)
        link.close()


def test_no_monitor_at_all(tmp_path, collector):
    link = PtyLink(str(tmp_path / "ttyNobody"))   # a port, but nothing answers
    dev = driver(link.path, collector, assoc_timeout=0.3).start()
    try:
        collector.wait_health("lost")
        assert "no association" in collector.health[-1].detail
        eventually(lambda: dev.counters["association_timeouts"] >= 2, what="retries")
    finally:
        dev.close()
        link.close()
    dev2 = driver(str(tmp_path / "missing"), collector)
    dev2.start()
    try:
        eventually(lambda: dev2.counters["open_failures"] >= 1, what="an open failure")
    finally:
        dev2.close()


def test_wrong_options_name_the_key():
    with pytest.raises(ValueError, match="poll_interval must be a number of seconds > 0, not 0"):
        open_device("vitals", "intellivue", "/dev/null", {"poll_interval": 0}, clock=None, on_health=None,
                    name="vitals", on_reading=print)
    with pytest.raises(ValueError, match="unknown option"):
        open_device("vitals", "intellivue", "/dev/null", {"pool_interval": 1}, clock=None, on_health=None,
                    name="vitals", on_reading=print)


def test_probe_vitals_intellivue(monitor):
    out = io.StringIO()
    stop = threading.Event()
    timer = threading.Timer(20, stop.set)
    timer.start()

    def watch():
        while not stop.is_set():
            if '"spo2"' in out.getvalue() and '"nibp_mean"' in out.getvalue():
                stop.set()
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    counters = probe_vitals("intellivue", monitor.link.path, 20, out, stop_event=stop)
    timer.cancel()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {"health": "ok"}.items() <= next(line for line in lines if line.get("health") == "ok").items()
    assert any(line.get("kind") == "spo2" for line in lines) and counters["associations"] == 1


def test_simulate_device_cli_answers_the_driver(collector):
    proc = subprocess.Popen([sys.executable, "-m", "roomcontrol", "simulate-device", "--protocol", "intellivue",
                             "--url", "pty"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("IntelliVue Data Export monitor on /dev/")
        dev = driver(line.rsplit(" ", 1)[1].strip(), collector).start()
        try:
            collector.wait(lambda c: "spo2" in kinds(c), what="an SpO2 from the CLI's monitor")
        finally:
            dev.close()
    finally:
        proc.terminate()
        proc.wait(10)


def intellivue_room(data_dir, url):
    errors = []
    config = parse_config({"devices": {"vitals": {"driver": "intellivue", "url": url, "options": FAST},
                                       "audio": {"driver": "none"}}}, errors)
    assert not errors
    return running_room(data_dir, config)


def test_engine_raises_and_clears_the_technical_alarm_for_a_pulled_cable(tmp_path, monitor):
    runtime = intellivue_room(tmp_path / "data", monitor.link.path)
    room = runtime.room
    try:
        room.command("open_session", "rn.ada", patient_ref="PT-1", weight_kg=70)
        wait_for(room, lambda e: e.kind == "device.connected" and e.payload["device"] == "vitals", "connected")
        monitor.link.unplug()
        wait_for(room, lambda e: e.kind == "device.lost", "lost")
        wait_for(room, lambda e: e.kind == "alarm.raised" and e.payload["condition"] == "vitals.lost",
                 "technical alarm")
        monitor.link.plug()
        wait_for(room, lambda e: e.kind == "device.connected" and e.payload["device"] == "vitals", "reconnected", 2)
        wait_for(room, lambda e: e.kind == "alarm.cleared" and e.payload["condition"] == "vitals.lost",
                 "alarm cleared")
        eventually(lambda: "etco2" in room.snapshot().vitals, what="etCO2 on the engine")
        snap = room.snapshot()
        assert snap.devices["vitals"] == "ok" and 90 <= snap.vitals["spo2"].value <= 100
    finally:
        runtime.close()
    assert monitor.emulator.counters["releases"] == 1   # the room released the association at close
