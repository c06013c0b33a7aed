"""The room's devices, opened from the configuration and tied to the engine.

Readings and health go into the engine's inbox; the engine's events drive the ambience (the scene of each
phase, alarm tones, the end-of-infusion chime, the diffuser off at discharge). No device call blocks the
engine: every driver has its own thread and takes commands without waiting.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from roomcontrol.config import ConfigError, RoomConfig
from roomcontrol.config.room import Scene
from roomcontrol.devices.diffuser import MistProgram
from roomcontrol.devices.registry import open_device
from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.ambient import PATIENT_LIMITS, PatientLimits, check_change, rgb_for, warmth
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.engine.comfort import ComfortLink
from roomcontrol.engine.comfort_scene import comfort_scene
from roomcontrol.engine.room import Room
from roomcontrol.engine.schedule import start_nibp

log = logging.getLogger(__name__)
TEST_S = 5  # a diffuser test mists this long
CALL_CHIME_EVERY_S = 10.0  # the call chime repeats this often while the patient's call waits
# The soft chime (not an alarm tone): the infusion's planned time and end, and the patient's "tap if you're OK" check.
CHIMES = (K.INFUSION_PLANNED_TIME_REACHED, K.INFUSION_COMPLETED, K.RESPONSIVENESS_ASKED)
PHASE_KINDS = {K.SESSION_OPENED, K.INFUSION_STARTED, K.INFUSION_PAUSED, K.INFUSION_RESUMED, K.RECOVERY_STARTED,
               K.SESSION_DISCHARGED, K.SESSION_ABORTED}
DEVICE_KINDS = ("vitals", "lighting", "diffuser", "audio")


class RoomDevices:
    def __init__(self, room: Room, config: RoomConfig, *, audio: bool = True):
        self.room = room
        self.config = config
        self.pleth_listeners: list[Callable] = []
        self._alarm_tone: str | None = None
        self._call_chimed_at: float | None = None  # clock.monotonic() of the last call chime
        kinds = DEVICE_KINDS if audio else DEVICE_KINDS[:-1]
        opened = {kind: self._open(kind) for kind in kinds}
        self.vitals, self.lighting, self.diffuser = opened["vitals"], opened["lighting"], opened["diffuser"]
        self.audio = opened.get("audio")
        self._max_mist_s = self.diffuser.max_run_s
        self.scene: str | None = None
        self._music: tuple[str, str] | None = None  # the (playlist, track) a scene loaded last
        room.subscribe(on_event=self._on_event)
        room.add_tick_hook(self._follow_alarms)
        room.add_tick_hook(self._follow_call)
        room.bind(C.ApplyScene, self._apply_scene_command)
        room.bind(C.SetAmbient, self._set_ambient_command)
        room.bind(C.DeviceTest, self._test_device_command)
        room.bind(C.StartNibp, lambda command, actor, now: start_nibp(room, self.vitals, command, actor))
        room.schedule.start_nibp_note = None if getattr(self.vitals, "can_start_nibp", False) else getattr(
            self.vitals, "cannot_start_nibp", "This monitor can't be started from here")
        ComfortLink(room, self)  # set_comfort_plan, and the scene again with a new plan

    def _open(self, kind: str):
        """One device through the registry; a wrong option in [devices.KIND.options] is a config error naming
        the key, not a crash. Each driver takes the hooks it knows (pleth, infusion time, readings)."""
        device = self.config.devices[kind]
        try:
            return open_device(kind, device.driver, device.url, device.options, clock=self.room.clock,
                               on_health=self.room.post_health, name=kind, on_reading=self.room.post_reading,
                               on_pleth=self._pleth, infusion_minutes=self._infusion_minutes)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigError(f"devices.{kind}.options: {exc}") from None

    def _devices(self) -> list:
        """Diffuser first: a running diffuser is the one thing that must never be left on."""
        return [d for d in (self.diffuser, self.vitals, self.lighting, self.audio) if d is not None]

    def start(self) -> "RoomDevices":
        for device in self._devices():
            device.start()
        self.room.call(lambda: self.enter_phase(self.room.state.phase, "start-up"))
        return self

    def close(self) -> None:
        for device in self._devices():
            try:
                device.close()
            except Exception:
                log.exception("closing %s failed", device.name)

    # -- what the engine's events do to the room ---------------------------------------------------------
    def _on_event(self, event) -> None:
        if event.kind in PHASE_KINDS:
            phase = self.room.state.phase
            self.room.defer(lambda: self.enter_phase(phase, event.kind))
        if event.kind in CHIMES and self.audio:
            self.audio.play_chime()
        if event.kind in (K.SESSION_DISCHARGED, K.SESSION_ABORTED):
            self.diffuser.off(event.kind)
        if event.kind.startswith("alarm."):
            self._follow_alarms()
        if event.kind in (K.NURSE_CALLED, K.NURSE_CALL_ANSWERED):
            self._follow_call()

    def enter_phase(self, phase: str, why: str, *, again: bool = False) -> None:
        """The phase's scene, with the session's comfort plan in the open phases; `again`: even if it is on."""
        name = self.config.phase_scenes.get(phase)
        if name and (again or name != self.scene):
            session = self.room.state.open_session
            scene, track, comfort = comfort_scene(self.config.scenes[name], session.comfort if session else None,
                                                  phase)
            pairs = self._apply_scene(scene, why, track, comfort)
            self.room.record(NewEvent(*pairs[0], "system", session.session_id if session else None))

    def _apply_scene(self, scene: Scene, why: str, track: str = "",
                     comfort: bool = False) -> list[tuple[str, dict[str, Any]]]:
        level = scene.light_percent / 100.0
        targets = {}
        for zone in self.lighting.config.zones:
            colour: tuple[float, ...] | None = None
            if zone.kind == "tunable_white":
                colour = (warmth(scene.colour_temp_k),)
            elif zone.kind == "rgb":
                colour = rgb_for(scene.colour_temp_k)
            targets[zone.name] = (level, colour) if colour else level
        self.lighting.apply(targets, seconds=scene.fade_s)
        if scene.diffuser_on_s > 0:
            self.diffuser.mist(MistProgram(scene.diffuser_on_s, scene.diffuser_off_s, self._max_mist_s))
        else:
            self.diffuser.off(f"scene {scene.name}")
        if self.audio:
            from roomcontrol.devices.audio.player import DEFAULT_ASSETS, list_tracks  # the player (numpy): with sound
            if scene.playlist and (DEFAULT_ASSETS / scene.playlist).is_dir():
                self.audio.set_volume(scene.volume_percent / 100.0, fade_s=scene.fade_s)
                if track and self._music != (scene.playlist, track):  # the plan's track first, then the rest
                    tracks = list_tracks(DEFAULT_ASSETS / scene.playlist)
                    first = next((i for i, p in enumerate(tracks) if p.name == track), 0)
                    self.audio.load_playlist(tracks[first:] + tracks[:first], play=True)
                elif track:
                    self.audio.play()
                elif self.audio.status().playlist != scene.playlist:
                    self.audio.load_playlist(DEFAULT_ASSETS / scene.playlist, play=True)
                else:  # the same playlist a scene without music stopped (the day's next patient): play it again
                    self.audio.play()
            else:
                self.audio.stop(fade_s=min(scene.fade_s, 10))
            self._music = (scene.playlist, track) if scene.playlist else None
        self.scene = scene.name
        payload = {"scene": scene.name, "reason": why, "light_percent": scene.light_percent,
                   "volume_percent": scene.volume_percent, "fade_s": scene.fade_s}
        if comfort:  # the patient's plan: the log says what the room was given instead of the scene's defaults
            payload.update(comfort=True, colour_temp_k=scene.colour_temp_k, playlist=scene.playlist, track=track,
                           diffuser=scene.diffuser_on_s > 0)
        return [(K.AMBIENT_SCENE_APPLIED, payload)]

    def _follow_alarms(self) -> None:
        """The tone of the loudest unacknowledged, un-paused alarm, or high while the log cannot be written;
        music ducks in the player while it sounds."""
        if not self.audio:
            return
        alarm = self.room.monitoring.board.audible(self.room.clock.now())
        tone = alarm.priority if alarm else None
        if self.room.storage_error:  # the log cannot be written (a full disk): it cannot be an alarm event either
            tone = "high"
        if tone != self._alarm_tone:
            self.audio.play_alarm(tone) if tone else self.audio.stop_alarm()
            self._alarm_tone = tone

    def _follow_call(self) -> None:
        """The call chime (not an alarm tone) at once and every CALL_CHIME_EVERY_S while the patient's call waits;
        an alarm tone sounding takes precedence."""
        if not self.audio:
            return
        if self.room.state.call is None:
            self._call_chimed_at = None
            return
        now = self.room.clock.monotonic()
        due = self._call_chimed_at is None or now - self._call_chimed_at >= CALL_CHIME_EVERY_S
        if due and self._alarm_tone is None:
            self.audio.play_call_chime()
            self._call_chimed_at = now

    # -- commands from the screen ------------------------------------------------------------------------
    def _apply_scene_command(self, command: C.ApplyScene, actor: str, now) -> list:
        if command.scene not in self.config.scenes:
            raise Refused(f"unknown scene {command.scene!r}; known: {', '.join(self.config.scenes)}")
        return self._apply_scene(self.config.scenes[command.scene], f"chosen by {actor}")

    def _set_ambient_command(self, command: C.SetAmbient, actor: str, now) -> list:
        """A change by hand. While a slider moves (final=false) it is applied but not logged; its final value is
        one event, so a drag is one line in the log, not a hundred."""
        change = check_change(command.target, command.value, actor, self.patient_limits())
        if change.target == "light":
            assert isinstance(change.value, float)  # check_change: a percentage
            level = change.value / 100.0
            self.lighting.apply({z.name: level for z in self.lighting.config.zones}, seconds=0.5)
        elif change.target == "volume" and self.audio:
            assert isinstance(change.value, float)
            self.audio.set_volume(change.value / 100.0)
        elif change.target == "diffuser":
            scene = self.config.scenes.get(self.scene or "", None)
            on_s, off_s = (scene.diffuser_on_s, scene.diffuser_off_s) if scene and scene.diffuser_on_s else (30, 90)
            self.diffuser.mist(MistProgram(on_s, off_s, self._max_mist_s)) if change.value else \
                self.diffuser.off(f"by {actor}")
        elif change.target == "track" and self.audio:
            assert isinstance(change.value, str)  # one of TRACK_MOVES
            getattr(self.audio, change.value)()
        if not command.final:
            return []
        return [(K.AMBIENT_CHANGED, {"target": change.target, "value": change.value})]

    def _test_device_command(self, command: C.DeviceTest, actor: str, now) -> list:
        """A test from the settings screen, logged with who ran it. The drivers take the command without waiting,
        so the outcome is what was asked of the device; its health shows whether it is there."""
        if command.device == "lighting":
            self.lighting.apply({z.name: 1.0 for z in self.lighting.config.zones}, seconds=0.5)
            outcome = "light at full; the scene comes back with the next change"
        elif command.device == "audio":
            if self.audio is None:
                raise Refused("no sound device on this PC")
            self.audio.play_chime()
            outcome = "chime played"
        elif command.device == "diffuser":
            self.diffuser.mist(MistProgram(TEST_S, 0, TEST_S))
            outcome = f"diffuser on for {TEST_S} s"
        else:
            raise Refused(f"no test for {command.device!r}; testable: lighting, audio, diffuser")
        return [(K.DEVICE_TESTED, {"device": command.device, "outcome": outcome})]

    # -- pleth and the simulator -------------------------------------------------------------------------
    def _pleth(self, samples, ts) -> None:
        for listener in self.pleth_listeners:
            try:
                listener(samples, ts)
            except Exception:
                log.exception("pleth listener failed")

    def _infusion_minutes(self) -> float | None:
        s = self.room.state.open_session
        if s is None or s.infusion_started_at is None:
            return None
        return s.infusion_elapsed_s(self.room.clock.now()) / 60.0

    def patient_limits(self) -> PatientLimits:
        """What the patient may set from the chair now: the current scene's limits (the room's without one)."""
        scene = self.config.scenes.get(self.scene or "")
        return scene.patient_limits if scene else dict(PATIENT_LIMITS)

    def status(self) -> dict:
        """Ambient state for the screen (read from the drivers' thread-safe status calls)."""
        audio = self.audio.status() if self.audio else None
        lights = self.lighting.status()
        level = max((z.level for z in lights.values()), default=0.0)
        return {"scene": self.scene, "light_percent": round(level * 100), "diffuser": self.diffuser.status(),
                "audio": audio, "patient_limits": self.patient_limits()}
