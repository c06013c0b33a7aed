"""What the screen asks of the room: one operation per command it sends, with typed parameters.

Each builds the catalogue's command object and sends it through the controller, never waiting: `on_ok(events)` or
`on_error(reason)` run later on the GUI thread; without on_error a refusal is shown as a notice. `actor` is the
signed-in nurse unless given (the patient's own commands from the chair).
"""

from __future__ import annotations

from typing import Any, Callable

from roomcontrol.domain import catalogue as C

OnOk = Callable[[list], None] | None
OnError = Callable[[str], None] | None


class Operations:
    def __init__(self, controller):
        self._controller = controller

    def _send(self, command: C.Command, on_ok: OnOk, on_error: OnError, actor: str | None = None) -> None:
        self._controller.run(command, actor=actor, on_ok=on_ok, on_error=on_error)

    # -- the session ---------------------------------------------------------------------------------
    def open_session(self, patient_ref: str, weight_kg: float, *, course_no: int, dose_mg_per_kg: float | None,
                     planned_infusion_min: float | None, high_dose_confirmed: bool = False,
                     protocol: str | None = None, dose_mg: float | None = None, on_ok: OnOk = None,
                     on_error: OnError = None) -> None:
        self._send(C.OpenSession(patient_ref=patient_ref, weight_kg=weight_kg, course_no=course_no,
                                 dose_mg_per_kg=dose_mg_per_kg, planned_infusion_min=planned_infusion_min,
                                 high_dose_confirmed=high_dose_confirmed, protocol=protocol, dose_mg=dose_mg),
                   on_ok, on_error)

    def confirm_checklist(self, item: str, *, hours_since_solids: float | None = None,
                          hours_since_clear_fluids: float | None = None, on_ok: OnOk = None,
                          on_error: OnError = None) -> None:
        self._send(C.ConfirmChecklist(item=item, hours_since_solids=hours_since_solids,
                                      hours_since_clear_fluids=hours_since_clear_fluids), on_ok, on_error)

    def record_baseline(self, heart_rate: float, spo2: float, nibp_systolic: float, nibp_diastolic: float, *,
                        on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.RecordBaseline(heart_rate=heart_rate, spo2=spo2, nibp_systolic=nibp_systolic,
                                    nibp_diastolic=nibp_diastolic), on_ok, on_error)

    def capture_baseline(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.CaptureBaseline(), on_ok, on_error)

    def start_infusion(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.StartInfusion(), on_ok, on_error)

    def pause_infusion(self, reason: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.PauseInfusion(reason=reason), on_ok, on_error)

    def resume_infusion(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.ResumeInfusion(), on_ok, on_error)

    def change_rate(self, rate_mg_per_h: float, reason: str, *, high_dose_confirmed: bool = False,
                    on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.ChangeRate(rate_mg_per_h=rate_mg_per_h, reason=reason, high_dose_confirmed=high_dose_confirmed),
                   on_ok, on_error)

    def give_device(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.GiveDevice(), on_ok, on_error)

    def complete_infusion(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.CompleteInfusion(), on_ok, on_error)

    def stop_infusion(self, reason: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.StopInfusion(reason=reason), on_ok, on_error)

    def record_assessment(self, scale: str, items: dict, *, actor: str | None = None, on_ok: OnOk = None,
                          on_error: OnError = None) -> None:
        self._send(C.RecordAssessment(scale=scale, items=items), on_ok, on_error, actor)

    def start_nibp(self, item: str | None = None, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.StartNibp(item=item), on_ok, on_error)

    def validate_reading(self, item: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.ValidateReading(item=item), on_ok, on_error)

    def acknowledge_flag(self, assessment_seq: int, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.AcknowledgeFlag(assessment_seq=assessment_seq), on_ok, on_error)

    def note_symptom(self, symptom: str, *, severity: str | None = None, on_ok: OnOk = None,
                     on_error: OnError = None) -> None:
        self._send(C.NoteSymptom(symptom=symptom, severity=severity), on_ok, on_error)

    def give_medication(self, drug: str, dose: float, unit: str, route: str, *, indication: str | None = None,
                        on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.GiveMedication(drug=drug, dose=dose, unit=unit, route=route, indication=indication),
                   on_ok, on_error)

    def add_note(self, text: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.AddNote(text=text), on_ok, on_error)

    def call_nurse(self, *, actor: str | None = None, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.CallNurse(), on_ok, on_error, actor)

    def answer_call(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.AnswerCall(), on_ok, on_error)

    def discharge(self, escort_confirmed: bool, *, override_reason: str | None = None, save_comfort_plan: bool = True,
                  on_ok: OnOk = None, on_error: OnError = None, **protocol_rules: Any) -> None:
        """`protocol_rules`: escort_name/escort_phone, overrides + signed_by, rems (a protocol's discharge)."""
        self._send(C.Discharge(escort_confirmed=escort_confirmed, override_reason=override_reason,
                               save_comfort_plan=save_comfort_plan, **protocol_rules), on_ok, on_error)

    def abort_session(self, reason: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.AbortSession(reason=reason), on_ok, on_error)

    def correct_event(self, seq: int, reason: str, changes: dict, *, on_ok: OnOk = None,
                      on_error: OnError = None) -> None:
        self._send(C.CorrectEvent(seq=seq, reason=reason, changes=changes), on_ok, on_error)

    # -- the controlled-substance record ------------------------------------------------------------------
    def record_draw(self, mg_per_ml: float, ml: float, lot: str, expiry: str, *, drug: str | None = None,
                    on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.RecordDraw(mg_per_ml=mg_per_ml, ml=ml, lot=lot, expiry=expiry, drug=drug), on_ok, on_error)

    def record_waste(self, ml: float, pin: str, witness: str, witness_pin: str, *, explanation: str | None = None,
                     on_ok: OnOk = None, on_error: OnError = None) -> None:
        """Both PINs are checked on the pin-check worker (the controller's path), never on the GUI thread."""
        self._controller.record_waste(C.RecordWaste(ml=ml, pin=pin, witness=witness, witness_pin=witness_pin,
                                                    explanation=explanation), on_ok=on_ok, on_error=on_error)

    # -- alarms --------------------------------------------------------------------------------------
    # -- the protocol's check and advisories ------------------------------------------------------------
    def answer_check(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        """The patient's tap on "If you're OK, tap anywhere" (always the patient's own act)."""
        self._send(C.AnswerCheck(), on_ok, on_error, "patient")

    def decide_pre_dose(self, decision: str, reason: str = "", *, on_ok: OnOk = None,
                        on_error: OnError = None) -> None:
        self._send(C.DecidePreDose(decision=decision, reason=reason), on_ok, on_error)

    def respond_advisory(self, advisory: str, response: str, reason: str = "", *, on_ok: OnOk = None,
                         on_error: OnError = None) -> None:
        self._send(C.RespondAdvisory(advisory=advisory, response=response, reason=reason), on_ok, on_error)

    def acknowledge_alarm(self, alarm_id: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.AcknowledgeAlarm(alarm_id=alarm_id), on_ok, on_error)

    def pause_alarm_audio(self, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.PauseAlarmAudio(), on_ok, on_error)

    # -- the room's ambience and devices -------------------------------------------------------------
    def apply_scene(self, scene: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.ApplyScene(scene=scene), on_ok, on_error)

    def set_ambient(self, target: str, value: float | bool | str, *, final: bool = True, actor: str | None = None,
                    on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.SetAmbient(target=target, value=value, final=final), on_ok, on_error, actor)

    def set_comfort_plan(self, plan: dict, *, source: str = "room", actor: str | None = None, on_ok: OnOk = None,
                         on_error: OnError = None) -> None:
        self._send(C.SetComfortPlan(plan=plan, source=source), on_ok, on_error, actor)

    def test_device(self, device: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.DeviceTest(device=device), on_ok, on_error)

    # -- sign-in -------------------------------------------------------------------------------------
    def unlock(self, staff_id: str, pin: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.Unlock(staff_id=staff_id, pin=pin), on_ok, on_error, staff_id)

    def lock(self, reason: str, *, on_ok: OnOk = None, on_error: OnError = None) -> None:
        self._send(C.Lock(reason=reason), on_ok, on_error)
