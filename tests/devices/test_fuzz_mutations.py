"""Bounded fuzz per serial protocol: valid frames with mutated copies of other frames between them (bits flipped,
bytes lost, gained, repeated, a frame cut short), fed in random chunks. Nothing raises and every intact frame is
read. bench/fuzz.py runs the same idea over 10^6 bytes per protocol."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomcontrol.devices.vitals.encoders import masimo_line, nonin_packet
from roomcontrol.devices.vitals.masimo import MasimoParser
from roomcontrol.devices.vitals.nonin import NoninParser
from tests.devices.vitalshelp import feed

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MUTATION = st.tuples(st.integers(0, 5), st.integers(0, 10_000), st.binary(min_size=1, max_size=8))


def mutate(frame: bytes, mutations) -> bytes:
    b = bytearray(frame)
    for op, at, junk in mutations:
        if not b:
            break
        i = at % len(b)
        if op == 0:
            b[i] ^= 1 << (junk[0] % 8)
        elif op == 1:
            del b[i:i + len(junk)]
        elif op == 2:
            b[i:i] = junk
        elif op == 3:
            b[i:i] = b[i:i + 2 * len(junk)]
        elif op == 4:
            del b[i:]
        else:
            b[i] = junk[0]
    return bytes(b)


@FUZZ
@given(st.sampled_from([2, 7]), st.lists(st.lists(MUTATION, min_size=1, max_size=3), min_size=1, max_size=5),
       st.integers(1, 130))
def test_nonin_every_intact_packet_is_read_between_mutated_ones(fmt, mutations, chunk):
    # intact packets: SpO2 80+n; the mutated decoys: SpO2 50 (one mutation moves one frame, never HR and SpO2 both)
    data = b"".join(mutate(nonin_packet(200, 50, data_format=fmt), m) + nonin_packet(60 + n, 80 + n, data_format=fmt)
                    for n, m in enumerate(mutations))
    p = NoninParser(fmt, emit_every=1)
    out = feed(p, data, NOW, chunk)
    intact = [r.value for r in out if r.kind == "spo2" and r.value is not None and r.value >= 80]
    assert intact == [80.0 + n for n in range(len(mutations))]


@FUZZ
@given(st.lists(st.lists(MUTATION, min_size=1, max_size=3), min_size=1, max_size=5), st.integers(1, 90))
def test_masimo_every_intact_line_is_read_after_mutated_ones(mutations, chunk):
    decoy = masimo_line(datetime(2031, 6, 1, 12, 0, 0), spo2=90, bpm=100, pi=1.0)
    data = b"".join(mutate(decoy, m) + b"\r\n" + masimo_line(datetime(2026, 1, 5, 9, 0, n), spo2=97, bpm=70, pi=2.5)
                    for n, m in enumerate(mutations))
    p = MasimoParser(device_tz=timezone.utc)
    out = feed(p, data, NOW, chunk)
    seen = sorted({r.device_ts for r in out if r.device_ts is not None and r.device_ts.year == 2026})
    assert seen == [datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc) + timedelta(seconds=n)
                    for n in range(len(mutations))]
    assert p.counters["lines"] >= len(mutations)
