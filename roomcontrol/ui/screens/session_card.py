"""The session card: patient, infusion n of the course, phase, a big timer with progress, dose, the rate the pump
runs at and the dose given so far, and the actions the phase allows. Stopping early and aborting need a reason and a
1.5 s hold; changing the rate opens its panel (ui/screens/rate_panel.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QProgressBar, QSizePolicy, QStackedWidget,
                               QVBoxLayout, QWidget)

from roomcontrol.domain.commands import COMPLETE_TOLERANCE_S
from roomcontrol.domain.draw_first import draw_missing
from roomcontrol.domain.nasal import device_status, upcoming
from roomcontrol.domain.protocol import enabled, session_policy
from roomcontrol.domain.wording import phase_label
from roomcontrol.ui import format as F
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.screens.rate_panel import RatePanel
from roomcontrol.ui.widgets.buttons import Choice, HoldButton, button
from roomcontrol.ui.widgets.named import named

# The acts that need a reason: pause, stop (the infusion early) and abort (the session).
REASONS = {
    "pause": ("Patient request", "Nausea", "Bathroom", "Blood pressure", "IV check"),
    "stop": ("Patient request", "Adverse reaction", "Blood pressure", "IV problem"),
    "abort": ("Patient declined", "Criteria not met", "Clinical concern", "Equipment"),
}
ASK = {"pause": "Pause — why?", "stop": "Stop the infusion early — why?", "abort": "Abort the session — why?"}


def overrun(seconds: float) -> str:
    """'+0:35 over plan': how long the infusion has run past its planned time."""
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    return f"+{minutes}:{secs:02d} over plan"


class ReasonPanel(QWidget):
    """Pick a reason (or type one), then confirm: a tap for a pause, a hold for stop and abort."""
    done = Signal()

    def __init__(self, controller: RoomController) -> None:
        super().__init__()
        self.controller = controller
        self.act = ""
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.ask = QLabel("")
        box.addWidget(self.ask)
        self.choices_holder = QHBoxLayout()
        box.addLayout(self.choices_holder)
        self.choice: Choice | None = None
        row = QHBoxLayout()
        self.other = QLineEdit(placeholderText="or type a reason")
        self.cancel = button("Cancel", self.close_panel, kind="quiet")
        self.tap = button("Pause", self._confirm, kind="primary", name="confirm pause")
        self.hold = HoldButton("Hold to confirm")
        self.hold.setAccessibleName("hold to confirm")
        self.hold.confirmed.connect(self._confirm)
        for w in (self.other, self.cancel, self.tap, self.hold):
            row.addWidget(w)
        row.setStretch(0, 1)
        box.addLayout(row)

    def open(self, act: str) -> None:
        self.act = act
        self.ask.setText(ASK[act])
        if self.choice is not None:
            self.choice.deleteLater()
        self.choice = Choice(REASONS[act])
        self.choices_holder.addWidget(self.choice)
        self.other.clear()
        held = act != "pause"
        self.tap.setVisible(not held)
        self.hold.setVisible(held)
        self.hold.setText("Hold to stop" if act == "stop" else "Hold to abort")

    def reason(self) -> str:
        return self.other.text().strip() or (self.choice.value if self.choice else "") or ""

    def _confirm(self) -> None:
        ops = self.controller.ops
        send = {"pause": ops.pause_infusion, "stop": ops.stop_infusion, "abort": ops.abort_session}[self.act]
        send(self.reason(), on_ok=lambda _: self.close_panel())

    def close_panel(self) -> None:
        self.done.emit()


class SessionCard(QWidget):
    navigate = Signal(str)  # "checkin", "discharge", "CADSS-6"

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.ui_scale = controller, scale
        self.phase = "idle"
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box = QVBoxLayout(self)
        box.setContentsMargins(theme.px(18, scale), theme.px(10, scale), theme.px(18, scale), theme.px(12, scale))
        head = QHBoxLayout()
        self.patient = named(QLabel("No patient"), "heading")
        self.phase_label = QLabel("")
        self.phase_label.setStyleSheet(f"font-size: {theme.px(22, scale)}px; color: {theme.SPO2};")
        head.addWidget(self.patient, 1)
        head.addWidget(self.phase_label)
        box.addLayout(head)
        timer_row = QHBoxLayout()
        timer_row.setSpacing(theme.px(18, scale))
        self.timer = named(QLabel("--:--"), "timer")
        self.timer_note = named(QLabel(""), "dim")
        self.timer_note.setWordWrap(True)
        self.timer_note.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        self.dose = QLabel("")
        self.dose.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.dose.setStyleSheet(f"font-size: {theme.px(17, scale)}px; color: {theme.DIM};")
        timer_row.addWidget(self.timer)
        timer_row.addWidget(self.timer_note, 1)
        timer_row.addWidget(self.dose)
        box.addLayout(timer_row)
        self.progress = QProgressBar(textVisible=False, maximum=1000)
        self.progress.setFixedHeight(theme.px(10, scale))
        box.addWidget(self.progress)
        self.due: bool | None = None  # the planned time reached: timer, bar and Complete take the cue
        self.draw_first: str | None = None  # why dosing waits for the draw (domain/draw_first.py), or None
        self.stack = QStackedWidget()
        self.action_row = QWidget()  # not `actions`: that is QWidget's
        row = QHBoxLayout(self.action_row)
        row.setContentsMargins(0, theme.px(8, scale), 0, 0)
        c = controller
        self.b = {
            "checkin": button("Check in a patient", lambda: self.navigate.emit("checkin"), kind="primary"),
            "continue": button("Check-in", lambda: self.navigate.emit("checkin")),
            "drawn": button("Drawn…", lambda: self.navigate.emit("controlled")),  # ui/screens/controlled.py
            "start": button("Start infusion", self._start, kind="primary"),
            "device": button("Device given", self._device, kind="primary"),  # a nasal dose
            "pause": button("Pause", lambda: self._reason("pause")),
            "rate": button("Change rate…", self._rate),
            "resume": button("Resume", lambda: c.ops.resume_infusion(), kind="primary"),
            "complete": button("Complete", lambda: c.ops.complete_infusion(), kind="primary"),
            "stop": button("Stop early…", lambda: self._reason("stop"), kind="danger"),
            "cadss": button("CADSS-6", lambda: self.navigate.emit("CADSS-6")),
            "moaas": button("MOAA/S", lambda: self.navigate.emit("MOAA/S")),
            "waste": button("Waste…", lambda: self.navigate.emit("controlled")),  # before Discharge, as done
            "discharge": button("Discharge…", lambda: self.navigate.emit("discharge"), kind="primary"),
            "abort": button("Abort…", lambda: self._reason("abort"), kind="quiet"),
        }
        for key, b in self.b.items():
            b.setAccessibleName(key)
            row.addWidget(b)
        self.reasons = ReasonPanel(controller)
        self.reasons.done.connect(lambda: self.stack.setCurrentWidget(self.action_row))
        self.rate_panel = RatePanel(controller)
        self.rate_panel.done.connect(lambda: self.stack.setCurrentWidget(self.action_row))
        self.stack.addWidget(self.action_row)
        self.stack.addWidget(self.reasons)
        self.stack.addWidget(self.rate_panel)
        box.addWidget(self.stack)
        self.stack.currentChanged.connect(self._fit_stack)
        self._fit_stack()
        self._cue(False)
        self.show_phase("idle")

    def _fit_stack(self, _: int = 0) -> None:
        """The stack as tall as the page it shows: the rate and reason panels' height kept under the buttons
        pushed the main screen past 1280×800 once the due strip or the advisory bar showed."""
        for page in (self.action_row, self.reasons, self.rate_panel):
            policy = QSizePolicy.Policy.Preferred if page is self.stack.currentWidget() else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.stack.updateGeometry()

    def _cue(self, due: bool) -> None:
        """At the planned time the timer and its bar turn amber and "Complete" becomes the big green action."""
        if due == self.due:
            return
        self.due = due
        colour = theme.OVERRUN if due else theme.TEXT
        self.timer.setStyleSheet(f"color: {colour};")
        self.timer_note.setStyleSheet(f"color: {theme.OVERRUN}; font-size: {theme.px(24, self.ui_scale)}px; "
                                      "font-weight: 600;" if due else "")
        chunk = theme.OVERRUN if due else theme.SPO2
        self.progress.setStyleSheet(f"QProgressBar {{ background: {theme.LINE}; border: none; border-radius: 5px; }}"
                                    f"QProgressBar::chunk {{ background: {chunk}; border-radius: 5px; }}")
        self.progress.setAccessibleDescription("planned time reached" if due else "")
        complete = self.b["complete"]
        complete.setObjectName("due" if due else "primary")
        complete.style().unpolish(complete)
        complete.style().polish(complete)

    def _reason(self, act: str) -> None:
        self.reasons.open(act)
        self.stack.setCurrentWidget(self.reasons)

    def _rate(self) -> None:
        snap = self.controller.last
        if snap is None or snap.session is None:
            return
        self.rate_panel.open(snap.session)
        self.stack.setCurrentWidget(self.rate_panel)

    def show_phase(self, phase: str) -> None:
        shown = {
            "idle": ("checkin",), "discharged": ("checkin",), "aborted": ("checkin",),
            "pre_infusion": ("continue", "drawn", "start", "abort"),
            "infusing": ("pause", "rate", "complete", "cadss", "stop"),  # MOAA/S: the due strip, when due
            "paused": ("resume", "rate", "complete", "cadss", "stop"),
            "recovery": ("waste", "discharge", "cadss", "moaas", "abort"),  # discharge reads the last MOAA/S
        }.get(phase, ())
        for key, b in self.b.items():
            b.setVisible(key in shown)
        if phase != self.phase:
            self.stack.setCurrentWidget(self.action_row)
        self.phase = phase

    @staticmethod
    def _dose_text(snap: RoomSnapshot) -> str:
        """The plan; once the infusion has started, the rate the pump runs at now and the dose given so far."""
        s = snap.session
        assert s is not None
        plan = s.plan
        total = f"<span style='font-size:150%; color:{theme.TEXT}'>{plan.get('total_dose_mg'):g} mg</span>"
        if plan.get("dose_mg") is not None:  # a fixed-dose (intranasal) protocol: devices, no rate
            text = total + f"<br>{plan.get('devices')} devices, {plan.get('device_interval_min'):g} min apart"
            if s.infusion_started_at is not None:
                text += f" · given {snap.dose_given_mg:g} mg"  # three lines: the card fits under the banners
            status = device_status(s, snap.now)
            return text + (f"<br><b>{status}</b>" if status else "")
        rate = plan.get("rate_mg_per_h") if s.rate_mg_per_h is None else s.rate_mg_per_h
        conc = plan.get("concentration_mg_per_ml")
        text = (total + f"<br>{plan.get('dose_mg_per_kg'):g} mg/kg × {plan.get('weight_kg'):g} kg"
                f"<br>{rate:g} mg/h" + (f" · {round(rate / conc, 2):g} mL/h" if conc else ""))
        if s.titrated and s.infusion_ended_at is None:
            text += f" (planned {plan.get('rate_mg_per_h'):g})"
        if s.infusion_started_at is not None:
            text += f" · given {snap.dose_given_mg:.1f} mg"  # three lines: the card fits under the banners
        return text

    def _start(self) -> None:
        self._dose_first(self.controller.ops.start_infusion)

    def _device(self) -> None:
        self._dose_first(self.controller.ops.give_device)  # the first nasal device starts dosing as Start does

    def _dose_first(self, send: Callable[[], None]) -> None:
        """Readings above a protocol's pre-dose limits: the nurse decides first (ui/screens/pre_dose.py); a
        protocol that wants the draw before the first dose: the controlled-substance page, in the same tap."""
        last = self.controller.last
        if last is not None and last.pre_dose:
            self.navigate.emit("pre_dose")
        elif self.draw_first is not None:
            self.navigate.emit("controlled")
        else:
            send()

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        s = snap.session
        self.show_phase(snap.phase)
        if s is not None and s.plan.get("dose_mg") is not None:  # a fixed-dose (intranasal) plan has no rate
            self.b["rate"].setVisible(False)
        if s is not None and not s.controlled.draws:  # nothing drawn: no waste to record
            self.b["waste"].setVisible(False)
        self._cue(snap.phase in ("infusing", "paused") and snap.planned_time_reached)
        if snap.phase != "pre_infusion":
            self._draw_first(None)  # dosing started (or no session): nothing waits for a draw
        self.phase_label.setText(phase_label(snap.phase))
        if s is None:
            self.patient.setText("No patient")
            self.timer.setText(F.clock(snap.now))
            self.timer_note.setText("")
            self.dose.setText("")
            self.progress.setValue(0)
            return
        fixed = s.plan.get("dose_mg") is not None  # a nasal dose: "session", "Dosing"
        self.patient.setText(f"{s.patient_ref}  ·  {'session' if fixed else 'infusion'} {s.course_no} of the course")
        if fixed and snap.phase == "infusing":
            self.phase_label.setText("Dosing")
        plan = s.plan
        self.dose.setText(self._dose_text(snap))
        planned = s.planned_infusion_s
        if snap.phase in ("infusing", "paused"):
            self.timer.setText(F.mmss(snap.infusion_elapsed_s))
            note = f"of {F.mmss(planned)}"
            if snap.planned_time_reached:
                note = f"{overrun(snap.overrun_s)}\nplanned {F.mmss(planned)}"
            if snap.phase == "paused" and s.pauses:
                paused_s = (snap.now - s.pauses[-1].started).total_seconds()
                note += f"\npaused {F.mmss(paused_s)} · {s.pauses[-1].reason}"
            self.timer_note.setText(note)
            self.progress.setValue(int(1000 * min(1.0, snap.infusion_elapsed_s / planned)))
            ready = (snap.infusion_remaining_s or 0) <= COMPLETE_TOLERANCE_S
            self.b["complete"].setEnabled(ready)
            self.b["complete"].setText("Complete" if ready else f"Complete in {F.mmss(snap.infusion_remaining_s)}")
        elif snap.phase == "recovery":
            self.timer.setText(F.mmss(snap.recovery_elapsed_s))
            left = snap.recovery_remaining_s or 0
            self.timer_note.setText("in recovery" + (f"\nminimum {F.mmss(left)} to go" if left > 0 else
                                                     "\nminimum time reached"))
            minimum = max(1.0, snap.recovery_elapsed_s + left)
            self.progress.setValue(int(1000 * min(1.0, snap.recovery_elapsed_s / minimum)))
        elif snap.phase == "pre_infusion":
            self.timer.setText(F.mmss(planned))
            protocol = enabled(self.controller.config.session, s.protocol)
            rules = session_policy(self.controller.config.session, protocol)  # the protocol's checks
            missing = [F.words(i) for i in rules.required_checklist if i not in s.checklist]
            if rules.require_baseline_vitals and s.baseline is None:
                missing.append("baseline vitals")
            checks_done = not missing
            self._draw_first(draw_missing(protocol, s.controlled))
            if self.draw_first is not None and protocol is not None:
                missing.append(f"the {protocol.drug} drawn (lot, expiry)")
            todo = "to do: " + ", ".join(missing) if missing else "ready to start"
            # the draw alone left: the rule in the words the room would refuse Start with
            self.timer_note.setText("planned · " + (self.draw_first if checks_done and self.draw_first else todo))
            self.b["start"].setEnabled(checks_done)  # the draw alone: Start's tap opens its page
            self.progress.setValue(0)
        else:
            self.timer.setText(F.clock(snap.now))
            self.timer_note.setText(phase_label(snap.phase).lower())
            self.progress.setValue(0)
        if plan.get("dose_mg") is not None:
            self._devices(snap)

    def _draw_first(self, why: str | None) -> None:
        """The protocol's draw before the first dose (domain/draw_first.py) not recorded yet: Start says so and
        its tap opens the controlled-substance page; the full rule in its tooltip, as the room would refuse."""
        self.draw_first = why
        self.b["start"].setText("Start infusion" if why is None else "Record the draw first…")
        self.b["start"].setToolTip(why or "")
        self.b["start"].setAccessibleDescription(why or "")

    def _devices(self, snap: RoomSnapshot) -> None:
        """A nasal dose is given device by device (domain/nasal.py): "Device 1 of 2 given" starts it, each next
        one waits for the protocol's interval ("Device 2 of 2 in 3:12"), the last ends the dosing."""
        s = snap.session
        assert s is not None
        for key in ("start", "rate", "complete"):
            self.b[key].setVisible(False)
        device, b = upcoming(s), self.b["device"]
        b.setVisible(device is not None and snap.phase in ("pre_infusion", "infusing"))
        if device is None:
            return
        status = device_status(s, snap.now)
        due = status is None or status.endswith("due now")
        b.setText(f"Device {device.n} of {device.of} given" if status is None or due else status)
        if snap.phase == "pre_infusion" and self.draw_first is not None:  # the first device waits for the draw
            b.setText("Record the draw first…")
        b.setToolTip(self.draw_first or "")
        # the first device starts the dosing: only once the checks are done (the Start button's own rule)
        b.setEnabled(due and (snap.phase != "pre_infusion" or self.b["start"].isEnabled()))
