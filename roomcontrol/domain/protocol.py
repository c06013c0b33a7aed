"""A treatment protocol as data: what a clinic's medical director sets for one kind of session (issue #15).

`parse_protocol(raw, source)` turns one TOML table (protocols/*.toml) into a typed `Protocol`, or raises
`ProtocolError` listing every problem at once, each as `<file>: <dotted.key> = <value>: <what is allowed>` (the
style of room.toml's checks). Reading the files is roomcontrol.config.protocols' job; this module stays pure.

Minutes in a schedule count from an anchor: `pre_dose` (before the first dose), `dose` (from the start of dosing:
the infusion, or the first nasal device), `recovery` (from the end of dosing) and `discharge` (before leaving).
session.opened logs the protocol's id and version with the plan, so a replay never depends on today's file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from roomcontrol.domain.controlled import DEFAULT_DRUG, DRUG_ALLOWED, DRUG_PATTERN
from roomcontrol.domain import protocol_fields as F
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import KNOWN_CHECKLIST_ITEMS, DoseBounds, Range, SessionPolicy
from roomcontrol.domain.scales import SCALES

IV_INFUSION, INTRANASAL = "iv_infusion", "intranasal"
SESSION_TYPES = (IV_INFUSION, INTRANASAL)
ANCHORS = ("pre_dose", "dose", "recovery", "discharge")
MEASURES = ("nibp", "heart_rate", "spo2", "respiratory_rate", "etco2")
PROTOCOL_SCALES = tuple(SCALES)  # MOAA/S among them (domain/scales.py)
ADVISORY_WHEN = ("pre_dose", "during")
ADVISORY_VITALS = ("nibp", "heart_rate", "spo2", "respiratory_rate")
ESCORT_POLICIES = ("required", "advised", "not_required")
ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,47}"
TOP_KEYS = ("id", "version", "title", "session_type", "drug", "checks", "phases", "dose", "vitals", "scales",
            "advisories", "discharge", "rems", "responsiveness", "draw_before_dose")
# The "tap if you're OK" check runs from the start of dosing or of recovery until recovery starts or discharge.
CHECK_FROM = ("dose", "recovery")
CHECK_UNTIL = ("recovery", "discharge")


class ProtocolError(ValueError):
    """A protocol file that cannot be used: `problems` holds one line per mistake."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"{source} has {len(problems)} problem{'s' if len(problems) > 1 else ''}:\n  "
                         + "\n  ".join(problems))


@dataclass(frozen=True)
class Phases:
    infusion_min: float | None   # the planned infusion (IV); None for a fixed-dose protocol (devices set the time)
    infusion_bounds_min: Range   # what the nurse may plan instead (IV)
    min_recovery_min: int        # minimum monitoring after dosing ends


@dataclass(frozen=True)
class WeightDose:
    """IV: mg/kg with a default, a soft maximum needing a logged confirmation, and hard bounds."""
    mg_per_kg: float
    soft_max_mg_per_kg: float
    bounds_mg_per_kg: Range
    weight_kg: Range


@dataclass(frozen=True)
class FixedDose:
    """Intranasal: a choice of fixed doses, given as devices of `device_mg` a set time apart."""
    choices_mg: tuple[float, ...]
    default_mg: float
    device_mg: float
    device_interval_min: float
    weight_kg: Range

    def devices(self, dose_mg: float) -> int:
        return round(dose_mg / self.device_mg)

    def dosing_min(self, dose_mg: float) -> float:
        """From the first device to the last."""
        return (self.devices(dose_mg) - 1) * self.device_interval_min


@dataclass(frozen=True)
class Scheduled:
    """One thing to do on a schedule: `what` (a measure or a scale) at minutes from an anchor, and/or every N."""
    what: str
    anchor: str
    at_min: tuple[float, ...]
    every_min: float | None
    label: str
    grace_min: float = 5.0  # due this long before it is overdue (domain/schedule.py)


