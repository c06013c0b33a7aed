"""A plausible patient for the simulated monitor: pure functions of time (seconds since the simulation began).

Numerics vary gently (slow sines with seeded phases plus a small per-second jitter), so the same seed and time
always give the same values. Ketamine raises blood pressure and heart rate a little, most around 40 minutes into
the infusion, fading after it. Scripted events (hypertension, desaturation, brady/tachycardia, sensor off, cable
pulled) ramp in and out over a few seconds. Respiration: a rate and an end-tidal CO2 that vary with the breath;
respiratory depression (the risk of sedation) slows breathing and lets CO2 rise, the SpO2 sagging only late.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

EVENT_KINDS = ("hypertension", "desaturation", "bradycardia", "tachycardia", "respiratory_depression", "sensor_off",
               "cable_pulled")
# Shift at full strength, per event kind (heart_rate, spo2, systolic, diastolic).
EVENT_SHIFT = {
    "hypertension": (6, 0, 45, 22),
    "desaturation": (8, -13, 0, 0),
    "bradycardia": (-30, 0, -8, -5),
    "tachycardia": (60, 0, 10, 5),
    "respiratory_depression": (-4, -3, 0, 0),
}
# Shift at full strength, per event kind (respiratory_rate, etco2): hypoventilation is slow breaths and CO2 retained.
RESP_SHIFT = {
    "respiratory_depression": (-9, 22),
    "desaturation": (4, -2),
}
RAMP_S = 15.0
KETAMINE_PEAK_MIN = 40.0
KETAMINE_FADE_MIN = 20.0  # time constant of the decline after the peak
KETAMINE_SHIFT = (8, 0, 18, 10)  # heart_rate, spo2, systolic, diastolic at the peak


@dataclass(frozen=True)
class Event:
    kind: str          # one of EVENT_KINDS
    start_s: float     # seconds since the simulation began
    duration_s: float
    magnitude: float = 1.0  # scales EVENT_SHIFT

    def __post_init__(self):
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event {self.kind!r}; known: {', '.join(EVENT_KINDS)}")

    def strength(self, t: float) -> float:
        """0..1: ramps in over RAMP_S (or a third of a short event), holds, ramps out after the end."""
        if self.kind in ("sensor_off", "cable_pulled"):
            return 1.0 if self.start_s <= t < self.start_s + self.duration_s else 0.0
        ramp = min(RAMP_S, self.duration_s / 3) or 1e-9
        up = (t - self.start_s) / ramp
        down = (self.start_s + self.duration_s + ramp - t) / ramp
        return max(0.0, min(1.0, up, down))


@dataclass(frozen=True)
class Baseline:
    heart_rate: float = 72
    spo2: float = 98
    systolic: float = 122
    diastolic: float = 78
    respiratory_rate: float = 14
    perfusion_index: float = 2.5
    etco2: float = 38  # mmHg, at the nasal sampling line


@dataclass(frozen=True)
class Numerics:
    heart_rate: float | None
    spo2: float | None
    perfusion_index: float | None
    respiratory_rate: float | None
    etco2: float | None = None
    sensor_off: bool = False


def ketamine_effect(infusion_min: float | None) -> float:
    """0..1: a smooth rise to the peak at ~40 min, then an exponential fade."""
    if infusion_min is None or infusion_min <= 0:
        return 0.0
    if infusion_min <= KETAMINE_PEAK_MIN:
        return math.sin(math.pi / 2 * infusion_min / KETAMINE_PEAK_MIN) ** 2
    return math.exp(-(infusion_min - KETAMINE_PEAK_MIN) / KETAMINE_FADE_MIN)


class VitalsModel:
    def __init__(self, baseline: Baseline = Baseline(), events=(), seed: int = 1, nibp_interval_s: float = 300.0):
        self.baseline = baseline
        self.events = list(events)
        self.seed = seed
        self.nibp_interval_s = nibp_interval_s
        rnd = random.Random(seed)
        # Three slow waves per signal: (amplitude share, period s, phase)
        self._waves = {k: [(w, rnd.uniform(25, 140), rnd.uniform(0, 2 * math.pi)) for w in (0.5, 0.3, 0.2)]
                       for k in ("hr", "spo2", "pi", "rr", "bp", "co2")}

    def _wave(self, key: str, t: float) -> float:
        return sum(w * math.sin(2 * math.pi * t / p + ph) for w, p, ph in self._waves[key])

    def _jitter(self, key: str, t: float) -> float:
        """Per-second noise in -1..1, pure in (seed, key, whole second)."""
        return random.Random(f"{self.seed}:{key}:{int(t)}").uniform(-1, 1)

    def _shift(self, t: float, infusion_min: float | None) -> list[float]:
        k = ketamine_effect(infusion_min)
        total = [k * s for s in KETAMINE_SHIFT]
        for e in self.events:
            if e.kind in EVENT_SHIFT:
                f = e.strength(t) * e.magnitude
                total = [a + f * b for a, b in zip(total, EVENT_SHIFT[e.kind])]
        return total

    def _resp_shift(self, t: float) -> tuple[float, float]:
        rr = co2 = 0.0
        for e in self.events:
            if e.kind in RESP_SHIFT:
                f = e.strength(t) * e.magnitude
                rr, co2 = rr + f * RESP_SHIFT[e.kind][0], co2 + f * RESP_SHIFT[e.kind][1]
        return rr, co2

    def status(self, t: float) -> set[str]:
        return {e.kind for e in self.events if e.kind in ("sensor_off", "cable_pulled") and e.strength(t) > 0}

    def heart_rate(self, t: float, infusion_min: float | None = None) -> float:
        return max(25.0, self.baseline.heart_rate + 2.5 * self._wave("hr", t) + self._shift(t, infusion_min)[0])

    def respiration(self, t: float) -> tuple[float, float]:
        """Respiratory rate (/min) and EtCO2 (mmHg) at t. The capnograph's line is not the finger probe: a sensor
        off the finger leaves these alone."""
        b = self.baseline
        d_rr, d_co2 = self._resp_shift(t)
        rr = b.respiratory_rate + 1.2 * self._wave("rr", t) + 0.5 * self._jitter("rr", t) + d_rr
        co2 = b.etco2 + 1.5 * self._wave("co2", t) + 0.6 * self._jitter("co2", t) + d_co2
        return max(3.0, float(round(rr))), max(0.0, float(round(co2)))

    def numerics(self, t: float, infusion_min: float | None = None) -> Numerics:
        rr, co2 = self.respiration(t)
        if "sensor_off" in self.status(t):
            return Numerics(None, None, None, rr, co2, sensor_off=True)
        b = self.baseline
        shift = self._shift(t, infusion_min)
        hr = self.heart_rate(t, infusion_min) + 0.8 * self._jitter("hr", t)
        spo2 = b.spo2 + 0.8 * self._wave("spo2", t) + 0.4 * self._jitter("spo2", t) + shift[1]
        pi = b.perfusion_index * (1 + 0.15 * self._wave("pi", t))
        return Numerics(round(hr), min(100, round(spo2)), round(pi, 2), rr, co2)

    def nibp(self, t: float, infusion_min: float | None = None) -> tuple[int, int, int]:
        """A cuff measurement taken at t: systolic, diastolic, mean (mmHg)."""
        b = self.baseline
        shift = self._shift(t, infusion_min)
        drift = 3 * self._wave("bp", t)
        sys_ = round(b.systolic + drift + 3 * self._jitter("sys", t) + shift[2])
        dia = round(b.diastolic + 0.6 * drift + 2 * self._jitter("dia", t) + shift[3])
        return sys_, dia, round(dia + (sys_ - dia) / 3)

    def nibp_due(self, t_prev: float | None, t: float) -> bool:
        """A cuff cycle at t = 0 and every nibp_interval_s after."""
        if t_prev is None:
            return True
        return math.floor(t / self.nibp_interval_s) > math.floor(t_prev / self.nibp_interval_s)


def pleth_shape(phase: float) -> float:
    """One beat of a finger pleth, 0..1: the systolic upstroke and a dicrotic bump."""
    p = phase % 1.0
    return min(1.0, math.exp(-((p - 0.18) / 0.08) ** 2) + 0.32 * math.exp(-((p - 0.48) / 0.1) ** 2))


class PlethGenerator:
    """75 Hz pleth following the model's heart rate. Deterministic for a given model and sample times."""

    RATE = 75

    def __init__(self, model: VitalsModel):
        self.model = model
        self._phase = 0.0
        self._n = 0

    def next(self, count: int, infusion_min: float | None = None) -> list[float]:
        out = []
        for _ in range(count):
            t = self._n / self.RATE
            self._n += 1
            if "sensor_off" in self.model.status(t):
                out.append(0.0)
                continue
            self._phase += self.model.heart_rate(t, infusion_min) / 60 / self.RATE
            out.append(pleth_shape(self._phase))
        return out
