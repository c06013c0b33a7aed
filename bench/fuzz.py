"""Robustness of the vitals parsers: 10^6 bytes of noise per protocol, interleaved with valid frames.

    .venv/bin/python bench/fuzz.py [--noise BYTES] [--seed N]

Per protocol (Nonin DF2, Nonin DF7, Masimo ASCII 1, HL7 over MLLP, Philips IntelliVue Data Export) the production parser eats a stream in which
every valid frame is preceded by noise: random bytes, or decoy frames (the same encoder, values from a range no
valid frame uses) mutated as a bad line mutates them (bits flipped, bytes dropped, inserted, duplicated, a frame
cut short). The stream is fed in random chunks of 1-256 bytes, as a serial or TCP read hands it over.

Printed per protocol: bytes fed, exceptions (must be 0), valid frames sent and recovered (must be all), decoys that
still decoded (a mutation the protocol's check cannot see), false frames (values no frame carried: must be 0),
frames the parser counted as garbled, and the throughput of the noisy stream as a ratio of the throughput of the
valid frames alone, fed the same way in the same run (the baseline).

Line protocols (Masimo, and HL7 segments) end a noise burst at a line end: noise glued to the start of a line
garbles that line on a real wire too, which is counted as a bad line, not recovered. Nonin and MLLP take noise
anywhere between frames.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from roomcontrol.devices.vitals.encoders import hl7_frame, masimo_line, nonin_packet
from roomcontrol.devices.vitals.hl7_oru import Hl7Error, label_table, parse_oru
from roomcontrol.devices.vitals.masimo import MasimoParser
from roomcontrol.devices.vitals.mllp import MllpDeframer
from roomcontrol.devices.vitals.intellivue import framing as iv_framing
from roomcontrol.devices.vitals.intellivue import messages as iv
from roomcontrol.devices.vitals.nonin import NoninParser

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
T0 = datetime(2026, 1, 5, 9, 0)  # Masimo device clock (naive, read as UTC below)


def mutate(rnd: random.Random, frame: bytes) -> bytes:
    """One to three of the things a noisy line does to a frame."""
    b = bytearray(frame)
    for _ in range(rnd.randint(1, 3)):
        if not b:
            break
        op, i = rnd.randrange(6), rnd.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rnd.randrange(8)                          # a flipped bit
        elif op == 1:
            del b[i:i + rnd.randint(1, 8)]                         # bytes lost
        elif op == 2:
            b[i:i] = rnd.randbytes(rnd.randint(1, 8))              # bytes gained
        elif op == 3:
            b[i:i] = b[i:i + rnd.randint(1, 16)]                   # a stutter
        elif op == 4:
            del b[i:]                                              # cut short
        else:
            b[i] = rnd.randrange(256)                              # a byte replaced
    return bytes(b)


class Protocol:
    name = ""
    line_based = False

    def valid(self, n: int) -> tuple[bytes, object]: ...   # the n-th valid frame and its identity
    def decoy(self, rnd: random.Random) -> bytes: ...
    def parser(self): ...
    def identities(self, out: list) -> tuple[set, set, int]: ...  # (valid ids seen, decoy ids seen, false frames)
    def garbled(self, parser) -> int: ...


class Nonin(Protocol):
    """Identity: (HR, SpO2). Valid frames: SpO2 80-99; decoys: SpO2 50-69 (HR and SpO2 sit in different frames, so
    one mutation cannot move a decoy into the valid range unseen)."""

    def __init__(self, fmt: int):
        self.fmt, self.name = fmt, f"Nonin DF{fmt}"

    def valid(self, n):
        hr, spo2 = 40 + n % 200, 80 + (n // 200) % 20
        return nonin_packet(hr, spo2, data_format=self.fmt), (hr, spo2)

    def decoy(self, rnd):
        return nonin_packet(rnd.randint(30, 250), rnd.randint(50, 69), data_format=self.fmt)

    def parser(self):
        return NoninParser(self.fmt, emit_every=1)

    def identities(self, out):
        valid, decoys, false = set(), set(), 0
        for rate, spo2 in zip(out[0::2], out[1::2]):
            if rate.kind != "pulse_rate" or spo2.kind != "spo2":
                false += 1
                continue
            ident = (rate.value, spo2.value)
            if spo2.value is not None and 80 <= spo2.value <= 99:
                valid.add((int(rate.value), int(spo2.value)) if rate.value is not None else ident)
            elif spo2.value is not None and 50 <= spo2.value <= 69:
                decoys.add(ident)
            else:
                false += 1
        return valid, decoys, false

    def garbled(self, p):
        return p.counters["framing_errors"] + p.counters["incomplete_packets"]


class Masimo(Protocol):
    """Identity: the device time. Valid lines: 2026, one second apart; decoys: 2031."""

    name, line_based = "Masimo ASCII 1", True

    def valid(self, n):
        t = T0 + timedelta(seconds=n)
        return masimo_line(t, spo2=97, bpm=70, pi=2.5), t.replace(tzinfo=timezone.utc)

    def decoy(self, rnd):
        return masimo_line(datetime(2031, 6, 1, 12, 0, rnd.randrange(60)), spo2=rnd.randint(50, 100),
                           bpm=rnd.randint(30, 250), pi=1.0, model=rnd.choice(("radical7", "radical5")))

    def parser(self):
        return MasimoParser(device_tz=timezone.utc)

    def identities(self, out):
        valid, decoys, false = set(), set(), 0
        for r in out:
            if r.device_ts is not None and r.device_ts.year == 2026:
                valid.add(r.device_ts)
            elif r.device_ts is not None and r.device_ts.year == 2031:
                decoys.add(r.device_ts)
            else:
                false += 1  # a mutated date that still parsed: the line format has no check to catch it
        return valid, decoys, false

    def garbled(self, p):
        return p.counters["bad_lines"]


class Hl7Stream:
    """What the MLLP server does per connection, minus the socket: deframe, parse; a message that does not parse
    is counted (the server answers it AE/AR) and the stream goes on."""

    def __init__(self):
        self.deframer, self.table, self.bad = MllpDeframer(), label_table(), 0

    def feed(self, data, now=None):
        out = []
        for m in self.deframer.feed(data):
            try:
                msg = parse_oru(m.decode("utf-8", "replace"), table=self.table)
            except Hl7Error:
                self.bad += 1
                continue
            out.append(msg)
        return out


class Hl7(Protocol):
    """Identity: MSH-10. Valid: V<n>; decoys: D<n>."""

    name = "HL7 MLLP"

    def __init__(self):
        self.k = 0

    def _obs(self, n):
        return [("heart_rate", 60 + n % 50), ("spo2", 90 + n % 10), ("respiratory_rate", 14), ("etco2", 38)]

    def valid(self, n):
        return hl7_frame(f"V{n}", NOW, self._obs(n)), f"V{n}"

    def decoy(self, rnd):
        self.k += 1
        return hl7_frame(f"D{self.k}", NOW, self._obs(self.k))

    def parser(self):
        return Hl7Stream()

    def identities(self, out):
        valid, decoys, false = set(), set(), 0
        for m in out:
            cid = m.control_id
            if cid.startswith("V") and cid[1:].isdigit():
                valid.add(cid)
            elif cid.startswith("D"):
                decoys.add(cid)
            else:
                false += 1
        return valid, decoys, false

    def garbled(self, p):
        return p.bad + p.deframer.counters["broken_frames"]


class IntelliVueStream:
    """What the IntelliVue driver does with its port's bytes, minus the port: deframe (transparency, FCS), decode; a
    frame that does not decode is counted and the stream goes on."""

    def __init__(self):
        self.deframer, self.bad = iv_framing.Deframer(), 0

    def feed(self, data, now=None):
        out = []
        for user_data in self.deframer.feed(data):
            try:
                out.append(iv.decode(user_data))
            except iv.MessageError:
                self.bad += 1
        return out


class IntelliVue(Protocol):
    """Identity: the poll number of a numerics Poll Data Result. Valid: 1-39999; decoys: 40000 and up."""

    name = "IntelliVue"

    def _result(self, n: int, spo2: int) -> bytes:
        obs = iv.attribute_list(iv.attribute(iv.NOM_ATTR_NU_VAL_OBS,
                                             iv.nu_obs_value(iv.NOM_PULS_OXIM_SAT_O2, spo2, iv.NOM_DIM_PERCENT)))
        return iv_framing.frame(iv.poll_result(n % 0xFFFF, n, iv.NOM_MOC_VMO_METRIC_NU, [(1, obs)]))

    def valid(self, n):
        n = 1 + n % 39999
        return self._result(n, 80 + n % 20), n

    def decoy(self, rnd):
        return self._result(rnd.randint(40000, 0xFFFF), rnd.randint(50, 100))

    def parser(self):
        return IntelliVueStream()

    def identities(self, out):
        valid, decoys, false = set(), set(), 0
        for msg in out:
            number = getattr(msg, "poll_number", None)
            if number is not None and 1 <= number < 40000:
                valid.add(number)
            elif number is not None:
                decoys.add(number)
            else:
                false += 1
        return valid, decoys, false

    def garbled(self, p):
        return p.bad + p.deframer.counters["framing_errors"]


def build(proto: Protocol, rnd: random.Random, noise_bytes: int) -> tuple[bytes, bytes, set]:
    """The noisy stream, the valid frames alone, and the valid identities."""
    noisy, clean, ids = bytearray(), bytearray(), set()
    noise, n = 0, 0
    while noise < noise_bytes:
        burst = bytearray()
        if rnd.random() < 0.5:
            burst += rnd.randbytes(rnd.randint(1, 1200))
        else:
            for _ in range(rnd.randint(1, 3)):
                burst += mutate(rnd, proto.decoy(rnd))
        if proto.line_based:
            burst += b"\r\n"
        noise += len(burst)
        frame, ident = proto.valid(n)
        noisy += burst + frame
        clean += frame
        ids.add(ident)
        n += 1
    return bytes(noisy), bytes(clean), ids


def chunks(rnd: random.Random, data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        k = rnd.randint(1, 256)
        out.append(data[i:i + k])
        i += k
    return out


def run(make: Callable, parts: list[bytes]) -> tuple[list, int, float, object]:
    parser, out, errors = make(), [], 0
    start = time.perf_counter()
    for part in parts:
        try:
            out += parser.feed(part, NOW)
        except Exception as exc:  # the figure this bench exists for: must stay 0
            errors += 1
            print(f"  exception: {type(exc).__name__}: {exc}", file=sys.stderr)
    return out, errors, time.perf_counter() - start, parser


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--noise", type=int, default=1_000_000, help="noise bytes per protocol (default 10^6)")
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    print(f"{'protocol':15} {'bytes fed':>10} {'exceptions':>10} {'valid sent':>10} {'recovered':>10} "
          f"{'decoys ok':>9} {'false':>5} {'garbled':>8} {'MB/s noisy':>10} {'MB/s clean':>10} {'ratio':>6}")
    ok = True
    for proto in (Nonin(2), Nonin(7), Masimo(), Hl7(), IntelliVue()):
        rnd = random.Random(f"{args.seed}:{proto.name}")
        noisy, clean, ids = build(proto, rnd, args.noise)
        parts, clean_parts = chunks(rnd, noisy), chunks(rnd, clean)
        out, errors, t_noisy, parser = run(proto.parser, parts)
        base_out, base_errors, t_clean, _ = run(proto.parser, clean_parts)
        valid, decoys, false = proto.identities(out)
        assert proto.identities(base_out)[0] == ids and not base_errors, f"{proto.name}: the baseline lost frames"
        recovered = len(valid & ids)
        false += len(valid - ids)
        mbs_noisy, mbs_clean = len(noisy) / t_noisy / 1e6, len(clean) / t_clean / 1e6
        print(f"{proto.name:15} {len(noisy):>10} {errors:>10} {len(ids):>10} {recovered:>10} {len(decoys):>9} "
              f"{false:>5} {proto.garbled(parser):>8} {mbs_noisy:>10.2f} {mbs_clean:>10.2f} "
              f"{mbs_noisy / mbs_clean:>6.2f}")
        ok = ok and errors == 0 and recovered == len(ids)
    print("OK: no exception, every valid frame recovered" if ok else "FAILED: see the rows above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