@dataclass(frozen=True)
class Advisory:
    """A rule the director sets; it never acts on the pump. `above`/`below` is the systolic for nibp."""
    id: str
    when: str                      # pre_dose: a decision before dosing; during: an advisory alarm
    vital: str
    above: float | None
    below: float | None
    diastolic_above: float | None  # nibp: either pressure above its limit counts
    readings: int                  # this many readings beyond the limit…
    within_min: float | None       # …within this many minutes
    sustained_s: int | None        # or beyond the limit continuously this long
    says: str


@dataclass(frozen=True)
class Discharge:
    min_after_last_dose_min: int
    moaas: int                  # MOAA/S needed (5: fully responsive)
    cadss_max: int | None       # CADSS-6 at most this (dissociation resolved)
    vitals_within_pct: float | None  # of baseline
    escort: str                 # required / advised / not_required
    min_padss: int | None


@dataclass(frozen=True)
class ResponsivenessCheck:
    """The patient's "tap if you're OK" check: asked every `every_min` from `start` until `until`; no tap within
    `answer_within_s` raises a medium alarm."""
    every_min: float
    answer_within_s: int
    start: str   # the file's `from`: "dose" or "recovery"
    until: str   # "recovery" (dosing only) or "discharge"


@dataclass(frozen=True)
class Protocol:
    id: str
    version: int
    title: str
    session_type: str
    checks: tuple[str, ...]
    phases: Phases
    dose: WeightDose | FixedDose
    vitals: tuple[Scheduled, ...]
    scales: tuple[Scheduled, ...]
    advisories: tuple[Advisory, ...]
    discharge: Discharge
    source: str
    drug: str = "ketamine"  # the controlled substance it gives: a draw of any other drug is refused
    rems: bool = False  # esketamine: the REMS Patient Monitoring Form is required at discharge (domain.rems)
    responsiveness: ResponsivenessCheck | None = None  # None: no "tap if you're OK" check
    draw_before_dose: bool = False  # the drug's draw (cs.drawn) is required before the first dose (domain.draw_first)

    @property
    def fixed_dose(self) -> FixedDose | None:
        return self.dose if isinstance(self.dose, FixedDose) else None


WEIGHT_KG = (10.0, 400.0)
MG_PER_KG = (0.05, 5.0)
INFUSION_MIN = (5.0, 480.0)
FIXED_MG = (1.0, 200.0)
SCHEDULE_MIN = (0.0, 600.0)
_WEIGHT_DEFAULT = Range(30, 250)
_PHASES_KEYS = ("infusion_min", "infusion_bounds_min", "min_recovery_min")
_IV_DOSE_KEYS = ("mg_per_kg", "soft_max_mg_per_kg", "bounds_mg_per_kg", "weight_bounds_kg")
_FIXED_DOSE_KEYS = ("choices_mg", "default_mg", "device_mg", "device_interval_min", "weight_bounds_kg")
_SCHEDULE_KEYS = ("anchor", "at_min", "every_min", "label", "grace_min")
GRACE_MIN = (1.0, 60.0)
_ADVISORY_KEYS = ("id", "when", "vital", "above", "below", "diastolic_above", "readings", "within_min",
                  "sustained_s", "says")
_CHECK_KEYS = ("every_min", "answer_within_s", "from", "until")
_DISCHARGE_KEYS = ("min_after_last_dose_min", "moaas", "cadss_max", "vitals_within_pct", "escort", "min_padss")


