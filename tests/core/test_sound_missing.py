"""A sound card missing on a demo machine is a technical state said once, not a medium alarm at every session;
`audio = "none"` means no alarm at all; a sound device lost while the room runs stays an alarm."""

from roomcontrol.config.room import parse_config
from roomcontrol.domain.vitals import Health, HealthChange
from tests.core.helpers import NURSE, OPEN_ARGS, ambient_devices, make_room, walk_to


def alarms(room):
    """The sound card's alarms (a loaded machine may also let the simulated monitor's numerics go stale: not ours)."""
    return [(e.kind, e.payload.get("condition")) for e in room.log.events()
            if e.kind.startswith("alarm.") and str(e.payload.get("condition", "")).startswith("audio.")]


def lost(room):
    return [e for e in room.log.events(kinds=["device.lost"]) if e.payload["device"] == "audio"]


def test_a_sound_card_missing_from_the_start_is_logged_once_and_never_alarms(tmp_path):
    room = make_room(tmp_path)
    try:
        room.post_health(HealthChange("audio", Health.LOST, room.clock.now(), "no audio device: ALSA"))
        room.post_health(HealthChange("audio", Health.LOST, room.clock.now(), "still none"))
        for _ in range(2):  # two patients, two sessions: no alarm at either
            walk_to(room, "infusing")
            room.tick()
            assert alarms(room) == []
            room.command("abort_session", NURSE, reason="next patient")
        assert len(lost(room)) == 1
        assert "not found at start-up" in lost(room)[0].payload["detail"]
        assert room.snapshot().devices["audio"] == "lost"  # the top bar and settings show it
    finally:
        room.close()


def test_a_sound_device_lost_during_a_session_is_still_an_alarm(tmp_path):
    room = make_room(tmp_path)
    try:
        room.post_health(HealthChange("audio", Health.OK, room.clock.now(), "default audio"))
        walk_to(room, "infusing")
        room.post_health(HealthChange("audio", Health.LOST, room.clock.now(), "unplugged"))
        assert alarms(room) == [("alarm.raised", "audio.lost")]
        assert lost(room)[0].payload["detail"] == "unplugged"
        raised = next(e for e in room.log.events(kinds=["alarm.raised"]))
        assert raised.payload["priority"] == "medium"
    finally:
        room.close()


def test_a_room_configured_without_sound_has_no_sound_alarm(tmp_path):
    errors: list[str] = []
    config = parse_config({"devices": {"audio": {"driver": "none"}}}, errors)
    assert errors == []
    room = make_room(tmp_path, config)
    devices = ambient_devices(room, audio=True)  # asked for, but the config says none
    try:
        assert devices.audio is None
        room.command("open_session", NURSE, **OPEN_ARGS)
        room.tick()
        assert alarms(room) == [] and lost(room) == []
    finally:
        devices.close()
        room.close()
