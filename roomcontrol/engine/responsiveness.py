"""The "tap if you're OK" check in the room (issue #15, item 3): on each tick it asks domain.responsiveness what is
due under the session's protocol and logs it; a miss raises the medium clinical alarm "responsiveness"; the
patient's tap (answer_check) answers the check and clears that alarm. The state is the session fold, so a restart
mid-check resumes it (the deadline counts from the logged `responsiveness.asked`)."""

from __future__ import annotations

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain import responsiveness as R
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.protocol import ResponsivenessCheck


class ResponsivenessChecks:
    def __init__(self, room) -> None:
        self.room = room
        room.bind(C.AnswerCheck, self._answer)
        room.add_tick_hook(self.tick)
        room.subscribe(on_event=self._on_event)

    def rule(self) -> ResponsivenessCheck | None:
        protocol = self.room.protocol_of(self.room.state.open_session)
        return protocol.responsiveness if protocol else None

    def tick(self) -> None:
        s, now = self.room.state.open_session, self.room.clock.now()
        rule = self.rule()
        for kind, payload in R.due(rule, s, now):
            self._log(kind, payload)
            if kind == K.RESPONSIVENESS_MISSED and rule is not None:
                for pair in self.room.monitoring.raise_clinical(R.CONDITION, R.missed_text(rule.answer_within_s)):
                    self._log(*pair)

    def _answer(self, command: C.AnswerCheck, actor: str, now) -> list:
        # The room's timers first (a no-op in a room ticking every second; a scenario at 600× ticks every 10 min)
        self.tick()
        return [R.answer(self.room.state.open_session, now)]

    def _on_event(self, event) -> None:
        """A late tap: the patient is OK, so the missed check's alarm clears (logged by the room, after the tap)."""
        if event.kind == K.RESPONSIVENESS_ANSWERED and event.payload.get("late"):
            self.room.defer(self._clear)

    def _clear(self) -> None:
        for pair in self.room.monitoring.clear_clinical(R.CONDITION, "the patient answered the check"):
            self._log(*pair)

    def _log(self, kind: str, payload: dict) -> None:
        s = self.room.state.open_session
        self.room.record(NewEvent(kind, payload, "system", s.session_id if s else None))
