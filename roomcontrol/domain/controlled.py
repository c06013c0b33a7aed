"""The controlled-substance record of one session (issue #15 item 6): the vial or syringe drawn, the dose given, the
waste under a witness, and whether drawn = given + wasted.

Pure: the engine verifies both PINs (roomcontrol/engine/controlled.py) and passes `given_mg` from the session's own
fold (Session.given_mg, summed over the rate segments in domain/dose.py), never computed again here. The waste and
its witness are one event: there is no way to add a witness afterwards.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from roomcontrol.domain.errors import Refused

# The drug a protocol gives when its file names none (a room without protocols gives IV ketamine).
DEFAULT_DRUG = {"iv_infusion": "ketamine", "intranasal": "esketamine"}
DRUG_PATTERN = r"[a-z][a-z0-9 -]{1,39}"
DRUG_ALLOWED = "a generic name in lower case (letters, digits, spaces or '-'), 2–40 characters, e.g. \"ketamine\""
LOT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}"
# Ketamine comes as 10, 50 and 100 mg/mL; an esketamine device holds 28 mg in 0.2 mL (140 mg/mL).
MG_PER_ML = (0.1, 200.0)
ML = (0.01, 100.0)
# drawn = given + wasted "within a tolerance": half a mg, or what the smallest step a syringe is read to (0.05 mL)
# holds at the drawn concentration, whichever is larger. Beyond it the discrepancy must be explained in words.
SYRINGE_STEP_ML = 0.05
MIN_TOLERANCE_MG = 0.5
EXPLANATION_MAX = 300


@dataclass(frozen=True)
class Draw:
    drug: str
    mg_per_ml: float
    ml: float
    mg: float
    lot: str
    expiry: str
    by: str


@dataclass(frozen=True)
class Waste:
    mg: float
    ml: float
    witness: str
    given_mg: float
    discrepancy_mg: float
    explanation: str | None
    by: str


@dataclass(frozen=True)
class Ledger:
    """What the session's log says was drawn and wasted (folded from cs.drawn and cs.wasted)."""
    draws: tuple[Draw, ...] = ()
    waste: Waste | None = None

    @property
    def drawn_mg(self) -> float:
        return round(sum(d.mg for d in self.draws), 2)

    @property
    def drawn_ml(self) -> float:
        return round(sum(d.ml for d in self.draws), 3)

    @property
    def drug(self) -> str | None:
        return self.draws[0].drug if self.draws else None

    @property
    def mg_per_ml(self) -> float | None:
        return self.draws[0].mg_per_ml if self.draws else None

    @property
    def reconciled(self) -> bool:
        """Nothing drawn, or the waste is recorded (witnessed, any discrepancy explained)."""
        return not self.draws or self.waste is not None

    def drawn(self, payload: dict[str, Any], actor: str) -> Ledger:
        p = payload
        draw = Draw(str(p["drug"]), float(p["mg_per_ml"]), float(p["ml"]), float(p["mg"]), str(p["lot"]),
                    str(p["expiry"]), actor)
        return replace(self, draws=self.draws + (draw,))

    def wasted(self, payload: dict[str, Any], actor: str) -> Ledger:
        p = payload
        waste = Waste(float(p["mg"]), float(p["ml"]), str(p["witness"]), float(p["given_mg"]),
                      float(p["discrepancy_mg"]), p.get("explanation"), actor)
        return replace(self, waste=waste)


def tolerance_mg(mg_per_ml: float) -> float:
    return max(MIN_TOLERANCE_MG, round(SYRINGE_STEP_ML * mg_per_ml, 2))