def parse_protocol(raw: Mapping[str, Any], source: str) -> Protocol:
    """The protocol of one TOML table, or ProtocolError naming every wrong key (`source`: the file, for messages)."""
    r = F.Reader(source)
    r.unknown(raw, TOP_KEYS, "(top level)")
    pid = r.get(raw, "id", "", F.text(ID_PATTERN, 48), "must be 1–48 lower-case letters, digits or '-'",
                "", required=True) or ""
    version = r.get(raw, "version", "", F.whole(1, 9999), F.between(1, 9999, True), 1, required=True) or 1
    title = r.get(raw, "title", "", F.text(r"\S.*", 80), "must be a non-empty title of at most 80 characters",
                  pid, required=True) or pid
    kind = r.get(raw, "session_type", "", F.choice(SESSION_TYPES), F.one_of(SESSION_TYPES), IV_INFUSION,
                 required=True) or IV_INFUSION
    drug = r.get(raw, "drug", "", F.text(DRUG_PATTERN, 40), DRUG_ALLOWED, DEFAULT_DRUG[kind]) or DEFAULT_DRUG[kind]
    no_checks: tuple[str, ...] = ()
    checks = r.get(raw, "checks", "", F.choices(KNOWN_CHECKLIST_ITEMS), F.list_of(KNOWN_CHECKLIST_ITEMS),
                   no_checks) or no_checks
    phases = _phases(r, raw, kind)
    dose = _weight_dose(r, raw) if kind == IV_INFUSION else _fixed_dose(r, raw)
    vitals = _schedule(r, raw, "vitals", "measure", MEASURES)
    scales = _schedule(r, raw, "scales", "scale", PROTOCOL_SCALES)
    advisories = _advisories(r, raw)
    discharge = _discharge(r, raw, phases.min_recovery_min)
    rems = r.get(raw, "rems", "", F.flag, "must be true or false", False) or False
    if rems and kind != INTRANASAL:
        r.bad("rems", True, 'the REMS form is for an esketamine (session_type = "intranasal") protocol')
    check = _responsiveness(r, raw)
    draw_first = r.get(raw, "draw_before_dose", "", F.flag, "must be true or false", False) or False
    if r.problems:
        raise ProtocolError(source, r.problems)
    return Protocol(pid, version, title, kind, checks, phases, dose, vitals, scales, advisories, discharge, source,
                    drug, rems, check, draw_first)


def _phases(r: F.Reader, raw: Mapping[str, Any], kind: str) -> Phases:
    t = r.table(raw, "phases", _PHASES_KEYS, "phases")
    iv = kind == IV_INFUSION
    minutes = r.get(t, "infusion_min", "phases", F.number(*INFUSION_MIN), F.between(*INFUSION_MIN), 40.0,
                    required=iv) if iv else None
    bounds = r.get(t, "infusion_bounds_min", "phases", F.span(*INFUSION_MIN), F.pair(*INFUSION_MIN),
                   Range(*INFUSION_MIN)) or Range(*INFUSION_MIN)
    if not iv and ("infusion_min" in t or "infusion_bounds_min" in t):
        r.problems.append("phases.infusion_min: only for session_type = \"iv_infusion\"; an intranasal protocol's "
                          "dosing time follows from dose.device_interval_min")
    if minutes is not None and minutes not in bounds:
        r.bad("phases.infusion_min", minutes, f"must lie inside phases.infusion_bounds_min "
              f"[{bounds.low:g}, {bounds.high:g}]")
    recovery = r.get(t, "min_recovery_min", "phases", F.whole(0, 600), F.between(0, 600, True), 30,
                     required=True) or 0
    return Phases(minutes, bounds, recovery)


def _weight_dose(r: F.Reader, raw: Mapping[str, Any]) -> WeightDose:
    t = r.table(raw, "dose", _IV_DOSE_KEYS, "dose")
    default = r.get(t, "mg_per_kg", "dose", F.number(*MG_PER_KG), F.between(*MG_PER_KG), 0.5, required=True) or 0.5
    bounds = r.get(t, "bounds_mg_per_kg", "dose", F.span(*MG_PER_KG), F.pair(*MG_PER_KG), Range(*MG_PER_KG),
                   required=True) or Range(*MG_PER_KG)
    soft = r.get(t, "soft_max_mg_per_kg", "dose", F.number(*MG_PER_KG), F.between(*MG_PER_KG), bounds.high,
                 required=True) or bounds.high
    weight = r.get(t, "weight_bounds_kg", "dose", F.span(*WEIGHT_KG), F.pair(*WEIGHT_KG),
                   _WEIGHT_DEFAULT) or _WEIGHT_DEFAULT
    if default not in bounds:
        r.bad("dose.mg_per_kg", default, f"must lie inside dose.bounds_mg_per_kg [{bounds.low:g}, {bounds.high:g}]")
    if soft not in bounds or soft < default:
        r.bad("dose.soft_max_mg_per_kg", soft, f"must lie inside dose.bounds_mg_per_kg [{bounds.low:g}, "
              f"{bounds.high:g}] and be at least dose.mg_per_kg ({default:g})")
    return WeightDose(default, soft, bounds, weight)


