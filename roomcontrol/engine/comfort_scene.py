"""What the comfort plan does to a scene: the phase scenes of an open session (welcome, infusion, recovery) take the
plan's levels (`comfort_scene`, used by RoomDevices), and the room's playlists it may name."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from roomcontrol.config.room import Scene
from roomcontrol.domain.comfort import Levels, overlay, read_plan
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.session import OPEN_PHASES

NOT_MUSIC = ("chimes",)  # asset folders that are not playlists


@lru_cache(maxsize=1)
def room_playlists() -> dict[str, tuple[str, ...]]:
    """The room's playlists: the music folders shipped in assets/audio, each with its tracks' file names."""
    from roomcontrol.devices.audio.player import DEFAULT_ASSETS  # the player (numpy) only when asked
    from roomcontrol.devices.audio.voices import list_tracks
    if not DEFAULT_ASSETS.is_dir():
        return {}
    folders = sorted(p for p in DEFAULT_ASSETS.iterdir() if p.is_dir() and p.name not in NOT_MUSIC)
    return {p.name: tuple(t.name for t in list_tracks(p)) for p in folders if list_tracks(p)}


def comfort_scene(scene: Scene, plan: dict[str, Any] | None, phase: str) -> tuple[Scene, str, bool]:
    """The scene for `phase` with the session's plan laid over it (the open phases only: discharge, cleaning and
    off stay the room's), the track to start with, and whether the plan applied."""
    if plan is None or phase not in OPEN_PHASES:
        return scene, "", False
    try:
        wanted = read_plan(plan)
    except Refused:  # a plan the fold kept is always a checked one; an odd one must not stop the scene
        return scene, "", False
    base = Levels(scene.light_percent, scene.colour_temp_k, scene.playlist, scene.volume_percent,
                  scene.diffuser_on_s, scene.diffuser_off_s)
    levels = overlay(wanted, base, scene.patient_limits)
    return (replace(scene, light_percent=levels.light_percent, colour_temp_k=levels.colour_temp_k,
                    playlist=levels.playlist, volume_percent=levels.volume_percent,
                    diffuser_on_s=levels.diffuser_on_s, diffuser_off_s=levels.diffuser_off_s), levels.track, True)