def expiry_date(text: object) -> date | None:
    """The last day a label's expiry allows: YYYY-MM-DD, or YYYY-MM (to the end of that month, as vials print it)."""
    if not isinstance(text, str):
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text.strip())
    if m is None:
        return None
    year, month = int(m[1]), int(m[2])
    if not 1 <= month <= 12:
        return None
    day = int(m[3]) if m[3] else monthrange(year, month)[1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _number(name: str, value: object, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Refused(f"{name} must be a number from {low:g} to {high:g} {unit}, got {value!r}")
    return float(value)


def _text(name: str, value: object, pattern: str, allowed: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value.strip()):
        raise Refused(f"{name} must be {allowed}, got {value!r}")
    return value.strip()


def draw_payload(ledger: Ledger, protocol_drug: str, drug: object, mg_per_ml: object, ml: object, lot: object,
                 expiry: object, today: date) -> dict[str, Any]:
    """What cs.drawn records, or Refused: the protocol's drug only, an unexpired lot, one concentration a session."""
    if ledger.waste is not None:
        raise Refused("the waste of this session is already recorded and witnessed; nothing more can be drawn")
    name = protocol_drug if drug is None else _text("the drug", drug, r"(?i)" + DRUG_PATTERN, DRUG_ALLOWED).lower()
    if name != protocol_drug:
        raise Refused(f"{name} is not this session's drug: its protocol gives {protocol_drug}")
    conc = _number("the concentration", mg_per_ml, *MG_PER_ML, "mg/mL")
    volume = _number("the volume drawn", ml, *ML, "mL")
    lot_no = _text("the lot number", lot, LOT_PATTERN, "the lot as printed (letters, digits, ' ./-', up to 40)")
    expires = expiry_date(expiry)
    if expires is None:
        raise Refused(f"the expiry must be the label's date as YYYY-MM-DD or YYYY-MM, got {expiry!r}")
    if expires < today:
        raise Refused(f"lot {lot_no} expired on {expires.isoformat()}: do not use it; draw from another vial")
    if ledger.mg_per_ml is not None and conc != ledger.mg_per_ml:
        raise Refused(f"this session's {name} is drawn at {ledger.mg_per_ml:g} mg/mL; a further draw must be the "
                      "same concentration")
    return {"drug": name, "mg_per_ml": conc, "ml": volume, "mg": round(conc * volume, 2), "lot": lot_no,
            "expiry": expires.isoformat()}


def expected_waste(ledger: Ledger, given_mg: float) -> tuple[float, float]:
    """What should be left to waste: (mg, mL at the drawn concentration)."""
    mg = round(ledger.drawn_mg - given_mg, 2)
    return mg, round(mg / ledger.mg_per_ml, 3) if ledger.mg_per_ml else 0.0


def waste_payload(ledger: Ledger, given_mg: float, ml: object, witness: str, actor: str,
                  explanation: object = None) -> dict[str, Any]:
    """What cs.wasted records, or Refused. `witness`: the second staff member whose PIN the engine has verified
    at this moment; the discrepancy (drawn − given − wasted) beyond the tolerance needs an explanation."""
    if not ledger.draws or ledger.mg_per_ml is None:
        raise Refused("nothing was drawn for this session: there is no waste to record")
    if ledger.waste is not None:
        w = ledger.waste
        raise Refused(f"the waste is already recorded by {w.by}, witnessed by {w.witness}; a witness cannot be "
                      "added or changed afterwards")
    if witness == actor:
        raise Refused("the witness must be a second person, not the nurse recording the waste")
    volume = _number("the volume wasted", ml, 0.0, ML[1], "mL")
    mg = round(volume * ledger.mg_per_ml, 2)
    discrepancy = round(ledger.drawn_mg - given_mg - mg, 2)
    said = None
    if explanation is not None and not (isinstance(explanation, str) and not explanation.strip()):
        said = _text("the explanation", explanation, r"\S[\s\S]{0,%d}" % (EXPLANATION_MAX - 1),
                     f"text of at most {EXPLANATION_MAX} characters")
    tolerance = tolerance_mg(ledger.mg_per_ml)
    if abs(discrepancy) > tolerance and said is None:
        raise Refused(f"drawn {ledger.drawn_mg:g} mg ≠ given {given_mg:g} mg + wasted {mg:g} mg: "
                      f"{abs(discrepancy):g} mg {'unaccounted for' if discrepancy > 0 else 'too much'} "
                      f"(tolerance {tolerance:g} mg); explain the discrepancy in words")
    return {"mg": mg, "ml": volume, "witness": witness, "given_mg": given_mg, "drawn_mg": ledger.drawn_mg,
            "discrepancy_mg": discrepancy, "tolerance_mg": tolerance, "explanation": said}


def unreconciled(ledger: Ledger) -> str | None:
    """Why discharge must wait, in plain words; None when the drug is reconciled (or nothing was drawn)."""
    if ledger.reconciled:
        return None
    lots = ", ".join(sorted({d.lot for d in ledger.draws}))
    return (f"the {ledger.drug} drawn ({ledger.drawn_mg:g} mg, lot {lots}) is not reconciled: record the waste "
            "with a witness before discharge")
