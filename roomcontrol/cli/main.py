"""The one entry point: `roomcontrol [run]`, the installers' tools, the records and the clinic's admin.

Errors are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import logging
import sys

from roomcontrol.cli import admin, installer, records, run
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
    from roomcontrol.store.errors import StoreError
    return isinstance(exc, (CliError, ConfigError, StoreError, ScenarioError, Refused, OSError, DeviceOpenError,
                            RecordError, SyncError, HubDBError))


def _dispatch(args) -> int:
    if args.command == "log":
        return records.log(args)
    if args.command == "probe":
        return installer.probe(args)
    if args.command == "simulate-device":
        return installer.simulate_device(args)
    if args.command == "ports":
        return installer.ports()
    if args.command == "report":
        return records.report(args)
    if args.command == "hub":
        return admin.hub(args)
    if args.command == "staff":
        return admin.staff(args)
    if args.command == "sync":
        return admin.sync(args)
    if args.command == "export":
        return records.export(args)
    return run.run(args)
