"""The partition test in the suite, bounded (~20-30 s): bench/partition.py with short faults.

A real room (a writer adding events and vitals to its database, the pusher in a process of its own) syncs to a
real hub process through a fault-injecting TCP proxy on loopback: drops, blackholes, delays, cut requests and
responses, kill -9 of the hub and of the pusher, each kind at least once. Afterwards the hub holds every event
and vitals row exactly once, unaltered, with its chain intact.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.sync.helpers import ROOT

pytestmark = pytest.mark.slow


def _bench():
    spec = importlib.util.spec_from_file_location("bench_partition", ROOT / "bench" / "partition.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_nothing_is_lost_doubled_or_altered_across_every_kind_of_fault(tmp_path):
    bench = _bench()
    outcome = bench.run(15, seed=13, fault_s=(0.3, 1.2), gap_s=(0.1, 0.5), backoff_max_s=2.0, workdir=tmp_path,
                        say=lambda *_: None)
    assert set(outcome.faults) == set(bench.FAULTS), outcome.faults  # each kind of fault happened
    assert outcome.events > 100 and outcome.vitals > 100
    assert outcome.chain_ok
    assert (outcome.lost, outcome.duplicated, outcome.altered) == (0, 0, 0), outcome.last_line()
    assert outcome.last_line().endswith("lost 0, duplicated 0")
