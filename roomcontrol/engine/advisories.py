"""The protocol's advisory rules in the room (issue #15, item 4). They advise; nothing here touches the pump.

- pre-dose: start_infusion is refused (a command guard) while the last readings before the start break a pre_dose
  rule and the nurse has not decided to proceed; `decide_pre_dose` logs her decision (proceed needs a reason, cancel
  aborts the session in the same record);
- during: from the start of the infusion every trusted reading goes through domain.advisories.AdvisoryWatch; a rule
  met raises the medium clinical alarm "advisory:<id>" with the readings in its text; `respond_advisory` logs the
  nurse's response (paused / continued with a reason) and acknowledges the alarm.
The watch is memory; after a restart it is primed from the stored vitals of the rules' window (the alarms are in the
log)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from roomcontrol.domain import advisories as A
from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.commands import decide
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.session import CLOSED_PHASES, PRE_INFUSION, Session
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.domain.vitals import Reading, trusted
from roomcontrol.store.vitals import read_vitals

PRIME_MARGIN_S = 60  # a restart reads this much more than the rules' longest window
PRE_DOSE_KINDS = ("nibp_systolic", "nibp_diastolic", "heart_rate", "pulse_rate", "spo2", "respiratory_rate")


class Advisories:
    def __init__(self, room) -> None:
        self.room = room
        self.watch: A.AdvisoryWatch | None = None
        room.bind(C.DecidePreDose, self._decide)
        room.bind(C.RespondAdvisory, self._respond)
        room.add_command_guard(self._guard)
        room.subscribe(on_event=self._on_event)
        s = room.state.open_session
        if s is not None and s.infusion_started_at is not None:  # a restart during the session
            self.watch = A.AdvisoryWatch(self.room.protocol_of(s))
            self._prime(self.watch, s)

    # -- pre-dose --------------------------------------------------------------------------------------
    def pre_dose_values(self, s: Session) -> dict[str, float]:
        """The last readings before the start: the monitor's since the session opened, else the baseline's."""
        values = {k: float(v) for k, v in (s.baseline or {}).items()
                  if k in PRE_DOSE_KINDS and isinstance(v, (int, float)) and not isinstance(v, bool)}
        for kind, r in self.room.monitoring.view.latest.items():
            if kind in PRE_DOSE_KINDS and trusted(r) and r.value is not None and r.received_ts >= s.opened_at:
                values[kind] = float(r.value)
        return values

    def pre_dose(self, s: Session | None) -> tuple[A.Finding, ...]:
        if s is None or not s.is_open or s.infusion_started_at is not None:
            return ()
        return A.pre_dose_findings(self.room.protocol_of(s), self.pre_dose_values(s), self.room.clock.now())

    def pending(self) -> tuple[A.Finding, ...]:
        """The pre-dose findings the nurse must still decide on (the screen's decision panel)."""
        s = self.room.state.open_session
        return () if s is None or s.pre_dose_decision == "proceed" else self.pre_dose(s)

    def _guard(self, command: C.Command, actor: str) -> None:
        # the first nasal device starts dosing as Start infusion does (pre_dose() is empty once dosing started)
        if not isinstance(command, (C.StartInfusion, C.GiveDevice)):
            return
        findings = self.pending()
        if findings:
            raise Refused("Before the infusion starts: " + "; ".join(f.text for f in findings)
                          + ". Decide first: proceed with a reason, delay or cancel")

    def _decide(self, command: C.DecidePreDose, actor: str, now) -> list:
        s = self.room.state.open_session
        if s is None or s.phase != PRE_INFUSION:
            raise Refused("a pre-dose decision is made before the infusion starts")
        reason = A.reason_for("decision", command.decision, A.DECISIONS, command.reason, "proceed",
                              "proceeding past a pre-dose advisory needs a reason")
        findings = self.pre_dose(s)
        if not findings:
            raise Refused("the last readings are within the protocol's pre-dose limits: nothing to decide")
        pairs = [(K.ADVISORY_PRE_DOSE_DECIDED, {
            "decision": command.decision, "reason": reason, "advisories": [f.advisory.id for f in findings],
            "readings": self.pre_dose_values(s), "text": "; ".join(f.text for f in findings)})]
        if command.decision == "cancel":
            abort = C.AbortSession(reason=("pre-dose advisory: " + (reason or findings[0].readings))[:200])
            state = replace(self.room.state, alarms=self.room.monitoring.board.by_priority())
            pairs += [(n.kind, n.payload) for n in decide(state, abort, actor, now, self.room.config.session,
                                                         lambda: "")]
        return pairs

    # -- during ----------------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if event.kind == K.INFUSION_STARTED:
            self.watch = A.AdvisoryWatch(self.room.protocol_of(self.room.state.open_session))
        elif self.room.state.phase in CLOSED_PHASES or self.room.state.open_session is None:
            self.watch = None

    def _prime(self, watch: A.AdvisoryWatch, s: Session) -> None:
        """After a restart: the stored readings of the rules' last window, so a pair or a run that began before the
        crash still counts. What they complete was advised before the crash (the alarm is in the log): not again."""
        longest = max((max((a.within_min or 0) * 60, a.sustained_s or 0) for a in watch.rules), default=0)
        since = self.room.clock.now() - timedelta(seconds=longest + PRIME_MARGIN_S)
        kinds = {k for a in watch.rules for k in A.VITAL_KINDS[a.vital]}
        rows = [row for kind in sorted(kinds) for row in read_vitals(self.room.db, session_id=s.session_id, kind=kind)]
        for row in sorted(rows, key=lambda row: row["id"]):
            ts = parse_iso(row["ts"])
            if ts >= since and row["value"] is not None:
                watch.reading(Reading(row["kind"], row["value"], row["unit"], ts,
                                      parse_iso(row["device_ts"]) if row["device_ts"] else None,
                                      frozenset(json.loads(row["flags"])) if row["flags"] else frozenset()))

    def reading(self, reading: Reading) -> None:
        """Engine thread, after the alarm engine has seen the reading."""
        s = self.room.state.open_session
        if self.watch is None or s is None:
            return
        for found in self.watch.reading(reading):
            for kind, payload in self.room.monitoring.raise_clinical(A.condition(found.advisory.id), found.text,
                                                                     "medium", found.value):
                self.room.record(NewEvent(kind, payload, "system", s.session_id))

    def _respond(self, command: C.RespondAdvisory, actor: str, now) -> list:
        s = self.room.state.open_session
        if s is None:
            raise Refused("no session is open")
        reason = A.reason_for("response", command.response, A.RESPONSES, command.reason, "continued",
                              "continuing past an advisory needs a reason")
        if command.response == "paused" and s.running_since is not None:
            raise Refused("pause the infusion first: an advisory never acts on the pump")
        condition = A.condition(command.advisory)
        alarm = self.room.monitoring.board.for_condition(condition)
        if alarm is None and not self._raised(s, condition):
            raise Refused(f"no advisory {command.advisory!r} was raised in this session")
        pairs = [(K.ADVISORY_RESPONDED, {"advisory": command.advisory, "response": command.response,
                                         "reason": reason, "alarm_id": alarm.alarm_id if alarm else None})]
        if alarm is not None and alarm.acknowledged_by is None:
            pairs += self.room.monitoring.acknowledge(alarm.alarm_id, actor)
        return pairs

    def _raised(self, s: Session, condition: str) -> bool:
        raised = self.room.log.events(kinds=(K.ALARM_RAISED,), session_id=s.session_id)
        return any(e.payload.get("condition") == condition for e in raised)
