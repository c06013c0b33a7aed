"""Throughput of the vitals parsers, as a multiple of the 9600-baud wire (960 bytes/s, 8N1).

    .venv/bin/python bench/vitals_parsers.py

Each parser eats a realistic stream (the simulator's bytes, with a little line noise) in 64-byte reads, as the
serial reader hands them over. The baseline, measured in the same run, is a bare loop over the same chunks.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from roomcontrol.devices.vitals.encoders import hl7_frame, masimo_line, nonin_packet
from roomcontrol.devices.vitals.mllp import MllpDeframer
from roomcontrol.devices.vitals.hl7_oru import label_table, parse_oru
from roomcontrol.devices.vitals.masimo import MasimoParser
from roomcontrol.devices.vitals.nonin import NoninParser
from roomcontrol.devices.vitals.physiology import PlethGenerator, VitalsModel

WIRE = 960  # bytes/s at 9600 baud, 10 bits a byte
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
NOISE = b"\x00\xff\x13"


def streams() -> dict[str, bytes]:
    model = VitalsModel()
    pleth = PlethGenerator(model)
    out = {"nonin DF7": bytearray(), "nonin DF2": bytearray(), "masimo ASCII 1": bytearray(), "hl7 MLLP": bytearray()}
    for k in range(3 * 600):  # 10 minutes of patient
        t = k / 3
        n = model.numerics(t)
        samples = pleth.next(25)
        out["nonin DF7"] += nonin_packet(n.heart_rate, n.spo2, samples)
        out["nonin DF2"] += nonin_packet(n.heart_rate, n.spo2, samples, data_format=2)
        if k % 3 == 0:
            out["masimo ASCII 1"] += masimo_line(datetime(2026, 1, 5, 9, 0), spo2=n.spo2, bpm=n.heart_rate, pi=2.5)
            out["hl7 MLLP"] += hl7_frame(f"B{k}", NOW, [("heart_rate", n.heart_rate), ("spo2", n.spo2),
                                                        ("perfusion_index", 2.5), ("respiratory_rate", 14)])
        if k % 90 == 0:
            for s in out.values():
                s += NOISE
    return {k: bytes(v) for k, v in out.items()}


class Hl7Stream:
    """What the server does per connection, minus the socket: deframe, parse."""

    def __init__(self):
        self.deframer, self.table = MllpDeframer(), label_table()

    def feed(self, data, now=None):
        out = []
        for m in self.deframer.feed(data):
            out += parse_oru(m.decode("utf-8", "replace"), table=self.table).observations
        return out


def measure(make, data: bytes, repeat: int = 3) -> float:
    best = float("inf")
    chunks = [data[i:i + 64] for i in range(0, len(data), 64)]
    for _ in range(repeat):
        parser = make()
        t0 = time.perf_counter()
        for c in chunks:
            parser.feed(c, NOW)
        best = min(best, time.perf_counter() - t0)
    return len(data) / best


class Baseline:
    def feed(self, data, now=None):
        return []


def main() -> None:
    data = streams()
    makers = {"nonin DF7": lambda: NoninParser(7), "nonin DF2": lambda: NoninParser(2),
              "masimo ASCII 1": MasimoParser, "hl7 MLLP": Hl7Stream}
    base = measure(Baseline, data["nonin DF7"])
    print(f"{'parser':16} {'bytes':>9} {'bytes/s':>12} {'x 9600 baud':>12} {'vs bare loop':>13}")
    print(f"{'(bare loop)':16} {len(data['nonin DF7']):9d} {base:12,.0f} {base / WIRE:12,.0f} {1:13.3f}")
    for name, make in makers.items():
        rate = measure(make, data[name])
        print(f"{name:16} {len(data[name]):9d} {rate:12,.0f} {rate / WIRE:12,.0f} {rate / base:13.4f}")


if __name__ == "__main__":
    main()
