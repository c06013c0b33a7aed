"""Corrections of charted entries (DESIGN.md, The event log): a correction is a new `event.corrected` that points
at the entry it corrects; nothing is ever updated or deleted.

`correct(args, actor, find, corrections_of, policy)` is pure: the engine passes `find(seq) → Event | None` and
`corrections_of(event) → the event.corrected events of its session`, and logs the NewEvent this returns (or shows
the Refused message). The corrected payload passes the same validation as the command that logged the entry.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterable

from roomcontrol.domain import kinds as K
from roomcontrol.domain.payloads import (assessment_payload, baseline_payload, checklist_payload, medication_payload,
                                         note_payload, opened_payload, required_text, symptom_payload)
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.wording import DEVICE_LABELS, ENTRY_NAMES, SYSTEM_ACTORS, label

ARGS = ("seq", "reason", "changes")
CORRECTABLE = (K.MEDICATION_GIVEN, K.SYMPTOM_NOTED, K.NOTE_ADDED, K.ASSESSMENT_RECORDED, K.VITALS_BASELINE,
               K.CHECKLIST_CONFIRMED, K.SESSION_OPENED)
PHASE_KINDS = (K.SESSION_OPENED, K.INFUSION_STARTED, K.INFUSION_PAUSED, K.INFUSION_RESUMED, K.INFUSION_COMPLETED,
               K.INFUSION_STOPPED, K.RECOVERY_STARTED, K.SESSION_DISCHARGED, K.SESSION_ABORTED)
# Fields an entry has that a correction may not name, and what to do instead.
FIXED_FIELDS = {
    K.ASSESSMENT_RECORDED: {
        "scale": "the scale of an assessment cannot be corrected; record the right scale as a new assessment",
        "score": "the score is computed from the items: correct the items",
    },
    K.CHECKLIST_CONFIRMED: {
        "item": "which checklist item was confirmed cannot be corrected; confirm the right item, or add a note",
    },
    K.SESSION_OPENED: {  # the dose plan: weight, mg/kg, planned minutes, bag concentration, course number
        "patient_ref": "the patient reference cannot be corrected; abort the session and open it for the right "
                       "patient, or add a note",
        **{name: f"{name.replace('_', ' ')} is computed from the weight, the dose and the planned time: correct those"
           for name in ("total_dose_mg", "rate_mg_per_h", "rate_ml_per_h")},
        **{name: "the protocol of a session cannot be corrected; abort the session and open it under the right "
                 "protocol, or add a note" for name in ("protocol", "protocol_version", "protocol_title")},
        **{name: f"{name.replace('_', ' ')} follows from the protocol's devices and the dose: correct dose_mg"
           for name in ("devices", "device_interval_min")},
    },
}

Find = Callable[[int], "Event | None"]
CorrectionsOf = Callable[[Event], Iterable[Event]]


def correct(args: dict[str, Any], actor: str, find: Find, corrections_of: CorrectionsOf,
            policy: SessionPolicy) -> NewEvent:
    """The `correct_event(seq, reason, changes)` command: the event.corrected to log, or Refused."""
    unknown = [name for name in args if name not in ARGS]
    if unknown:
        raise Refused(f"correct_event takes seq, reason and changes, not {', '.join(unknown)}")
    if actor in SYSTEM_ACTORS or actor in DEVICE_LABELS:
        raise Refused(f"entries are corrected by a member of staff, not by {actor!r}")
    seq = args.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise Refused(f"say which entry to correct: its number in the log (seq), got {seq!r}")
    target = find(seq)
    if target is None:
        raise Refused(f"there is no entry #{seq} in this room's log")
    original: Event | None = target
    if target.kind == K.EVENT_CORRECTED:
        corrects_seq = target.payload.get("corrects_seq")
        original = find(corrects_seq) if isinstance(corrects_seq, int) else None
    if original is None:  # a correction pointing nowhere: cannot happen through this command
        raise Refused(f"entry #{seq} is a correction of an entry that is not in this room's log")
    _check_kind(original)
    reason = required_text(args.get("reason"), "a reason for the correction", 200)
    changes = args.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise Refused("say what to correct: changes must name at least one field and its corrected value")

    # A correction of a correction builds on the latest one: every correction points at the original entry.
    history = sorted((e for e in corrections_of(original)
                      if e.kind == K.EVENT_CORRECTED and e.payload.get("corrects_seq") == original.seq),
                     key=lambda e: e.seq)
    latest = history[-1] if history else None
    base = dict(latest.payload["corrected"]) if latest else dict(original.payload)
    what = entry_name(original.kind, base)

    fixed = FIXED_FIELDS.get(original.kind, {})
    fields = [name for name in original.payload if name not in fixed]
    for name in changes:
        if name in fixed:
            raise Refused(fixed[name])
        if name not in fields:
            raise Refused(f"the {what} has no field {name!r}; what can be corrected: {', '.join(fields)}")

    corrected = _validated(original.kind, _candidate(original.kind, base, changes), policy)
    changed, was = _difference(base, corrected)
    if not changed:
        raise Refused(f"the correction changes nothing: the {what} already says so")
    payload = {"corrects_seq": original.seq, "corrects_id": original.id, "corrects_kind": original.kind,
               "reason": reason, "changes": changed, "was": was, "corrected": corrected}
    if latest is not None:
        payload["supersedes_seq"] = latest.seq
    return NewEvent(K.EVENT_CORRECTED, payload, actor, original.session_id)


def entry_name(kind: str, payload: dict[str, Any] | None = None) -> str:
    if kind == K.ASSESSMENT_RECORDED and payload and payload.get("scale"):
        return f"{payload['scale']} assessment"
    return ENTRY_NAMES.get(kind, label(kind))


def _check_kind(event: Event) -> None:
    if event.kind in CORRECTABLE:
        return
    head = event.kind.split(".")[0]
    if head == "alarm":
        why = "alarms are the monitor's own record"
    elif head == "device":
        why = "device events are the room's own record of its devices"
    elif event.kind in PHASE_KINDS:
        why = "it moved the session from one phase to the next"
    elif event.kind == K.INFUSION_RATE_CHANGED:
        why = "it records the rate the pump ran at (the dose given is summed from it)"
    else:
        why = "it is not a charted entry"
    names = ", ".join(ENTRY_NAMES[k] for k in CORRECTABLE)
    raise Refused(f"entry #{event.seq} ({event.kind}) cannot be corrected: {why}. Only these can be corrected: "
                  f"{names}. Add a note to explain anything else")


def _candidate(kind: str, base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    if kind == K.ASSESSMENT_RECORDED:  # the items named are corrected, the others stay; the score is recomputed
        items = changes["items"]
        if not isinstance(items, dict) or not items:
            raise Refused(f"{base.get('scale')} items to correct must be a table of item → score")
        return {"scale": base.get("scale"), "items": {**base.get("items", {}), **items}}
    return {**base, **changes}


def _validated(kind: str, candidate: dict[str, Any], policy: SessionPolicy) -> dict[str, Any]:
    """The candidate through the validation of the command that logs this kind (every CORRECTABLE kind)."""
    validators: dict[str, Callable[..., dict[str, Any]]] = {
        K.MEDICATION_GIVEN: medication_payload, K.SYMPTOM_NOTED: symptom_payload, K.NOTE_ADDED: note_payload,
        K.ASSESSMENT_RECORDED: assessment_payload, K.VITALS_BASELINE: baseline_payload,
        K.CHECKLIST_CONFIRMED: partial(checklist_payload, policy), K.SESSION_OPENED: partial(opened_payload, policy),
    }
    try:
        return validators[kind](**candidate)
    except TypeError as exc:  # a stored payload the command would not take as is
        raise Refused(f"the corrected {entry_name(kind, candidate)} is not valid: {exc}") from None


def _difference(base: dict[str, Any], corrected: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(changes, was): the fields whose value differs, new and old; for a table (items) only its changed keys.
    A field the corrected payload no longer has (an indication cleared) is given as None."""
    changed: dict[str, Any] = {}
    was: dict[str, Any] = {}
    for name in list(corrected) + [n for n in base if n not in corrected]:
        old, new = base.get(name), corrected.get(name)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            keys = [k for k in list(new) + [k for k in old if k not in new] if old.get(k) != new.get(k)]
            changed[name] = {k: new.get(k) for k in keys}
            was[name] = {k: old.get(k) for k in keys}
        else:
            changed[name], was[name] = new, old
    return changed, was
