"""Loading and checking room.toml. No file means a fully simulated room with the defaults below.

Every wrong value is refused at start, all of them at once, each naming its key, its value and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs
from platformdirs.api import PlatformDirsABC

from roomcontrol.config.fields import Bool, Choice, ChoiceList, Float, Int, Span, Text, read_table
from roomcontrol.config.protocols import DEFAULT_PROTOCOLS, SHIPPED_DIR, load_protocols
from roomcontrol.devices.ports import port_problem
from roomcontrol.devices.registry import DRIVERS, default_driver, driver_names, unknown_options
from roomcontrol.domain.alarms import AlarmRules, Limit
from roomcontrol.domain.ambient import PATIENT_LIMITS, PatientLimits, patient_limits
from roomcontrol.domain.policy import KNOWN_CHECKLIST_ITEMS, DoseBounds, Range, SessionPolicy


class ConfigError(Exception):
    """room.toml cannot be used; the message lists every problem, one per line."""


PRIORITIES = ("high", "medium", "low")
# Per vitals kind: the absolute range any configured limit must stay in, and the safe defaults.
ALARM_BOUNDS = {
    "heart_rate": (20, 250), "pulse_rate": (20, 250), "spo2": (50, 100),
    "nibp_systolic": (50, 260), "nibp_diastolic": (20, 180), "nibp_mean": (30, 200),
    "respiratory_rate": (4, 60), "etco2": (5, 100),
}
DEFAULT_ALARMS: dict[str, dict[str, Any]] = {
    "heart_rate": {"low": 45, "high": 120, "priority": "high", "delay_s": 10, "latching": False},
    "spo2": {"low": 90, "high": None, "priority": "high", "delay_s": 15, "latching": False},
    "nibp_systolic": {"low": 90, "high": 180, "priority": "medium", "delay_s": 0, "latching": True},
    "nibp_diastolic": {"low": 45, "high": 110, "priority": "medium", "delay_s": 0, "latching": True},
    # Respiratory depression is the danger of sedation (ASA Practice Guidelines for Moderate Procedural Sedation
    # and Analgesia, 2018; ASA Standards for Basic Anesthetic Monitoring, 2020: ventilation monitored by
    # capnography during sedation). Bradypnoea below 8 /min is the classic sign: high priority. EtCO2 above
    # 50 mmHg is the usual capnographic definition of hypoventilation in sedation studies (Burton et al., Acad
    # Emerg Med 2006), below 25 mmHg on a nasal sampling line suggests obstruction, apnoea or a displaced line:
    # medium, with delays that ride out a sigh or a swallow.
    "respiratory_rate": {"low": 8, "high": 30, "priority": "high", "delay_s": 20, "latching": False},
    "etco2": {"low": 25, "high": 50, "priority": "medium", "delay_s": 15, "latching": False},
}


@dataclass(frozen=True)
class DeviceConfig:
    driver: str
    url: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    name: str
    light_percent: float
    colour_temp_k: int
    playlist: str
    volume_percent: float
    diffuser_on_s: int
    diffuser_off_s: int
    fade_s: float
    # How far the patient may raise light and volume from the chair in this scene (None: the room's limits).
    patient_light_max: float | None = None
    patient_volume_max: float | None = None

    @property
    def patient_limits(self) -> PatientLimits:
        return patient_limits(self.patient_light_max, self.patient_volume_max)


@dataclass(frozen=True)
class SyncConfig:
    enabled: bool = False
    hub_url: str = ""
    token: str = ""
    interval_s: int = 10
    batch_size: int = 500


@dataclass(frozen=True)
class BackupConfig:
    """The nightly backup of the room database (off while `dir` is empty)."""
    dir: str = ""        # a second disk or a mounted share
    at: str = "02:30"    # local time, HH:MM
    keep: int = 14       # the newest N backups are kept

    @property
    def enabled(self) -> bool:
        return bool(self.dir)

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.at.split(":")
        return int(hour), int(minute)
SHOW_PATIENT = ("initials", "reference", "none")


@dataclass(frozen=True)
class StationConfig:
    """The live channel to the clinic station (docs/STATION.md): it uses [sync]'s hub_url and token."""
    enabled: bool = False         # not given in room.toml: follows [sync] enabled
    show_patient: str = "initials"  # what the station shows of the patient reference: initials, reference, none