def _fixed_dose(r: F.Reader, raw: Mapping[str, Any]) -> FixedDose:
    t = r.table(raw, "dose", _FIXED_DOSE_KEYS, "dose")
    device = r.get(t, "device_mg", "dose", F.number(*FIXED_MG), F.between(*FIXED_MG), 1.0, required=True) or 1.0
    one: tuple[float, ...] = (device,)
    choices = r.get(t, "choices_mg", "dose", F.numbers(*FIXED_MG, 6), "must be a list of 1 to 6 different doses "
                    f"in mg from {FIXED_MG[0]:g} to {FIXED_MG[1]:g}", one, required=True) or one
    default = r.get(t, "default_mg", "dose", F.number(*FIXED_MG), F.between(*FIXED_MG), choices[0]) or choices[0]
    interval = r.get(t, "device_interval_min", "dose", F.number(0, 60), F.between(0, 60), 5.0,
                     required=True) or 0.0
    weight = r.get(t, "weight_bounds_kg", "dose", F.span(*WEIGHT_KG), F.pair(*WEIGHT_KG),
                   _WEIGHT_DEFAULT) or _WEIGHT_DEFAULT
    uneven = [c for c in choices if abs(c / device - round(c / device)) > 1e-9]
    if uneven:
        r.bad("dose.choices_mg", list(choices), f"each dose must be a whole number of devices of "
              f"dose.device_mg ({device:g} mg)")
    if default not in choices:
        r.bad("dose.default_mg", default, "must be one of dose.choices_mg (" + ", ".join(f"{c:g}" for c in choices)
              + ")")
    return FixedDose(choices, default, device, interval, weight)


