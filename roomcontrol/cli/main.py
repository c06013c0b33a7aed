"""The one entry point: `roomcontrol [run]`, the installers' tools, the records and the clinic's admin.

Errors are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import logging
import sys

from roomcontrol.cli import admin, backup, doctor, installer, records, run
from roomcontrol.cli.common import EXIT_ERROR, CliError
from roomcontrol.cli.parser import build_parser
from roomcontrol.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # every expected failure has a message written for a person
        if not _is_expected(exc):
            raise
        print(f"roomcontrol: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _is_expected(exc: Exception) -> bool:
    from roomcontrol.devices.errors import DeviceOpenError
    from roomcontrol.domain.errors import Refused
    from roomcontrol.records.errors import RecordError
    from roomcontrol.sync.cli_support import SyncError
    from roomcontrol.sync.hub.db import HubDBError
    from roomcontrol.engine.scenario import ScenarioError
    from roomcontrol.host.install import SetupError
    from roomcontrol.store.errors import StoreError
    return isinstance(exc, (CliError, ConfigError, StoreError, ScenarioError, Refused, OSError, DeviceOpenError,
                            RecordError, SyncError, HubDBError, SetupError))


# Subcommand → its handler; anything else (or nothing) is `run`.
COMMANDS = {
    "log": records.log, "report": records.report, "export": records.export, "course": records.course,
    "probe": installer.probe, "simulate-device": installer.simulate_device, "ports": lambda _args: installer.ports(),
    "hub": admin.hub, "staff": admin.staff, "sync": admin.sync,
    "install": doctor.install, "uninstall": doctor.uninstall, "doctor": doctor.doctor,
    "backup": backup.backup, "restore": backup.restore,
}


def _demo(args) -> int:
    from roomcontrol.cli import demo  # the hub and rooms' modules load only for the demo
    return demo.run(args)


COMMANDS["demo"] = _demo


def _dispatch(args) -> int:
    return COMMANDS.get(args.command, run.run)(args)
