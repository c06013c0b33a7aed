"""Helpers for discharges under a protocol's rules: the readings and scores that meet them, and a complete REMS
form."""

from __future__ import annotations

from datetime import timedelta

from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.domain.vitals import UNITS, Reading
from tests.core.helpers import NURSE

CADSS_0 = dict(slow_motion=0, unreal=0, body_changed=0, separated=0, time_changed=0, colours_changed=0)
ESCORT = dict(escort_name="Grace Hopper", escort_phone="+1 555 010 2030")


def moaas(room, score: int, actor: str = NURSE) -> None:
    room.command("record_assessment", actor, scale="MOAA/S", items={"responsiveness": score})


def vitals(room, hr: float = 72, sys_: float = 124, dia: float = 80) -> None:
    now = room.clock.now()
    for kind, value in (("heart_rate", hr), ("nibp_systolic", sys_), ("nibp_diastolic", dia)):
        room.post_reading(Reading(kind, value, UNITS[kind], now, source="test"))
    room.call(lambda: None).result(10)  # the engine has taken them (it runs its inbox in order)


def meet_rules(room) -> None:
    """Score MOAA/S 5 and CADSS-6 0 and measure vitals at baseline, now."""
    moaas(room, 5)
    room.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    vitals(room)


def rems_form(room, **changes) -> dict:
    started = room.state.session.infusion_started_at
    form = dict(benzodiazepines=False, sedative_hypnotics=False, psychostimulants=False, maois=False,
                monitored_by="Ada Lovelace", lot="EK2291", vitals_ok_before=True, vitals_ok_end=True,
                bp_pre="120/80", bp_40="138/86", bp_end="124/80", sedation=True, sedation_resolved=True,
                dissociation=False, respiratory_depression=False, serious_adverse_events=False,
                ready_at=iso_utc(started + timedelta(minutes=90)))
    form.update(changes)
    return form
