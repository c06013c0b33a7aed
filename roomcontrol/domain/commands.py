"""The session's commands with their guards: `decide(state, command, actor, now, policy)` returns the events to
log for a typed command of roomcontrol.domain.catalogue, or raises Refused.

A refusal names the rule in the nurse's words ("not yet confirmed: consent, npo"), so the screen can show it as is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain import session as S
from roomcontrol.domain.alarms import Alarm
from roomcontrol.domain.controlled import unreconciled
from roomcontrol.domain.draw_first import draw_missing
from roomcontrol.domain.discharge_rules import checks_at_discharge, escort
from roomcontrol.domain.dose import (HighDoseUnconfirmed, HighRateUnconfirmed, checked_rate, high_dose_payload,
                                     high_rate_payload, is_high, plan_dose, rate_dose_per_kg)
from roomcontrol.domain.comfort import saving_plan
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.payloads import (assessment_payload, baseline_payload, check_checklist_item, check_course,
                                         checklist_payload, medication_payload, note_payload, required_text,
                                         symptom_payload)
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.nasal import next_device
from roomcontrol.domain.protocol import chosen, enabled, fixed_plan, session_policy
from roomcontrol.domain.wording import condition_label

COMPLETE_TOLERANCE_S = 60.0  # "completed" within a minute of the plan; earlier is "stopped early"


Handler = Callable[..., list[NewEvent]]  # (state, the command of its class, actor, now, policy, new_id)
NewId = Callable[[], str]  # the engine's: a new session's id


def decide(state: S.RoomState, command: C.Command, actor: str, now: datetime, policy: SessionPolicy,
           new_id: NewId) -> list[NewEvent]:
    """The events a session command logs: `command` is one of the catalogue's, handled here (see DECIDES).
    The guards of a session follow its protocol's rules (the room's [session] where it gives none)."""
    return DECIDES[type(command)](state, command, actor, now, rules_for(state, policy), new_id)


def rules_for(state: S.RoomState, policy: SessionPolicy) -> SessionPolicy:
    """The rules of the room's session (open, or the last closed): its protocol's, if the room still enables it."""
    s = state.session
    return session_policy(policy, enabled(policy, s.protocol if s else None))


def _need_open(state: S.RoomState, *phases: str) -> S.Session:
    s = state.open_session
    if s is None:
        raise Refused("no session is open in this room")
    if phases and s.phase not in phases:
        allowed = " or ".join(p.replace("_", "-") for p in phases)
        raise Refused(f"the session is {s.phase.replace('_', '-')}; this needs it {allowed}")
    return s


def _open_session(state: S.RoomState, c: C.OpenSession, actor: str, now: datetime, policy: SessionPolicy,
                  new_id: NewId) -> list[NewEvent]:
    if state.open_session is not None:
        raise Refused(f"a session is already open in this room (patient {state.open_session.patient_ref}); "
                      "discharge or abort it first")
    ref = required_text(c.patient_ref, "patient reference", 64)
    check_course(c.course_no)
    protocol = chosen(policy, c.protocol)
    policy = session_policy(policy, protocol)
    logged: dict[str, Any] = {} if protocol is None else {
        "protocol": protocol.id, "protocol_version": protocol.version, "protocol_title": protocol.title}
    if protocol is not None and protocol.fixed_dose is not None:  # intranasal: a dose in mg from its choices
        if c.dose_mg_per_kg is not None or c.planned_infusion_min is not None or c.concentration_mg_per_ml:
            raise Refused(f"{protocol.title} gives a fixed dose in mg (dose_mg): no mg/kg, infusion time or bag "
                          "concentration")
        fixed = fixed_plan(protocol.fixed_dose, c.weight_kg, c.dose_mg)
        return [NewEvent(K.SESSION_OPENED, {"patient_ref": ref, "course_no": c.course_no, **logged, **fixed},
                         actor, new_id())]
    if c.dose_mg is not None:
        raise Refused("dose_mg is for a fixed-dose (intranasal) protocol; this session's dose is in mg/kg")
    plan = plan_dose(
        c.weight_kg,
        policy.default_dose_mg_per_kg if c.dose_mg_per_kg is None else c.dose_mg_per_kg,
        policy.planned_infusion_min if c.planned_infusion_min is None else c.planned_infusion_min,
        policy.default_concentration_mg_per_ml if c.concentration_mg_per_ml is None else c.concentration_mg_per_ml,
        policy.bounds,
    )
    high = is_high(plan, policy)
    if high and not c.high_dose_confirmed:
        raise HighDoseUnconfirmed(plan, policy.soft_max_dose_mg_per_kg)
    session_id = new_id()
    opened = [NewEvent(K.SESSION_OPENED, {"patient_ref": ref, "course_no": c.course_no, **logged,
                                          **plan.as_payload()}, actor, session_id)]
    if high:  # the confirmation is logged with the opening, by the same nurse
        opened.append(NewEvent(K.DOSE_HIGH_CONFIRMED, high_dose_payload(plan, policy), actor, session_id))
    return opened


# -- commands ----------------------------------------------------------------------------------------------
def _confirm_checklist(state: S.RoomState, c: C.ConfirmChecklist, actor: str, now: datetime, policy: SessionPolicy,
                       new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.PRE_INFUSION)
    check_checklist_item(c.item, policy)
    if c.item in s.checklist:
        raise Refused(f"{c.item.replace('_', ' ')} is already confirmed")
    payload = checklist_payload(policy, c.item, c.hours_since_solids, c.hours_since_clear_fluids, **c.details)
    return [NewEvent(K.CHECKLIST_CONFIRMED, payload, actor, s.session_id)]


def _record_baseline(state: S.RoomState, c: C.RecordBaseline, actor: str, now: datetime, policy: SessionPolicy,
                     new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.PRE_INFUSION)
    payload = baseline_payload(c.heart_rate, c.spo2, c.nibp_systolic, c.nibp_diastolic, c.source)
    return [NewEvent(K.VITALS_BASELINE, payload, actor, s.session_id)]


def _start_infusion(state: S.RoomState, c: C.StartInfusion, actor: str, now: datetime, policy: SessionPolicy,
                    new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.PRE_INFUSION)
    missing = [i for i in policy.required_checklist if i not in s.checklist]
    if missing:
        raise Refused("cannot start the infusion: not yet confirmed: " + ", ".join(i.replace("_", " ") for i in missing))
    if policy.require_baseline_vitals and s.baseline is None:
        raise Refused("cannot start the infusion: no baseline vitals recorded")
    draw = draw_missing(enabled(policy, s.protocol), s.controlled)
    if draw is not None:
        raise Refused(draw)
    return [NewEvent(K.INFUSION_STARTED, {"rate_mg_per_h": s.plan.get("rate_mg_per_h")}, actor, s.session_id)]


def _pause_infusion(state: S.RoomState, c: C.PauseInfusion, actor: str, now: datetime, policy: SessionPolicy,
                    new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.INFUSING)
    return [NewEvent(K.INFUSION_PAUSED, {"reason": required_text(c.reason, "a reason for the pause", 200)},
                     actor, s.session_id)]


def _resume_infusion(state: S.RoomState, c: C.ResumeInfusion, actor: str, now: datetime, policy: SessionPolicy,
                     new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.PAUSED)
    return [NewEvent(K.INFUSION_RESUMED, {}, actor, s.session_id)]


def _change_rate(state: S.RoomState, c: C.ChangeRate, actor: str, now: datetime, policy: SessionPolicy,
                 new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.INFUSING, S.PAUSED)
    if s.plan.get("dose_mg") is not None:
        raise Refused("a fixed-dose (intranasal) session has no infusion rate to change")
    reason = required_text(c.reason, "a reason for the rate change", 200)
    rate, high = checked_rate(c.rate_mg_per_h, s.plan, policy)
    if rate == s.rate_mg_per_h:
        raise Refused(f"the infusion already runs at {rate:g} mg/h")
    if high and not c.high_dose_confirmed:
        raise HighRateUnconfirmed(rate, rate_dose_per_kg(rate, s.plan), policy.soft_max_dose_mg_per_kg)
    changed = NewEvent(K.INFUSION_RATE_CHANGED, {"from_mg_per_h": s.rate_mg_per_h, "to_mg_per_h": rate,
                                                 "reason": reason,
                                                 "at_infused_s": round(s.infusion_elapsed_s(now), 1)},
                       actor, s.session_id)
    if not high:
        return [changed]
    return [NewEvent(K.DOSE_HIGH_CONFIRMED, high_rate_payload(rate, s.plan, policy), actor, s.session_id), changed]


def _give_device(state: S.RoomState, c: C.GiveDevice, actor: str, now: datetime, policy: SessionPolicy,
                 new_id: NewId) -> list[NewEvent]:
    """The next nasal device (domain/nasal.py): the first starts the dosing with start_infusion's guards, the last
    ends it and recovery begins."""
    s = _need_open(state, S.PRE_INFUSION, S.INFUSING)
    device = next_device(s, now)
    events = _start_infusion(state, C.StartInfusion(), actor, now, policy, new_id) if s.phase == S.PRE_INFUSION else []
    events.append(NewEvent(K.DOSE_DEVICE_GIVEN, device.payload, actor, s.session_id))
    if device.last:
        events += [NewEvent(K.INFUSION_COMPLETED, {**_end_payload(s, now), "given_mg": float(s.plan["dose_mg"])},
                            actor, s.session_id), NewEvent(K.RECOVERY_STARTED, {}, actor, s.session_id)]
    return events


def _end_payload(s: S.Session, now: datetime) -> dict[str, Any]:
    return {"infused_min": round(s.infusion_elapsed_s(now) / 60.0, 2),
            "planned_infusion_min": s.plan["planned_infusion_min"], "pauses": len(s.pauses),
            "given_mg": s.given_mg(now)}


def _complete_infusion(state: S.RoomState, c: C.CompleteInfusion, actor: str, now: datetime, policy: SessionPolicy,
                       new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.INFUSING, S.PAUSED)
    infused = s.infusion_elapsed_s(now)
    if s.device_n and s.device_n < int(s.plan.get("devices") or 0):  # devices logged one by one: all of them
        raise Refused(f"{s.device_n} of {s.plan.get('devices')} nasal devices given: give the next with "
                      "\"Device given\" when it is due, or stop with a reason")
    if s.plan.get("devices") is not None and infused < s.planned_infusion_s:
        # no minute's leeway here: a nasal device sooner than the protocol's interval is a hard rule broken
        raise Refused(f"the last nasal device is due {s.planned_infusion_s / 60:g} min after the first "
                      f"({s.plan.get('device_interval_min'):g} min between devices); only {int(infused) // 60}:"
                      f"{int(infused) % 60:02d} so far: to end now, stop with a reason")
    if infused < s.planned_infusion_s - COMPLETE_TOLERANCE_S:
        raise Refused(f"only {infused / 60:.0f} of {s.planned_infusion_s / 60:g} min infused; "
                      "to end now, stop the infusion with a reason")
    return [NewEvent(K.INFUSION_COMPLETED, _end_payload(s, now), actor, s.session_id),
            NewEvent(K.RECOVERY_STARTED, {}, actor, s.session_id)]


def _stop_infusion(state: S.RoomState, c: C.StopInfusion, actor: str, now: datetime, policy: SessionPolicy,
                   new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.INFUSING, S.PAUSED)
    payload = {**_end_payload(s, now), "reason": required_text(c.reason, "a reason for stopping early", 200)}
    return [NewEvent(K.INFUSION_STOPPED, payload, actor, s.session_id),
            NewEvent(K.RECOVERY_STARTED, {}, actor, s.session_id)]


def _record_assessment(state: S.RoomState, c: C.RecordAssessment, actor: str, now: datetime, policy: SessionPolicy,
                       new_id: NewId) -> list[NewEvent]:
    s = _need_open(state)
    if c.scale == "PADSS" and s.phase != S.RECOVERY:
        raise Refused("PADSS is scored in recovery")
    return [NewEvent(K.ASSESSMENT_RECORDED, assessment_payload(c.scale, c.items), actor, s.session_id)]


def _acknowledge_flag(state: S.RoomState, c: C.AcknowledgeFlag, actor: str, now: datetime, policy: SessionPolicy,
                      new_id: NewId) -> list[NewEvent]:
    """A nurse has seen a flagged answer. The session's own flags only; the last closed session's too, so that
    a flag raised just before the end is never left without an acknowledgement."""
    s = state.session
    flags = s.flags if s is not None else ()
    flag = next((f for f in flags if f.seq == c.assessment_seq), None)
    if flag is None:
        pending = ", ".join(f"#{f.seq}" for f in flags if f.pending) or "none"
        raise Refused(f"assessment #{c.assessment_seq} has no flag to acknowledge; flagged and not yet "
                      f"acknowledged: {pending}")
    if not flag.pending:
        raise Refused(f"the flag on assessment #{flag.seq} was already acknowledged by {flag.acknowledged_by}")
    payload = {"assessment_seq": flag.seq, "scale": flag.scale, "item": flag.item, "value": flag.value}
    return [NewEvent(K.ASSESSMENT_FLAG_ACKNOWLEDGED, payload, actor, s.session_id if s else None)]


def _note_symptom(state: S.RoomState, c: C.NoteSymptom, actor: str, now: datetime, policy: SessionPolicy,
                  new_id: NewId) -> list[NewEvent]:
    s = _need_open(state)
    payload = symptom_payload(c.symptom, c.severity, **c.details)
    return [NewEvent(K.SYMPTOM_NOTED, payload, actor, s.session_id)]


def _give_medication(state: S.RoomState, c: C.GiveMedication, actor: str, now: datetime, policy: SessionPolicy,
                     new_id: NewId) -> list[NewEvent]:
    s = _need_open(state)
    payload = medication_payload(c.drug, c.dose, c.unit, c.route, c.indication)
    return [NewEvent(K.MEDICATION_GIVEN, payload, actor, s.session_id)]


def _add_note(state: S.RoomState, c: C.AddNote, actor: str, now: datetime, policy: SessionPolicy,
              new_id: NewId) -> list[NewEvent]:
    s = state.open_session
    return [NewEvent(K.NOTE_ADDED, note_payload(c.text), actor, s.session_id if s else None)]


def _call_nurse(state: S.RoomState, c: C.CallNurse, actor: str, now: datetime, policy: SessionPolicy,
                new_id: NewId) -> list[NewEvent]:
    s = state.open_session
    return [NewEvent(K.NURSE_CALLED, {}, actor, s.session_id if s else None)]


def _answer_call(state: S.RoomState, c: C.AnswerCall, actor: str, now: datetime, policy: SessionPolicy,
                 new_id: NewId) -> list[NewEvent]:
    call = state.call
    if call is None:
        raise Refused("no call from the patient is waiting to be answered")
    s = state.open_session
    payload = {"called_seq": call.seq, "response_s": round(call.waiting_s(now), 1), "presses": call.presses}
    return [NewEvent(K.NURSE_CALL_ANSWERED, payload, actor, s.session_id if s else call.session_id)]


def _alarm_entry(alarm: Alarm) -> dict[str, str | None]:
    return {"alarm_id": alarm.alarm_id, "condition": alarm.condition, "priority": alarm.priority,
            "acknowledged_by": alarm.acknowledged_by}


def _discharge(state: S.RoomState, c: C.Discharge, actor: str, now: datetime, policy: SessionPolicy,
               new_id: NewId) -> list[NewEvent]:
    s = _need_open(state, S.RECOVERY)
    if why := unreconciled(s.controlled):
        raise Refused(f"cannot discharge: {why}")
    protocol = enabled(policy, s.protocol)  # its discharge rules replace the room's minimum time and escort box
    waited = s.recovery_elapsed_s(now) / 60.0
    if protocol is None and waited < policy.min_recovery_min:
        raise Refused(f"recovery has lasted {int(waited)} min; discharge needs at least "
                      f"{policy.min_recovery_min} min")
    padss = s.scores.get("PADSS")
    if padss is None:
        raise Refused("no PADSS score recorded in recovery")
    if padss < policy.min_padss_for_discharge:
        raise Refused(f"PADSS is {padss}; discharge needs {policy.min_padss_for_discharge} or more")
    named = escort(c.escort_name, c.escort_phone)
    if protocol is None and policy.require_escort and not (c.escort_confirmed or named):
        raise Refused("the escort has not been confirmed")
    before = [] if protocol is None else checks_at_discharge(protocol, s, now, state.vitals, named, c.overrides,
                                                             c.signed_by, c.rems, actor)
    payload = {"padss_score": padss, "escort_confirmed": c.escort_confirmed or named is not None,
               "recovery_min": round(waited, 1), **({"escort": named.as_payload()} if named else {})}
    high = [a for a in state.alarms if a.priority == "high"]
    if not high:  # an override reason with nothing to override changes nothing
        return before + [NewEvent(K.SESSION_DISCHARGED, payload, actor, s.session_id)]
    if c.override_reason is None:
        names = " and ".join(condition_label(a.condition) for a in high)
        raise Refused(f"cannot discharge: {names} {'is' if len(high) == 1 else 'are'} still alarming (high "
                      "priority); see to the patient first, or an administrator may override with a reason")
    reason = required_text(c.override_reason, "a reason for discharging with the alarm open", 200)
    alarms = [_alarm_entry(a) for a in high]
    return before + [NewEvent(K.DISCHARGE_OVERRIDE, {"guard": "active high-priority alarm", "reason": reason,
                                                     "alarms": alarms}, actor, s.session_id),
                     NewEvent(K.SESSION_DISCHARGED, {**payload, "open_alarms": [a["alarm_id"] for a in alarms]},
                              actor, s.session_id)]


def _abort(state: S.RoomState, c: C.AbortSession, actor: str, now: datetime, policy: SessionPolicy,
           new_id: NewId) -> list[NewEvent]:
    s = _need_open(state)
    return [NewEvent(K.SESSION_ABORTED, {"reason": required_text(c.reason, "a reason", 200), "phase": s.phase},
                     actor, s.session_id)]


# The session commands of the catalogue and their handlers; the engine binds these to `decide`.
DECIDES: dict[type, Handler] = {
    C.OpenSession: _open_session,
    C.ConfirmChecklist: _confirm_checklist,
    C.RecordBaseline: _record_baseline,
    C.StartInfusion: _start_infusion,
    C.PauseInfusion: _pause_infusion,
    C.ResumeInfusion: _resume_infusion,
    C.ChangeRate: _change_rate,
    C.GiveDevice: _give_device,
    C.CompleteInfusion: _complete_infusion,
    C.StopInfusion: _stop_infusion,
    C.RecordAssessment: _record_assessment,
    C.AcknowledgeFlag: _acknowledge_flag,
    C.NoteSymptom: _note_symptom,
    C.GiveMedication: _give_medication,
    C.AddNote: _add_note,
    C.CallNurse: _call_nurse,
    C.Discharge: saving_plan(_discharge),  # + comfort.plan_saved (roomcontrol.domain.comfort)
    C.AnswerCall: _answer_call,
    C.AbortSession: _abort,
}