def _entries(r: F.Reader, raw: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        r.bad(key, value, f"must be an array of tables ([[{key}]])")
        return []
    return [(f"{key}[{n}]", e) for n, e in enumerate(value)]


def _schedule(r: F.Reader, raw: Mapping[str, Any], key: str, what_key: str,
              options: tuple[str, ...]) -> tuple[Scheduled, ...]:
    out = []
    for where, e in _entries(r, raw, key):
        r.unknown(e, (what_key, *_SCHEDULE_KEYS), where)
        what = r.get(e, what_key, where, F.choice(options), F.one_of(options), "", required=True) or ""
        anchor = r.get(e, "anchor", where, F.choice(ANCHORS), F.one_of(ANCHORS), ANCHORS[0], required=True)
        none: tuple[float, ...] = ()
        at = r.get(e, "at_min", where, F.numbers(*SCHEDULE_MIN, 48), "must be a list of 1 to 48 different minutes "
                   f"from {SCHEDULE_MIN[0]:g} to {SCHEDULE_MIN[1]:g}", none) or none
        every = r.get(e, "every_min", where, F.number(1, 240), F.between(1, 240))
        label = r.get(e, "label", where, F.text(r"\S.*", 80), "must be a non-empty text of at most 80 characters",
                      "") or ""
        grace = r.get(e, "grace_min", where, F.number(*GRACE_MIN), F.between(*GRACE_MIN), 5.0) or 5.0
        if anchor in ("pre_dose", "discharge") and (at or every):
            r.problems.append(f"{where}: anchor \"{anchor}\" is one check (before dosing, before leaving); "
                              "at_min and every_min are for the anchors dose and recovery")
        elif anchor in ("dose", "recovery") and not at and every is None:
            r.problems.append(f"{where}: anchor \"{anchor}\" needs at_min (minutes from the anchor) or every_min")
        out.append(Scheduled(what, anchor or ANCHORS[0], at, every, label, grace))
    return tuple(out)


def _advisories(r: F.Reader, raw: Mapping[str, Any]) -> tuple[Advisory, ...]:
    out: list[Advisory] = []
    for where, e in _entries(r, raw, "advisories"):
        r.unknown(e, _ADVISORY_KEYS, where)
        aid = r.get(e, "id", where, F.text(ID_PATTERN, 48), "must be 1–48 lower-case letters, digits or '-'", "",
                    required=True) or ""
        if aid and any(a.id == aid for a in out):
            r.bad(f"{where}.id", aid, "must differ from every other advisory's id")
        when = r.get(e, "when", where, F.choice(ADVISORY_WHEN), F.one_of(ADVISORY_WHEN), "during",
                     required=True) or "during"
        vital = r.get(e, "vital", where, F.choice(ADVISORY_VITALS), F.one_of(ADVISORY_VITALS), "nibp",
                      required=True) or "nibp"
        above = r.get(e, "above", where, F.number(0, 300), F.between(0, 300))
        below = r.get(e, "below", where, F.number(0, 300), F.between(0, 300))
        diastolic = r.get(e, "diastolic_above", where, F.number(0, 300), F.between(0, 300))
        readings = r.get(e, "readings", where, F.whole(1, 10), F.between(1, 10, True), 1) or 1
        within = r.get(e, "within_min", where, F.number(1, 120), F.between(1, 120))
        sustained = r.get(e, "sustained_s", where, F.whole(1, 3600), F.between(1, 3600, True))
        says = r.get(e, "says", where, F.text(r"\S.*", 200), "must be a non-empty text of at most 200 characters",
                     "", required=True) or ""
        if above is None and below is None and diastolic is None:
            r.problems.append(f"{where}: needs a limit: above, below (or diastolic_above for nibp)")
        if diastolic is not None and vital != "nibp":
            r.problems.append(f"{where}.diastolic_above: only for vital = \"nibp\"")
        if readings > 1 and within is None:
            r.problems.append(f"{where}.within_min: missing; readings = {readings} needs the minutes they fall "
                              "within")
        out.append(Advisory(aid, when, vital, above, below, diastolic, readings, within, sustained, says))
    return tuple(out)


def _discharge(r: F.Reader, raw: Mapping[str, Any], min_recovery: int) -> Discharge:
    t = r.table(raw, "discharge", _DISCHARGE_KEYS, "discharge")
    after = r.get(t, "min_after_last_dose_min", "discharge", F.whole(0, 600), F.between(0, 600, True),
                  min_recovery) or 0
    moaas = r.get(t, "moaas", "discharge", F.whole(0, 5), F.between(0, 5, True), 5)
    cadss = r.get(t, "cadss_max", "discharge", F.whole(0, 24), F.between(0, 24, True))
    pct = r.get(t, "vitals_within_pct", "discharge", F.number(1, 100), F.between(1, 100))
    escort = r.get(t, "escort", "discharge", F.choice(ESCORT_POLICIES), F.one_of(ESCORT_POLICIES), "required")
    padss = r.get(t, "min_padss", "discharge", F.whole(0, 10), F.between(0, 10, True))
    return Discharge(after, 5 if moaas is None else moaas, cadss, pct, escort or "required", padss)


def _responsiveness(r: F.Reader, raw: Mapping[str, Any]) -> ResponsivenessCheck | None:
    if "responsiveness" not in raw:
        return None
    t = r.table(raw, "responsiveness", _CHECK_KEYS, "responsiveness")
    where = "responsiveness"
    every = r.get(t, "every_min", where, F.number(1, 120), F.between(1, 120), 15.0, required=True) or 15.0
    within = r.get(t, "answer_within_s", where, F.whole(15, 600), F.between(15, 600, True), 120, required=True) or 120
    start = r.get(t, "from", where, F.choice(CHECK_FROM), F.one_of(CHECK_FROM), CHECK_FROM[0]) or CHECK_FROM[0]
    until = r.get(t, "until", where, F.choice(CHECK_UNTIL), F.one_of(CHECK_UNTIL), CHECK_UNTIL[1]) or CHECK_UNTIL[1]
    if start == "recovery" and until == "recovery":
        r.bad("responsiveness.until", until, 'must be "discharge" when from = "recovery"')
    if within >= every * 60:
        r.bad("responsiveness.answer_within_s", within, f"must be shorter than every_min ({every:g} min)")
    return ResponsivenessCheck(every, within, start, until)


def chosen(policy: SessionPolicy, protocol_id: object) -> Protocol | None:
    """The protocol a check-in names (None: the room's first), or None when the room enables none; Refused for
    one the room does not enable."""
    if protocol_id is None:
        return policy.protocols[0] if policy.protocols else None
    for p in policy.protocols:
        if p.id == protocol_id:
            return p
    raise Refused(f"protocol {protocol_id!r} is not enabled in this room; enabled: "
                  + (", ".join(p.id for p in policy.protocols) or "none"))


def session_drug(policy: SessionPolicy, protocol_id: str | None) -> str:
    """The controlled substance a session gives: its protocol's, or IV ketamine in a room without protocols."""
    protocol = enabled(policy, protocol_id)
    return DEFAULT_DRUG["iv_infusion"] if protocol is None else protocol.drug


def enabled(policy: SessionPolicy, protocol_id: str | None) -> Protocol | None:
    """A session's protocol among today's enabled ones (None: run by the room's [session] values)."""
    return next((p for p in policy.protocols if p.id == protocol_id), None)


def session_policy(room: SessionPolicy, protocol: Protocol | None) -> SessionPolicy:
    """The rules a session under `protocol` follows: the protocol's where it gives them, the room's otherwise."""
    if protocol is None:
        return room
    d = protocol.discharge
    policy = replace(
        room, required_checklist=protocol.checks or room.required_checklist,
        min_recovery_min=max(protocol.phases.min_recovery_min, d.min_after_last_dose_min),
        require_escort=d.escort == "required",
        min_padss_for_discharge=room.min_padss_for_discharge if d.min_padss is None else d.min_padss)
    dose = protocol.dose
    if isinstance(dose, FixedDose):
        return replace(policy, planned_infusion_min=dose.dosing_min(dose.default_mg),
                       bounds=replace(room.bounds, weight_kg=dose.weight_kg))
    return replace(policy, planned_infusion_min=protocol.phases.infusion_min or room.planned_infusion_min,
                   default_dose_mg_per_kg=dose.mg_per_kg, soft_max_dose_mg_per_kg=dose.soft_max_mg_per_kg,
                   bounds=DoseBounds(dose.weight_kg, dose.bounds_mg_per_kg, protocol.phases.infusion_bounds_min,
                                     room.bounds.concentration_mg_per_ml))


def fixed_plan(dose: FixedDose, weight_kg: object, dose_mg: object) -> dict[str, Any]:
    """The plan of a fixed-dose (intranasal) session as session.opened logs it: the dose in mg as devices a set
    time apart; `planned_infusion_min` is the dosing time (first device to last), mg/kg only for the record."""
    if isinstance(weight_kg, bool) or not isinstance(weight_kg, (int, float)) or weight_kg not in dose.weight_kg:
        raise Refused(f"weight must be a number ({dose.weight_kg.describe('kg')}), got {weight_kg!r}")
    mg = dose.default_mg if dose_mg is None else dose_mg
    if isinstance(mg, bool) or not isinstance(mg, (int, float)) or float(mg) not in dose.choices_mg:
        raise Refused("the dose must be one of this protocol's: "
                      + " or ".join(f"{c:g} mg" for c in dose.choices_mg) + f", got {mg!r}")
    mg, weight = float(mg), float(weight_kg)
    return {"weight_kg": weight, "dose_mg": mg, "devices": dose.devices(mg),
            "device_interval_min": dose.device_interval_min, "dose_mg_per_kg": round(mg / weight, 3),
            "total_dose_mg": mg, "planned_infusion_min": dose.dosing_min(mg), "rate_mg_per_h": None,
            "concentration_mg_per_ml": None, "rate_ml_per_h": None}


SHORT_TITLE_MAX = 32


def short_title(title: str) -> str:
    """A title as a station tile has room for: up to its first parenthesis ('IV ketamine, depression (0.5 mg/kg
    over 40 min)' → 'IV ketamine, depression'), at most SHORT_TITLE_MAX characters."""
    short = title.split(" (", 1)[0].strip() or title.strip()
    return short if len(short) <= SHORT_TITLE_MAX else short[:SHORT_TITLE_MAX - 1].rstrip() + "…"
