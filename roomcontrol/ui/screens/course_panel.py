"""Check-in's course panel: what the clinic knows of this patient's course, asked for as soon as the nurse has typed
the patient reference (sync/course_client.py: the hub with a short timeout, else this room's own sessions, on a
thread of its own). Nothing waits for it: the panel says "asking the hub…" and fills in when the answer comes.

It shows the infusions so far, the last session (date, room, protocol, dose and rate, given) with its notable
events, the PHQ-9 trend (numbers and an arrow, response, the item-9 flag) and the comfort plan. The last dose is
an offer the nurse takes with a button (it fills the form; the nurse still opens the session); the comfort plan
is loaded into the session once it opens, as the nurse's comfort.plan_set "from course" (unless she unticks it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from roomcontrol.domain.comfort import fitted, read_plan, summary
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.wording import number
from roomcontrol.engine.comfort_scene import room_playlists
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.sync.course_client import FROM_HUB, CourseAnswer, CourseClient
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named

ASK_AFTER_MS = 600  # the reference stopped changing this long: ask (each keystroke is not a request)
NOTABLE_SHOWN = 5
LOAD_PLAN = {True: "✓ Comfort plan will be loaded when the session opens",
             False: "Load the comfort plan when the session opens"}


def trend(points: list[dict[str, Any]]) -> str:
    """'18 → 12 → 8 ↓' (the last five scores, and where the latest went from the one before)."""
    scores: list[int] = [p["score"] for p in points if isinstance(p.get("score"), int)]
    if not scores:
        return "none yet"
    shown = " → ".join(str(s) for s in scores[-5:])
    if len(scores) < 2:
        return shown
    arrow = "↓" if scores[-1] < scores[-2] else "↑" if scores[-1] > scores[-2] else "→"
    return f"{shown} {arrow}"


def response_text(r: dict[str, Any] | None) -> str:
    """"50 % lower than the first · response (≥ 50 % fall)": the change in words, not a signed number."""
    if not r or r.get("change_pct") is None:
        return ""
    change = float(r["change_pct"])
    text = "the same as the first" if change == 0 else \
        f"{number(abs(change))} % {'lower' if change < 0 else 'higher'} than the first"
    return text + (" · response (≥ 50 % fall)" if r.get("response") else "")


def day(iso: object) -> str:
    """'5 Dec 2026' from the summary's '2026-12-05' (as the course PDF writes it); anything else as given."""
    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d.day} {d:%b %Y}"


def sentence(text: str) -> str:
    """A notable event as a line of its own: its first letter capitalised ("nausea (moderate)" → "Nausea …")."""
    return text[:1].upper() + text[1:]


def last_lines(last: dict[str, Any]) -> tuple[str, str]:
    """The last session's 'when, where, what' and 'dose and rate' lines."""
    protocol = last.get("protocol") or "no protocol"
    if last.get("protocol_version") is not None:
        protocol += f" v{last['protocol_version']}"
    where = f"{day(last.get('date', '?'))} · {last.get('room_id', '?')} · {protocol}"
    outcome = last.get("outcome")
    if outcome and outcome != "discharged":
        where += f" · {outcome}"
    parts = []
    if last.get("mg_per_kg") is not None:
        parts.append(f"{number(last['mg_per_kg'])} mg/kg")
    if last.get("planned_mg") is not None:
        parts.append(f"{number(last['planned_mg'])} mg planned")
    if last.get("rate_mg_per_h") is not None:
        parts.append(f"at {number(last['rate_mg_per_h'])} mg/h")
    if last.get("given_mg") is not None:
        parts.append(f"{number(last['given_mg'])} mg given")
    return where, " · ".join(parts) or "no dose recorded"