KEYBOARD_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class ScreenConfig:
    on_screen_keyboard: str = "auto"  # auto: shown in --kiosk (a touchscreen); always; never

    def keyboard(self, kiosk: bool) -> bool:
        """Whether the room's windows dock the on-screen keyboard."""
        return self.on_screen_keyboard == "always" or (self.on_screen_keyboard == "auto" and kiosk)


@dataclass(frozen=True)
class RoomConfig:
    room_id: str = "room-1"
    room_name: str = "Room 1"
    clinic_name: str = "RoomControl Clinic"
    session: SessionPolicy = field(default_factory=SessionPolicy)
    devices: dict[str, DeviceConfig] = field(default_factory=lambda: _default_devices())
    alarms: AlarmRules = field(default_factory=lambda: AlarmRules(_default_limits()))
    scenes: dict[str, Scene] = field(default_factory=lambda: dict(DEFAULT_SCENES))
    phase_scenes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PHASE_SCENES))
    sync: SyncConfig = field(default_factory=SyncConfig)
    screen: ScreenConfig = field(default_factory=ScreenConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    station: StationConfig = field(default_factory=StationConfig)
    source: str = "(built-in defaults: a fully simulated room)"

    def simulated(self) -> "RoomConfig":
        """The same room with every device simulated (--simulate, demo and training)."""
        return replace(self, devices=_default_devices())


def _default_devices() -> dict[str, DeviceConfig]:
    return {kind: DeviceConfig(default_driver(kind)) for kind in DRIVERS}


def _default_limits() -> dict[str, Limit]:
    return {kind: Limit(kind, **v) for kind, v in DEFAULT_ALARMS.items()}


def _scene(name, light, temp, playlist, volume, on_s, off_s, fade_s, light_max=None, volume_max=None) -> Scene:
    return Scene(name, light, temp, playlist, volume, on_s, off_s, fade_s, light_max, volume_max)


DEFAULT_SCENES: dict[str, Scene] = {
    "welcome": _scene("welcome", 60, 3000, "calm", 30, 0, 0, 5),
    "infusion": _scene("infusion", 12, 2400, "calm", 35, 30, 90, 120, light_max=30, volume_max=45),
    "recovery": _scene("recovery", 45, 3000, "calm", 25, 0, 0, 60),
    "discharge": _scene("discharge", 80, 4000, "", 0, 0, 0, 10),
    "cleaning": _scene("cleaning", 100, 5000, "", 0, 0, 0, 2),
    "off": _scene("off", 0, 3000, "", 0, 0, 0, 2),
}
DEFAULT_PHASE_SCENES: dict[str, str] = {
    "idle": "off", "pre_infusion": "welcome", "infusing": "infusion", "paused": "infusion",
    "recovery": "recovery", "discharged": "discharge", "aborted": "recovery"}

_ID = Text(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", "1–32 letters, digits, '.', '_' or '-'", 32)
_NAME = Text(r"\S.*", "a non-empty name of at most 80 characters", 80)
ROOM_SPEC = {"id": _ID, "name": _NAME, "clinic": _NAME}
SESSION_SPEC = {
    # The absolute range; the configured [session.bounds] are checked below (so bounds [5, 240] allow 5).
    "planned_infusion_min": Int(5, 480),
    "min_recovery_min": Int(0, 240),
    "required_checklist": ChoiceList(KNOWN_CHECKLIST_ITEMS),
    "require_baseline_vitals": Bool(),
    "npo_solids_hours": Float(0, 12),
    "npo_clear_fluids_hours": Float(0, 12),
    "min_padss_for_discharge": Int(0, 10),
    "require_escort": Bool(),
    "default_dose_mg_per_kg": Float(0.05, 5.0),  # checked against [session.bounds] below
    "soft_max_dose_mg_per_kg": Float(0.05, 5.0),
    "bag_concentration_mg_per_ml": Float(0, 10),
}
PROTOCOL_ID = r"[a-z0-9][a-z0-9-]{0,47}"
# The [session] keys a protocol gives its own value for (roomcontrol.domain.protocol.session_policy).
PROTOCOL_GIVES = ("planned_infusion_min", "min_recovery_min", "required_checklist", "require_escort",
                  "min_padss_for_discharge", "default_dose_mg_per_kg", "soft_max_dose_mg_per_kg", "bounds")
BOUNDS_SPEC = {"weight_kg": Span(10, 400), "dose_mg_per_kg": Span(0.05, 5.0),
               "planned_infusion_min": Span(5, 480)}
DEVICE_URL = Text(r".*", "a port or URL such as /dev/ttyUSB0, COM3 or socket://host:port", 300)
TECHNICAL_SPEC = {"stale_after_s": Int(3, 120), "audio_pause_s": Int(30, 300), "escalate_after_s": Int(10, 600)}
SCENE_SPEC = {"light_percent": Float(0, 100), "colour_temp_k": Int(1800, 6500),
              "playlist": Text(r"[A-Za-z0-9_ -]*", "a playlist folder name (letters, digits, space, '_', '-')", 64),
              "volume_percent": Float(0, 100), "diffuser_on_s": Int(0, 3600), "diffuser_off_s": Int(0, 3600),
              "fade_s": Float(0, 600),
              "patient_light_max": Float(*PATIENT_LIMITS["light"]),
              "patient_volume_max": Float(*PATIENT_LIMITS["volume"])}
SYNC_SPEC = {"enabled": Bool(), "hub_url": Text(r"(https?://\S+)?", "an http:// or https:// URL", 300),
             "token": Text(r"\S*", "a token without spaces", 200), "interval_s": Int(1, 3600),
             "batch_size": Int(1, 5000)}
SCREEN_SPEC = {"on_screen_keyboard": Choice(KEYBOARD_MODES)}
BACKUP_SPEC = {"dir": Text(r"(\S.*)?", "a folder path (a second disk or a mounted share), or \"\" for none", 400),
               "at": Text(r"([01]\d|2[0-3]):[0-5]\d", "a local time HH:MM from 00:00 to 23:59", 5),
               "keep": Int(1, 365)}
STATION_SPEC = {"enabled": Bool(), "show_patient": Choice(SHOW_PATIENT)}
TOP_KEYS = ("room", "session", "devices", "alarms", "scenes", "phase_scenes", "sync", "screen", "backup", "station")


def default_data_dir(dirs: type[PlatformDirsABC] = platformdirs.PlatformDirs) -> Path:
    """The OS's per-user data folder (`dirs`: the running OS's class; tests pass platformdirs' others): Linux
    ~/.local/share/roomcontrol, Windows %LOCALAPPDATA%\\roomcontrol (local, never roaming: a room's database
    must not follow a user between PCs), macOS ~/Library/Application Support/roomcontrol."""
    return Path(dirs("roomcontrol", appauthor=False, roaming=False).user_data_dir)


def load_config(path: Path | str | None) -> RoomConfig:
    if path is None:  # the built-in room runs the shipped default protocol
        errors: list[str] = []
        base = RoomConfig()
        protocols = load_protocols(DEFAULT_PROTOCOLS, SHIPPED_DIR, errors)
        if errors:
            raise ConfigError("the shipped protocols cannot be used:\n  " + "\n  ".join(errors))
        return replace(base, session=replace(base.session, protocols=protocols))
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    errors = []
    config = parse_config(raw, errors, str(path))
    if errors:
        raise ConfigError(f"{path} has {len(errors)} problem{'s' if len(errors) > 1 else ''}:\n  "
                          + "\n  ".join(errors))
    return config


def parse_config(raw: dict, errors: list[str], source: str = "room.toml") -> RoomConfig:
    base = RoomConfig()
    for key in raw:
        if key not in TOP_KEYS:
            errors.append(f"[{key}]: unknown section; known: {', '.join(TOP_KEYS)}")
    room = read_table(raw.get("room", {}), ROOM_SPEC,
                      {"id": base.room_id, "name": base.room_name, "clinic": base.clinic_name}, "room", errors)
    return RoomConfig(
        room_id=room["id"], room_name=room["name"], clinic_name=room["clinic"],
        session=_session(raw.get("session", {}), errors, Path(source).parent),
        devices=_devices(raw.get("devices", {}), base.devices, errors),
        alarms=_alarms(raw.get("alarms", {}), errors),
        scenes=(scenes := _scenes(raw.get("scenes", {}), errors)),
        phase_scenes=_phase_scenes(raw.get("phase_scenes", {}), scenes, errors),
        sync=(sync := _sync(raw.get("sync", {}), errors)),
        station=_station(raw.get("station", {}), sync, errors),
        screen=ScreenConfig(**read_table(raw.get("screen", {}), SCREEN_SPEC,
                                         {"on_screen_keyboard": ScreenConfig.on_screen_keyboard}, "screen", errors)),
        backup=BackupConfig(**read_table(raw.get("backup", {}), BACKUP_SPEC,
                                         {k: getattr(BackupConfig(), k) for k in BACKUP_SPEC}, "backup", errors)),
        source=source,
    )


def _session(table: dict, errors: list[str], folder: Path = Path(".")) -> SessionPolicy:
    d = SessionPolicy()
    table = dict(table) if isinstance(table, dict) else {}
    bounds_raw = table.pop("bounds", {})
    # The protocols this room offers at check-in (protocols/<id>.toml), the first the default; protocols_dir: where
    # they are (relative to room.toml's folder; default the shipped protocols/).
    # A room.toml from before protocols that sets its own dose, times or discharge rules and names no protocol
    # keeps running on exactly those (no protocol is logged): a default protocol must never change its numbers.
    legacy = "protocols" not in table and any(key in table or key == "bounds" and bounds_raw
                                              for key in PROTOCOL_GIVES)
    ids = _protocol_ids(table.pop("protocols", [] if legacy else list(DEFAULT_PROTOCOLS)), errors, legacy)
    where = table.pop("protocols_dir", None)
    directory = SHIPPED_DIR
    if where is not None:
        if not isinstance(where, str) or not where.strip():
            errors.append(f"session.protocols_dir = {where!r}: must be a folder path (relative to room.toml's "
                          "folder), or leave it out for the shipped protocols")
        else:
            directory = folder / Path(where).expanduser()
            if not directory.is_dir():
                errors.append(f"session.protocols_dir = \"{where}\": no such folder ({directory})")
    protocols = load_protocols(ids, directory, errors) if directory.is_dir() else ()
    defaults = {"planned_infusion_min": d.planned_infusion_min, "min_recovery_min": d.min_recovery_min,
                "required_checklist": d.required_checklist, "require_baseline_vitals": d.require_baseline_vitals,
                "npo_solids_hours": d.npo_solids_hours, "npo_clear_fluids_hours": d.npo_clear_fluids_hours,
                "min_padss_for_discharge": d.min_padss_for_discharge, "require_escort": d.require_escort,
                "default_dose_mg_per_kg": d.default_dose_mg_per_kg,
                "soft_max_dose_mg_per_kg": d.soft_max_dose_mg_per_kg, "bag_concentration_mg_per_ml": 0.0}
    v = read_table(table, {**SESSION_SPEC, "bounds": None, "protocols": None, "protocols_dir": None}, defaults,
                   "session", errors)
    b = d.bounds
    bdef = {"weight_kg": (b.weight_kg.low, b.weight_kg.high),
            "dose_mg_per_kg": (b.dose_mg_per_kg.low, b.dose_mg_per_kg.high),
            "planned_infusion_min": (b.planned_infusion_min.low, b.planned_infusion_min.high)}
    bv = read_table(bounds_raw, BOUNDS_SPEC, bdef, "session.bounds", errors)
    bounds = DoseBounds(Range(*bv["weight_kg"]), Range(*bv["dose_mg_per_kg"]), Range(*bv["planned_infusion_min"]))
    # Defaults must sit inside the bounds they are checked against, or every session would be refused.
    if v["planned_infusion_min"] not in bounds.planned_infusion_min:
        errors.append(f"session.planned_infusion_min = {v['planned_infusion_min']}: must lie inside "
                      f"session.bounds.planned_infusion_min {_span(bv['planned_infusion_min'])}")
    if v["default_dose_mg_per_kg"] not in bounds.dose_mg_per_kg:
        errors.append(f"session.default_dose_mg_per_kg = {v['default_dose_mg_per_kg']:g}: must lie inside "
                      f"session.bounds.dose_mg_per_kg {_span(bv['dose_mg_per_kg'])}")
    # Not configured, the usual maximum is never below the clinic's own default dose (a default of 2.5 mg/kg
    # would otherwise ask for a high-dose confirmation at every check-in).
    soft = v["soft_max_dose_mg_per_kg"] if "soft_max_dose_mg_per_kg" in table else \
        max(v["soft_max_dose_mg_per_kg"], v["default_dose_mg_per_kg"])
    if soft not in bounds.dose_mg_per_kg or soft < v["default_dose_mg_per_kg"]:
        errors.append(f"session.soft_max_dose_mg_per_kg = {soft:g}: must lie inside session.bounds.dose_mg_per_kg "
                      f"{_span(bv['dose_mg_per_kg'])} and be at least session.default_dose_mg_per_kg "
                      f"({v['default_dose_mg_per_kg']:g})")
    conc = v["bag_concentration_mg_per_ml"]
    return SessionPolicy(
        planned_infusion_min=v["planned_infusion_min"], min_recovery_min=v["min_recovery_min"],
        required_checklist=tuple(v["required_checklist"]), require_baseline_vitals=v["require_baseline_vitals"],
        npo_solids_hours=v["npo_solids_hours"], npo_clear_fluids_hours=v["npo_clear_fluids_hours"],
        min_padss_for_discharge=v["min_padss_for_discharge"], require_escort=v["require_escort"],
        default_dose_mg_per_kg=v["default_dose_mg_per_kg"], soft_max_dose_mg_per_kg=soft,
        default_concentration_mg_per_ml=conc if conc > 0 else None, bounds=bounds, protocols=protocols,
    )


def _protocol_ids(value, errors: list[str], legacy: bool = False) -> tuple[str, ...]:
    if legacy:
        return ()
    ok = (isinstance(value, list) and 1 <= len(value) <= 20 and len(set(map(str, value))) == len(value)
          and all(isinstance(v, str) and re.fullmatch(PROTOCOL_ID, v) for v in value))
    if not ok:
        errors.append(f"session.protocols = {value!r}: must be a list of 1 to 20 different protocol ids (the file "
                      "names in protocols/ without .toml, such as \"ketamine-depression\"); the first is the default")
        return ()
    return tuple(value)


def _span(pair) -> str:
    return f"[{pair[0]:g}, {pair[1]:g}]"


def _devices(table: dict, defaults: dict[str, DeviceConfig], errors: list[str]) -> dict[str, DeviceConfig]:
    out = dict(defaults)
    if not isinstance(table, dict):
        errors.append("[devices] must be a table")
        return out
    for kind, entry in table.items():
        if kind not in DRIVERS:
            errors.append(f"devices.{kind}: unknown device; known: {', '.join(DRIVERS)}")
            continue
        spec = {"driver": Choice(driver_names(kind)), "url": DEVICE_URL, "options": None}
        entry = dict(entry) if isinstance(entry, dict) else entry
        options = entry.pop("options", {}) if isinstance(entry, dict) else {}
        v = read_table(entry, spec, {"driver": defaults[kind].driver, "url": ""}, f"devices.{kind}", errors)
        driver = DRIVERS[kind][v["driver"]]
        if driver.needs_url and not v["url"]:
            errors.append(f"devices.{kind}.url: required for driver \"{v['driver']}\" "
                          "(a serial port such as /dev/ttyUSB0 or COM3, or a URL)")
        elif problem := port_problem(v["url"]):
            errors.append(f"devices.{kind}.url = {v['url']!r}: {problem}")
        if not isinstance(options, dict):
            errors.append(f"devices.{kind}.options must be a table")
            options = {}
        for key in unknown_options(kind, v["driver"], options):
            errors.append(f"devices.{kind}.options.{key}: unknown option for driver \"{v['driver']}\"; "
                          f"known: {', '.join(driver.options) or 'none'}")
        out[kind] = DeviceConfig(v["driver"], v["url"], options)
    return out


def _alarms(table: dict, errors: list[str]) -> AlarmRules:
    limits = _default_limits()
    table = dict(table) if isinstance(table, dict) else {}
    technical = read_table(table.pop("technical", {}), TECHNICAL_SPEC,
                           {"stale_after_s": 15, "audio_pause_s": 120, "escalate_after_s": 60},
                           "alarms.technical", errors)
    for kind, entry in table.items():
        if kind not in ALARM_BOUNDS:
            errors.append(f"alarms.{kind}: unknown vitals kind; known: technical, {', '.join(ALARM_BOUNDS)}")
            continue
        low, high = ALARM_BOUNDS[kind]
        base = DEFAULT_ALARMS.get(kind, {"low": None, "high": None, "priority": "medium", "delay_s": 10,
                                         "latching": False})
        spec = {"low": Float(low, high), "high": Float(low, high), "priority": Choice(PRIORITIES),
                "delay_s": Int(0, 120), "latching": Bool(), "enabled": Bool()}
        v = read_table(entry, spec, {**base, "enabled": True}, f"alarms.{kind}", errors)
        if v["low"] is not None and v["high"] is not None and v["low"] >= v["high"]:
            errors.append(f"alarms.{kind}: low ({v['low']:g}) must be below high ({v['high']:g})")
        if v.pop("enabled"):
            limits[kind] = Limit(kind, **v)
        else:
            limits.pop(kind, None)
    return AlarmRules(limits, **technical)


def _scenes(table: dict, errors: list[str]) -> dict[str, Scene]:
    scenes = dict(DEFAULT_SCENES)
    if not isinstance(table, dict):
        errors.append("[scenes] must be a table")
        return scenes
    for name, entry in table.items():
        try:
            _ID.check(name)
        except ValueError as exc:
            errors.append(f"scenes.{name}: a scene name {exc}")
            continue
        base = scenes.get(name, DEFAULT_SCENES["welcome"])
        defaults = {k: getattr(base, k) for k in SCENE_SPEC}
        v = read_table(entry, SCENE_SPEC, defaults, f"scenes.{name}", errors)
        scenes[name] = Scene(name=name, **v)
    return scenes


def _phase_scenes(table: dict, scenes: dict[str, Scene], errors: list[str]) -> dict[str, str]:
    spec = {phase: Choice(tuple(scenes)) for phase in DEFAULT_PHASE_SCENES}
    return read_table(table, spec, DEFAULT_PHASE_SCENES, "phase_scenes", errors)


def _sync(table: dict, errors: list[str]) -> SyncConfig:
    d = SyncConfig()
    v = read_table(table, SYNC_SPEC, {k: getattr(d, k) for k in SYNC_SPEC}, "sync", errors)
    if v["enabled"] and not v["hub_url"]:
        errors.append("sync.hub_url: required when sync.enabled = true")
    return SyncConfig(**v)


def _station(table: dict, sync: SyncConfig, errors: list[str]) -> StationConfig:
    v = read_table(table, STATION_SPEC, {"enabled": sync.enabled, "show_patient": StationConfig.show_patient},
                   "station", errors)
    if v["enabled"] and not sync.hub_url:
        errors.append("station.enabled = true: needs sync.hub_url and sync.token (the live channel goes to the hub)")
    return StationConfig(**v)
