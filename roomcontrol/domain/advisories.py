"""Advisory rules acting (issue #15, item 4): the protocol's `[[advisories]]` read against the readings. They advise,
never act on the pump; the nurse's answer is logged.

- pre_dose: `pre_dose_findings` — the last NIBP/HR before the start above a rule's limits; the engine then refuses
  start_infusion until the nurse decides (`decide_pre_dose`: proceed with a reason, delay or cancel);
- during: `AdvisoryWatch` — fed every trusted reading from the start of the infusion; a rule met ("two readings
  > 180/110 within 5 min", "HR > 120 for 2 min") gives a `Finding` the engine raises as the medium clinical alarm
  "advisory:<id>" with the readings in its text. It fires once per episode: a count rule counts only readings after
  its last firing, a sustained rule again only after the vital came back within its limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import Advisory, Protocol
from roomcontrol.domain.vitals import Reading, trusted

ADVISORY_PREFIX = "advisory:"  # the clinical alarm's condition is "advisory:<the rule's id>"
DECISIONS = ("proceed", "delay", "cancel")
RESPONSES = ("paused", "continued")
NIBP_PAIR_S = 5.0  # a systolic and a diastolic this close in time are one measurement
# The reading kinds each advisory vital reads (an oximeter's pulse rate stands in for the heart rate).
VITAL_KINDS = {"nibp": ("nibp_systolic", "nibp_diastolic"), "heart_rate": ("heart_rate", "pulse_rate"),
               "spo2": ("spo2",), "respiratory_rate": ("respiratory_rate",)}
Values = Mapping[str, float]  # a sample: "nibp_systolic"/"nibp_diastolic" for nibp, "value" for the others


def reason_for(key: str, value: str, allowed: tuple[str, ...], reason: str, needs_reason: str,
               refusal: str) -> str:
    """The nurse's answer to an advisory (`key` = `value`, one of `allowed`): its reason, stripped; Refused for
    another value, or (`refusal`) for `needs_reason` without a reason: going on past an advisory is argued."""
    if value not in allowed:
        raise Refused(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    reason = reason.strip()
    if value == needs_reason and not reason:
        raise Refused(refusal)
    return reason


def condition(advisory_id: str) -> str:
    return ADVISORY_PREFIX + advisory_id


@dataclass(frozen=True)
class Finding:
    """An advisory rule met: the rule, the samples that met it (oldest first) and what the nurse reads."""
    advisory: Advisory
    samples: tuple[tuple[datetime, Values], ...]

    @property
    def value(self) -> float:
        """The newest sample's main value (the systolic for nibp), logged with the alarm."""
        v = self.samples[-1][1]
        return v["nibp_systolic"] if self.advisory.vital == "nibp" else v["value"]

    @property
    def readings(self) -> str:
        """'BP 186/112, 184/111 (4 min apart)'; 'HR 131 (above 120 for 2 min)'; 'BP 172/104'."""
        a = self.advisory
        shown = ", ".join(show(a.vital, v) for _, v in self.samples)
        name = "BP" if a.vital == "nibp" else SHORT[a.vital]
        if len(self.samples) > 1 and a.sustained_s is None:
            apart = (self.samples[-1][0] - self.samples[0][0]).total_seconds()
            return f"{name} {shown} ({minutes(apart)} apart)"
        if a.sustained_s is not None:
            side = "below" if a.below is not None and self.samples[-1][1]["value"] < a.below else "above"
            limit = a.below if side == "below" else a.above
            return f"{name} {shown} ({side} {limit:g} for {minutes(a.sustained_s)})"
        return f"{name} {shown}"

    @property
    def text(self) -> str:
        return f"{self.advisory.says} — {self.readings}"


SHORT = {"heart_rate": "HR", "spo2": "SpO2", "respiratory_rate": "RR"}


def show(vital: str, v: Values) -> str:
    if vital == "nibp":
        return f"{v['nibp_systolic']:g}/{v['nibp_diastolic']:g}"
    return f"{v['value']:g}" + (" %" if vital == "spo2" else "")


def minutes(seconds: float) -> str:
    """'4 min', '2 min 30 s', '45 s'."""
    m, s = divmod(int(round(seconds)), 60)
    if not m:
        return f"{s} s"
    return f"{m} min" + (f" {s:02d} s" if s else "")


