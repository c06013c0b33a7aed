"""Issue 15, item 1 in the room: room.toml enables protocols (a broken one refused at start, naming the file, the key
and what is allowed); open_session runs under one (its dose rule, bounds and times); session.opened logs its id and
version and the replay keeps them."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.config import ConfigError, RoomConfig, load_config
from roomcontrol.config.protocols import SHIPPED_DIR
from roomcontrol.domain.commands import rules_for
from roomcontrol.domain.dose import HighDoseUnconfirmed
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.wording import describe
from roomcontrol.engine.room import Room
from tests.core.discharge_help import ESCORT, meet_rules, rems_form
from tests.core.helpers import BASELINE, NURSE, PADSS_10, draw_devices, make_room, reconcile

ALL = ["ketamine-depression", "ketamine-pain", "esketamine-nasal"]


def room_toml(folder: Path, session: str) -> Path:
    path = folder / "room.toml"
    path.write_text(f"[session]\n{session}\n")
    return path


def opened(room: Room):
    return [e for e in room.log.events() if e.kind == "session.opened"][-1]


def refuses_to_open(room: Room, match: str, error: type[Exception] = Refused, **args) -> None:
    """open_session for an 80 kg patient with `args` is refused with a message matching `match`."""
    args.setdefault("patient_ref", "PT-2")
    with pytest.raises(error, match=match):
        room.command("open_session", NURSE, weight_kg=80, **args)


# -- room.toml -------------------------------------------------------------------------------------------------
def test_the_room_enables_its_protocols_in_order_and_the_depression_one_by_default(tmp_path, protocols_config):
    assert [p.id for p in protocols_config.session.protocols] == ALL
    assert [p.id for p in load_config(room_toml(tmp_path, "")).session.protocols] == ["ketamine-depression"]
    assert [p.id for p in load_config(None).session.protocols] == ["ketamine-depression"]
    example = load_config(Path(__file__).resolve().parents[2] / "room.example.toml")
    assert [p.id for p in example.session.protocols] == ALL


def test_a_room_from_before_protocols_keeps_its_own_numbers(tmp_path):
    config = load_config(room_toml(tmp_path, "default_dose_mg_per_kg = 0.35"))
    assert config.session.protocols == () and config.session.default_dose_mg_per_kg == 0.35
    r = make_room(tmp_path, config)
    r.command("open_session", NURSE, patient_ref="PT-1", weight_kg=80)
    assert opened(r).payload["dose_mg_per_kg"] == 0.35 and "protocol" not in opened(r).payload
    assert r.state.session.protocol is None


def test_a_broken_protocol_is_refused_at_start_naming_the_file_key_and_what_is_allowed(tmp_path):
    mine = tmp_path / "clinic-protocols"
    shutil.copytree(SHIPPED_DIR, mine)
    text = (mine / "ketamine-pain.toml").read_text()
    (mine / "ketamine-pain.toml").write_text(text.replace("mg_per_kg = 1.0", "mg_per_kg = 9")
                                             .replace('escort = "required"', 'escort = "if possible"'))
    (mine / "esketamine-nasal.toml").write_text('id = "esketamine-nasal"\nversion = [')
    (mine / "renamed.toml").write_text(text.replace('id = "ketamine-pain"', 'id = "other"'))
    path = room_toml(tmp_path, 'protocols = ["ketamine-depression", "ketamine-pain", "esketamine-nasal", '
                               '"renamed", "nowhere"]\nprotocols_dir = "clinic-protocols"')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    pain = mine / "ketamine-pain.toml"
    assert f"{pain}: dose.mg_per_kg = 9: must be a number from 0.05 to 5" in message
    assert f'{pain}: discharge.escort = "if possible": must be one of "required", "advised", "not_required"' in message
    assert f"{mine / 'esketamine-nasal.toml'}: not valid TOML" in message
    assert f'{mine / "renamed.toml"}: id = "other": must be the file\'s name, "renamed"' in message
    assert (f'session.protocols: "nowhere" has no file {mine / "nowhere.toml"}; protocols there: esketamine-nasal, '
            "ketamine-depression, ketamine-pain, renamed") in message


@pytest.mark.parametrize("session, match", [
    ('protocols = "ketamine-depression"', r"session.protocols = 'ketamine-depression': must be a list of 1 to 20 "
                                          r"different protocol ids"),
    ("protocols = []", r"session.protocols = \[\]: must be a list"),
    ('protocols = ["Ketamine Depression"]', r"must be a list of 1 to 20 different protocol ids"),
    ('protocols_dir = "no-such-folder"', r'session.protocols_dir = "no-such-folder": no such folder'),
    ("protocols_dir = 3", r"session.protocols_dir = 3: must be a folder path"),
    ('protocols = ["ketamine-depression"]\ncolour = 1', r"session.colour: unknown key; known keys in \[session\]: "
                                                       r".*protocols, protocols_dir"),
])
def test_wrong_protocol_keys_in_room_toml(tmp_path, session, match):
    with pytest.raises(ConfigError, match=match):
        load_config(room_toml(tmp_path, session))


# -- sessions under a protocol -------------------------------------------------------------------------------------
def test_open_session_under_the_default_protocol(protocol_room):
    r = protocol_room
    r.command("open_session", NURSE, patient_ref="PT-1", weight_kg=80)
    p = opened(r).payload
    assert (p["protocol"], p["protocol_version"]) == ("ketamine-depression", 1)
    assert (p["dose_mg_per_kg"], p["total_dose_mg"], p["planned_infusion_min"], p["rate_mg_per_h"]) == \
        (0.5, 40.0, 40.0, 60.0)
    s = r.state.session
    assert (s.protocol, s.protocol_version) == ("ketamine-depression", 1)
    assert describe(opened(r)) == ("Session opened (ketamine-depression v1): patient PT-1, course 1, 40 mg over "
                                   "40 min")
    assert "protocol" not in s.plan and s.plan["total_dose_mg"] == 40.0


def test_open_session_under_the_pain_protocol_uses_its_dose_bounds_and_time(protocol_room):
    r = protocol_room
    pain = dict(patient_ref="PT-1", protocol="ketamine-pain")
    refuses_to_open(r, r"planned infusion time 40 min is outside the allowed 60–480 min", **pain,
                    planned_infusion_min=40)
    refuses_to_open(r, "usual maximum of 1.5 mg/kg", HighDoseUnconfirmed, **pain, dose_mg_per_kg=1.8)
    refuses_to_open(r, r"dose 0.2 mg/kg is outside the allowed 0.25–2 mg/kg", **pain, dose_mg_per_kg=0.2)
    r.command("open_session", NURSE, patient_ref="PT-1", weight_kg=80, protocol="ketamine-pain")
    p = opened(r).payload
    assert (p["protocol"], p["dose_mg_per_kg"], p["total_dose_mg"], p["planned_infusion_min"],
            p["rate_mg_per_h"]) == ("ketamine-pain", 1.0, 80.0, 240.0, 20.0)
    # its own checks: medications reviewed too, before the infusion may start
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})):
        r.command("confirm_checklist", NURSE, item=item, **extra)
    r.command("record_baseline", NURSE, **BASELINE)
    with pytest.raises(Refused, match="medications_reviewed|medications reviewed"):
        r.command("start_infusion", NURSE)
    r.command("confirm_checklist", NURSE, item="medications_reviewed")
    r.command("start_infusion", NURSE)
    r.clock.advance(200 * 60)
    with pytest.raises(Refused, match="only 200 of 240 min infused"):
        r.command("complete_infusion", NURSE)
    r.clock.advance(40 * 60)
    r.command("complete_infusion", NURSE)
    r.clock.advance(45 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    with pytest.raises(Refused, match="Monitored 45 min of the 1 h required after the last dose"):
        r.command("discharge", NURSE, escort_confirmed=True)
    assert r.snapshot().recovery_remaining_s == pytest.approx(15 * 60)


def test_open_session_under_the_esketamine_protocol(protocol_room):
    r = protocol_room
    refuses_to_open(r, r"gives a fixed dose in mg \(dose_mg\)", protocol="esketamine-nasal", dose_mg_per_kg=0.5)
    refuses_to_open(r, "the dose must be one of this protocol's: 56 mg or 84 mg, got 70", protocol="esketamine-nasal",
                    dose_mg=70)
    refuses_to_open(r, "dose_mg is for a fixed-dose", dose_mg=56)
    refuses_to_open(r, "protocol 'spravato' is not enabled", protocol="spravato")
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal", dose_mg=84)
    p = opened(r).payload
    assert (p["protocol"], p["dose_mg"], p["devices"], p["device_interval_min"], p["total_dose_mg"],
            p["planned_infusion_min"], p["rate_mg_per_h"]) == ("esketamine-nasal", 84.0, 3, 5.0, 84.0, 10.0, None)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        r.command("confirm_checklist", NURSE, item=item)
    r.command("record_baseline", NURSE, **BASELINE)
    draw_devices(r)                                          # the protocol's draw_before_dose
    r.command("start_infusion", NURSE)                       # the first device
    with pytest.raises(Refused, match="no infusion rate to change"):
        r.command("change_rate", NURSE, rate_mg_per_h=60, reason="pain")
    r.clock.advance(10 * 60)
    r.command("complete_infusion", NURSE)                    # the last device, 10 min later
    reconcile(r)                                             # the devices used whole: 0 mL wasted, witnessed
    assert r.state.session.given_mg(r.clock.now()) == 84.0
    r.clock.advance(90 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    with pytest.raises(Refused, match="Monitored 1 h 30 min of the 2 h required after the last dose"):  # REMS: 2 h
        r.command("discharge", NURSE, escort_confirmed=True)
    r.clock.advance(30 * 60)
    meet_rules(r)
    with pytest.raises(Refused, match="the REMS Patient Monitoring Form is missing: Lot number"):
        r.command("discharge", NURSE, **ESCORT, rems=rems_form(r, lot=""))
    r.command("discharge", NURSE, **ESCORT, rems=rems_form(r))
    assert r.state.phase == "discharged"


def test_the_replay_after_a_restart_keeps_the_protocol(tmp_path, protocols_config):
    config, clock = protocols_config, FakeClock()
    r = make_room(tmp_path, config, clock)
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal")
    r.close()
    again = Room(config, tmp_path, clock)
    s = again.state.session
    assert (s.protocol, s.protocol_version, s.plan["dose_mg"], s.plan["planned_infusion_min"]) == \
        ("esketamine-nasal", 2, 56.0, 5.0)
    assert again.snapshot().session is not None
    again.close()


def test_a_correction_keeps_the_protocol_and_its_rules(tmp_path, protocols_config, protocol_room):
    r = protocol_room
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="esketamine-nasal")
    seq = opened(r).seq
    with pytest.raises(Refused, match="the protocol of a session cannot be corrected"):
        r.command("correct_event", NURSE, seq=seq, reason="x", changes={"protocol": "ketamine-pain"})
    with pytest.raises(Refused, match="follows from the protocol's devices"):
        r.command("correct_event", NURSE, seq=seq, reason="x", changes={"devices": 4})
    r.command("correct_event", NURSE, seq=seq, reason="prescribed 84 mg", changes={"dose_mg": 84})
    s = r.state.session
    assert (s.protocol, s.plan["dose_mg"], s.plan["devices"], s.plan["planned_infusion_min"]) == \
        ("esketamine-nasal", 84.0, 3, 10.0)

    other = make_room(tmp_path / "b", protocols_config)
    other.command("open_session", NURSE, patient_ref="PT-3", weight_kg=80, protocol="ketamine-pain")
    with pytest.raises(Refused, match=r"planned infusion time 30 min is outside the allowed 60–480 min"):
        other.command("correct_event", NURSE, seq=opened(other).seq, reason="x",
                      changes={"planned_infusion_min": 30})
    other.command("correct_event", NURSE, seq=opened(other).seq, reason="weighed again", changes={"weight_kg": 90})
    assert other.state.session.plan["total_dose_mg"] == 90.0 and other.state.session.protocol == "ketamine-pain"


def test_a_session_under_a_protocol_the_room_no_longer_enables_follows_the_room(tmp_path, protocol_room):
    r = protocol_room
    r.command("open_session", NURSE, patient_ref="PT-2", weight_kg=80, protocol="ketamine-pain")
    r.close()
    config = replace(RoomConfig(), session=replace(RoomConfig().session, protocols=()))
    again = Room(config, tmp_path, r.clock)
    assert again.state.session.protocol == "ketamine-pain"   # logged, kept
    assert rules_for(again.state, config.session).min_recovery_min == 30  # its guards: the room's [session]
    again.close()


def test_a_fixed_dose_session_counts_its_devices_as_given():
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    from roomcontrol.domain.session import Session
    t0 = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
    s = Session("s", t0, "PT-1", 1, {"dose_mg": 84.0, "devices": 3, "device_interval_min": 5.0})
    assert s.given_mg(t0) == 0.0
    s = replace(s, infusion_started_at=t0, running_since=t0)
    assert [s.given_mg(t0 + timedelta(minutes=m)) for m in (0, 4, 5, 12)] == [28.0, 28.0, 56.0, 84.0]
    done = replace(s, running_since=None, infused_s=60.0, infusion_ended_at=t0, infusion_end_kind="completed")
    assert done.given_mg(t0 + timedelta(minutes=1)) == 84.0