class CoursePanel(QWidget):
    """Fill with `ask(ref)`; `take_dose(mg_per_kg, next_infusion_no)` when the nurse takes the last dose."""
    take_dose = Signal(float, int)
    answered = Signal()        # an answer is shown (the hub's, or this room's own sessions)
    _arrived = Signal(object)  # a CourseAnswer, from the lookup's thread to this (the GUI) thread

    def __init__(self, controller: RoomController, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.client = CourseClient.from_config(controller.room.db_path, controller.config)
        self.ref = ""                       # the reference the panel shows (or waits for)
        self.answer: CourseAnswer | None = None
        self.plan: dict[str, Any] | None = None  # the course's comfort plan, fitted to this room
        self._offer = (0.0, 1)                   # the last dose (mg/kg) and the next infusion's number
        self._loaded_into: str | None = None    # the session the plan was loaded into
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(4, scale))
        box.addWidget(named(QLabel("COURSE"), "title"))
        self.notice = named(QLabel(""), "message")  # "Hub not reached — showing this room's own sessions"
        self.status = named(QLabel("Type the patient reference to see the course."), "dim")
        self.count = named(QLabel(""), "big")
        self.last = QLabel("")
        self.dose = QLabel("")
        self.notable = named(QLabel(""), "dim")
        self.phq = QLabel("")
        self.flag = named(QLabel(""), "error")
        self.use_dose = button("Use last dose", self._take_dose, name="use last dose")
        self.comfort = named(QLabel(""), "dim")
        self.load_comfort = button(LOAD_PLAN[False], checkable=True, name="load comfort plan")
        self.load_comfort.toggled.connect(self._show_load)
        for w in (self.notice, self.status, self.count, self.last, self.dose, self.notable, self.phq, self.flag,
                  self.use_dose, self.comfort, self.load_comfort):
            if isinstance(w, QLabel):
                w.setWordWrap(True)
            box.addWidget(w)
        box.addStretch(1)
        self._timer = QTimer(self, singleShot=True, interval=ASK_AFTER_MS)
        self._timer.timeout.connect(self._ask_now)
        self._arrived.connect(self._show)
        controller.snapshot.connect(self.show_snapshot)
        self._clear()

    # -- asking ---------------------------------------------------------------------------------------
    def ask(self, ref: str) -> None:
        """The reference typed so far; asked for once it has stopped changing for ASK_AFTER_MS."""
        ref = ref.strip()
        if ref == self.ref:
            return
        self.ref = ref
        self._clear()
        if ref:
            self.status.setText("Asking the hub for the course…")
            self._timer.start()
        else:
            self._timer.stop()

    def _ask_now(self) -> None:
        if self.ref:
            self.client.ask(self.ref, self._arrived.emit)

    def _clear(self) -> None:
        self.answer, self.plan = None, None
        self.status.setText("Type the patient reference to see the course.")
        for w in (self.notice, self.count, self.last, self.dose, self.notable, self.phq, self.flag, self.comfort):
            w.setText("")
            w.setVisible(False)
        self.use_dose.setVisible(False)
        self.load_comfort.setVisible(False)
        self.load_comfort.setEnabled(True)
        self._show_load(self.load_comfort.isChecked())

    # -- showing --------------------------------------------------------------------------------------
    def _show(self, answer: CourseAnswer) -> None:
        if answer.patient_ref != self.ref:
            return  # the nurse has typed another reference since
        self.answer = answer
        s = answer.summary
        say(self.notice, answer.notice)
        self.notice.setVisible(answer.source != FROM_HUB)
        self.status.setText("From the clinic hub." if answer.source == FROM_HUB else "")
        self.status.setVisible(answer.source == FROM_HUB)
        infusions = s.get("infusions") or 0
        self.count.setText("First infusion" if not infusions else
                           f"{infusions} infusion{'s' if infusions != 1 else ''} so far")
        self.count.setVisible("infusions" in s)  # nothing known at all: only the notice
        last = s.get("last")
        if isinstance(last, dict):
            where, dose = last_lines(last)
            self.last.setText(f"Last: {where}")
            self.dose.setText(dose)
            notable = [sentence(str(n)) for n in last.get("notable") or ()]
            more = len(notable) - NOTABLE_SHOWN
            self.notable.setText("\n".join(f"• {n}" for n in notable[:NOTABLE_SHOWN])
                                 + (f"\n… and {more} more" if more > 0 else "") if notable else "Nothing notable.")
            for w in (self.last, self.dose, self.notable):
                w.setVisible(True)
        mg_per_kg = last.get("mg_per_kg") if isinstance(last, dict) else None
        self.use_dose.setVisible(isinstance(mg_per_kg, (int, float)) and not self._opened())
        if isinstance(mg_per_kg, (int, float)):
            self._offer = (float(mg_per_kg), int(infusions) + 1)
            self.use_dose.setText(f"Use last dose: {number(mg_per_kg)} mg/kg · infusion {infusions + 1}")
            self.use_dose.setEnabled(True)
        phq = [p for p in s.get("phq9") or () if isinstance(p, dict)]
        if phq:
            # one score is not a change: "18 · the same as the first" says nothing
            response = response_text((s.get("response") or {}).get("phq9")) if len(phq) > 1 else ""
            self.phq.setText(f"PHQ-9 {trend(phq)}" + (f" · {response}" if response else ""))
            self.phq.setVisible(True)
        if s.get("item9_flag"):
            self.flag.setText("⚑ PHQ-9 item 9 answered above 0 in this course: ask about it")
            self.flag.setVisible(True)
        self._show_comfort(s.get("comfort"))
        self.answered.emit()

    def _show_comfort(self, raw: object) -> None:
        self.plan = None
        if raw is None:
            return
        try:
            plan = fitted(read_plan(raw), room_playlists())
        except Refused as refused:
            self.comfort.setText(f"Comfort plan from the course cannot be used here: {refused}")
            self.comfort.setVisible(True)
            return
        self.plan = plan.to_dict()
        note = f' · "{plan.note}"' if plan.note else ""
        self.comfort.setText(f"Comfort: {summary(plan)}{note}")
        self.comfort.setVisible(True)
        self.load_comfort.setChecked(True)
        self.load_comfort.setVisible(True)

    def _show_load(self, on: bool) -> None:
        """The toggle says what will happen (a highlighted button alone does not), until the plan is loaded."""
        if self.load_comfort.isEnabled():
            self.load_comfort.setText(LOAD_PLAN[on])

    def _take_dose(self) -> None:
        dose, infusion = self._offer
        self.take_dose.emit(dose, infusion)
        self.use_dose.setText(f"✓ {number(dose)} mg/kg in the form — check it and open the session")
        self.use_dose.setEnabled(False)

    def _opened(self) -> bool:
        snap = self.controller.last
        return snap is not None and snap.session is not None and snap.session.is_open

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        """Once this patient's session is open: load the course's comfort plan into it (once, by the nurse)."""
        s = snap.session
        if s is None or not s.is_open:
            return
        self.use_dose.setVisible(False)
        if (self.plan is not None and self.load_comfort.isChecked() and s.patient_ref == self.ref
                and self._loaded_into != s.session_id and s.comfort is None):
            self._loaded_into = s.session_id
            self.controller.ops.set_comfort_plan(self.plan, source="course",
                                                 on_ok=lambda _: self._comfort_loaded(),
                                                 on_error=lambda reason: say(self.notice, reason))

    def _comfort_loaded(self) -> None:
        self.load_comfort.setText("✓ Comfort plan loaded into this session")
        self.load_comfort.setEnabled(False)
