"""The shape every driver shares: health reported once per change, capped back-off, an idempotent lifecycle."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.devices.base import Backoff, Device, HealthReporter
from roomcontrol.domain.vitals import Health


def test_health_reporter_reports_changes_only_stamped_by_the_clock():
    clock = FakeClock()
    changes = []
    reporter = HealthReporter("vitals", changes.append, clock, counters=lambda: {"bytes": 3})
    assert reporter.set(Health.CONNECTING, "opening")
    assert not reporter.set(Health.CONNECTING, "still opening")     # same health: nothing new to log
    clock.advance(5)
    assert reporter.set(Health.OK, "data")
    assert [(c.device, c.health, c.detail) for c in changes] == [("vitals", Health.CONNECTING, "opening"),
                                                                 ("vitals", Health.OK, "data")]
    assert changes[1].ts == clock.now() and changes[0].ts == clock.now() - timedelta(seconds=5)
    assert changes[1].counters == {"bytes": 3}
    assert reporter.state is Health.OK


def test_a_failing_listener_does_not_break_the_reporter():
    def boom(change):
        raise RuntimeError("listener bug")

    reporter = HealthReporter("lighting", boom, FakeClock())
    assert reporter.set(Health.LOST, "gone")
    assert reporter.state is Health.LOST
    assert HealthReporter("audio", None).set(Health.OK)             # no listener: state is still kept


def test_backoff_doubles_up_to_its_cap_and_starts_over_after_a_success():
    b = Backoff(0.25, 5.0, rng=lambda: 0.0)
    assert [b.next() for _ in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    b.reset()
    assert b.next() == 0.25


def test_backoff_jitter_only_shortens_so_the_cap_holds():
    b = Backoff(0.25, 5.0, jitter=0.1, rng=lambda: 1.0)
    delays = [b.next() for _ in range(10)]
    assert max(delays) <= 5.0 and delays[-1] == pytest.approx(4.5)
    assert all(d <= 5.0 for d in (Backoff().next() for _ in range(100)))
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)


class _Worker(Device):
    def __init__(self):
        super().__init__("test", clock=FakeClock())
        self.runs, self.releases = 0, 0
        self.running = threading.Event()

    def _run(self):
        self.runs += 1
        self.running.set()
        self._stopping.wait()

    def _release(self):
        self.releases += 1


def test_lifecycle_start_and_close_are_idempotent():
    d = _Worker()
    assert d.start() is d.start()
    assert d.running.wait(5)
    d.close()
    d.close()
    assert (d.runs, d.releases) == (1, 1)
    assert not d._thread.is_alive()
    d.start()                                   # a closed device stays closed
    assert d.runs == 1


def test_close_without_start_still_releases():
    d = _Worker()
    d.close()
    assert (d.runs, d.releases) == (0, 1)
