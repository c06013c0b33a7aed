"""room.toml: the room's identity, devices, alarm limits, scenes, session rules and sync settings."""

from roomcontrol.config.room import ConfigError, RoomConfig, default_data_dir, load_config

__all__ = ["ConfigError", "RoomConfig", "default_data_dir", "load_config"]