def beyond(a: Advisory, v: Values) -> bool:
    """Whether a sample breaks the rule's limits (nibp: the systolic above/below, or the diastolic above)."""
    main = v["nibp_systolic"] if a.vital == "nibp" else v["value"]
    if a.above is not None and main > a.above:
        return True
    if a.below is not None and main < a.below:
        return True
    return a.diastolic_above is not None and v.get("nibp_diastolic", 0.0) > a.diastolic_above


def sample(vital: str, values: Mapping[str, float]) -> Values | None:
    """A sample of `vital` from readings by kind (the last before the start), or None when one is missing."""
    if vital == "nibp":
        if "nibp_systolic" in values and "nibp_diastolic" in values:
            return {"nibp_systolic": values["nibp_systolic"], "nibp_diastolic": values["nibp_diastolic"]}
        return None
    found = next((values[k] for k in VITAL_KINDS[vital] if k in values), None)
    return None if found is None else {"value": found}


def pre_dose_findings(protocol: Protocol | None, values: Mapping[str, float],
                      at: datetime) -> tuple[Finding, ...]:
    """The protocol's pre-dose rules the last readings before the start break (`values`: by reading kind)."""
    out: list[Finding] = []
    for a in protocol.advisories if protocol else ():
        v = sample(a.vital, values) if a.when == "pre_dose" else None
        if v is not None and beyond(a, v):
            out.append(Finding(a, ((at, v),)))
    return tuple(out)


@dataclass
class _Track:
    samples: list[tuple[datetime, Values]] = field(default_factory=list)  # beyond the limit, since the last firing
    since: datetime | None = None  # sustained: beyond continuously since
    fired: bool = False            # sustained: this episode already advised


class AdvisoryWatch:
    """The protocol's during-session rules over the readings (owned by the engine thread; memory only)."""

    def __init__(self, protocol: Protocol | None):
        self.rules = tuple(a for a in protocol.advisories if a.when == "during") if protocol else ()
        self._tracks = {a.id: _Track() for a in self.rules}
        self._nibp: dict[str, tuple[datetime, float]] = {}
        self._nibp_used: datetime | None = None  # the last measurement taken as a sample

    def reading(self, r: Reading) -> list[Finding]:
        """One reading in; the rules it completes out."""
        if not trusted(r) or r.value is None:
            return []
        ts = r.device_ts or r.received_ts
        if r.kind in ("nibp_systolic", "nibp_diastolic"):
            self._nibp[r.kind] = (ts, r.value)
            pair = self._nibp_pair()
            return [] if pair is None else self.sample("nibp", *pair)
        vital = next((name for name, kinds in VITAL_KINDS.items() if r.kind in kinds), None)
        return [] if vital is None else self.sample(vital, ts, {"value": r.value})

    def _nibp_pair(self) -> tuple[datetime, Values] | None:
        sys_, dia = self._nibp.get("nibp_systolic"), self._nibp.get("nibp_diastolic")
        if sys_ is None or dia is None or abs((sys_[0] - dia[0]).total_seconds()) > NIBP_PAIR_S:
            return None
        ts = max(sys_[0], dia[0])
        if self._nibp_used is not None and ts - self._nibp_used <= timedelta(seconds=NIBP_PAIR_S):
            return None  # this measurement was taken already (its mean or a repeat arrived)
        self._nibp_used = ts
        return ts, {"nibp_systolic": sys_[1], "nibp_diastolic": dia[1]}

    def sample(self, vital: str, ts: datetime, v: Values) -> list[Finding]:
        out: list[Finding] = []
        for a in self.rules:
            if a.vital == vital:
                found = self._step(a, self._tracks[a.id], ts, v)
                if found is not None:
                    out.append(found)
        return out

    @staticmethod
    def _step(a: Advisory, t: _Track, ts: datetime, v: Values) -> Finding | None:
        if not beyond(a, v):
            t.since, t.fired = None, False
            return None
        if a.sustained_s is not None:
            if t.since is None:
                t.since = ts
            if t.fired or (ts - t.since).total_seconds() < a.sustained_s:
                return None
            t.fired = True
            return Finding(a, ((ts, v),))
        window = timedelta(minutes=a.within_min or 0)
        t.samples = [(at, s) for at, s in t.samples if ts - at <= window] + [(ts, v)]
        if len(t.samples) < a.readings:
            return None
        found, t.samples = Finding(a, tuple(t.samples[-a.readings:])), []
        return found
