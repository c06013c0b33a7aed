"""What every subcommand shares: exit codes, the one error type, the room options and where they lead."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from roomcontrol.config import RoomConfig, default_data_dir, load_config

EXIT_FAILED = 1   # the check ran and found a problem (log verify, hub verify, sync now)
EXIT_ERROR = 2    # bad arguments, bad config, a database or port that cannot be opened


class CliError(Exception):
    """A wrong use of the command line; printed as one line."""


def room_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="room.toml (default: none, a fully simulated room)")
    p.add_argument("--data-dir", type=Path, help=f"where the room database lives (default: {default_data_dir()})")


def config_for(args) -> RoomConfig:
    config = load_config(args.config)
    if getattr(args, "simulate", False):
        config = config.simulated()
    return config


def data_dir_of(args) -> Path:
    return args.data_dir or default_data_dir()


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
