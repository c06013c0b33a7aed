"""How an entry of the session record reads in the PDF where it is shown: a correction's "was … reason …" (a
corrected entry says so in place, not only in the log) and a reading the nurse charted."""

from __future__ import annotations

from roomcontrol.domain.wording import label, number
from roomcontrol.records.entries import plan_text


def corrected_mark(entry) -> str:
    """' — corrected (was dose 4; reason …)': a corrected entry says so where it is shown, not only in the log."""
    if not entry.corrected:
        return ""
    was = "; ".join(f"{label(k)} {number(v) if isinstance(v, (int, float)) else v}"
                    for c in entry.corrections for k, v in c.was.items() if not isinstance(v, dict))
    reasons = "; ".join(entry.correction_reasons)
    return f" — corrected ({'was ' + was + '; ' if was else ''}reason: {reasons})"


def plan_corrected(rx) -> str:
    """' — corrected (was 1.5 mg/kg × 70 kg = 105 mg over 40 min; reason: …)' for a corrected prescription."""
    if not rx.corrected:
        return ""
    o = rx.original
    was = plan_text(o) if o.get("devices") is not None else (
        f"{number(o.get('dose_mg_per_kg'))} mg/kg × {number(o.get('weight_kg'))} kg = "
        f"{number(o.get('total_dose_mg'))} mg over {number(o.get('planned_infusion_min'))} min")
    return f" — corrected (was {was}; reason: {'; '.join(rx.correction_reasons)})"


def reading_text(reading: dict) -> str:
    """A charted reading as the nurse reads it: "NIBP 128/82 (97) mmHg", or its values by name."""
    if "nibp_systolic" in reading:
        mean = f" ({number(reading['nibp_mean'], 0)})" if reading.get("nibp_mean") is not None else ""
        return (f"NIBP {number(reading.get('nibp_systolic'), 0)}/{number(reading.get('nibp_diastolic'), 0)}"
                f"{mean} mmHg")
    return ", ".join(f"{k} {number(v) if isinstance(v, (int, float)) else v}" for k, v in reading.items()
                     if not k.endswith("_ts"))
