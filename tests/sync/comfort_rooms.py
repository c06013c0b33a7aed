"""A patient's earlier session in one room, synced to a real hub: what check-in in another room asks for."""

from __future__ import annotations

from pathlib import Path

from roomcontrol.clock import FakeClock
from roomcontrol.config.room import RoomConfig, parse_config
from roomcontrol.domain.comfort import ComfortPlan
from roomcontrol.store import database
from roomcontrol.sync.pusher import SyncPusher
from tests.core.discharge_help import ESCORT, meet_rules
from tests.core.helpers import CHECKLIST, NURSE, PADSS_10, ambient_devices, make_room

PATIENT = "PT-7"
PLAN = ComfortPlan(playlist="nature", track="02_ocean.ogg", volume=20, light=10, colour_temp_k=2200,
                   eye_mask=True, blanket=True, note="likes to hold a stone")
PHQ9_18 = {f"q{n}": 2 for n in range(1, 10)}  # 18, item 9 answered 2: flagged


def phq9(score_each: int, q9: int = 0) -> dict[str, int]:
    return {**{f"q{n}": score_each for n in range(1, 9)}, "q9": q9}


def room_config(room_id: str, **sync) -> RoomConfig:
    """A room whose phase scenes have no fades (the light is at the scene's level at once)."""
    errors: list[str] = []
    raw = {"room": {"id": room_id}, "scenes": {s: {"fade_s": 0} for s in ("welcome", "infusion", "recovery")}}
    if sync:
        raw["sync"] = {"enabled": True, "interval_s": 3600, **sync}
    config = parse_config(raw, errors)
    assert not errors, errors
    return config


def earlier_session(data_dir: Path, room_id: str = "room-1", *, dose_mg_per_kg: float = 0.6,
                    plan: ComfortPlan | None = PLAN, phq9_items: dict[str, int] | None = None,
                    clock: FakeClock | None = None) -> None:
    """PT-7's infusion in `room_id`: PHQ-9 at check-in, nausea and ondansetron, the comfort plan set and saved at
    discharge, all through the room's commands."""
    room = make_room(data_dir, room_config(room_id), clock)
    devices = ambient_devices(room, room.config)
    try:
        room.command("open_session", NURSE, patient_ref=PATIENT, weight_kg=80, dose_mg_per_kg=dose_mg_per_kg,
                     planned_infusion_min=40)
        room.command("record_assessment", "patient", scale="PHQ-9", items=phq9_items or PHQ9_18)
        for item, extra in CHECKLIST:
            room.command("confirm_checklist", NURSE, item=item, **extra)
        room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
        room.command("start_infusion", NURSE)
        room.clock.advance(10 * 60)
        room.command("note_symptom", NURSE, symptom="nausea", severity="moderate")
        room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV",
                     indication="nausea")
        room.clock.advance(30 * 60)
        room.command("complete_infusion", NURSE)
        if plan is not None:
            room.command("set_comfort_plan", NURSE, plan=plan.to_dict())
        room.clock.advance(30 * 60)
        room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
        meet_rules(room)  # the protocol's discharge rules: MOAA/S 5, CADSS-6 0, vitals at baseline, the escort named
        room.command("discharge", NURSE, escort_confirmed=True, **ESCORT)
    finally:
        devices.close()
        room.close()


def push(data_dir: Path, room_id: str, hub_url: str, token: str) -> None:
    pusher = SyncPusher(database.db_path(data_dir), room_id, hub_url, token, interval_s=3600)
    try:
        result = pusher.sync_now()
        assert result.ok, result.error
    finally:
        pusher.stop()
