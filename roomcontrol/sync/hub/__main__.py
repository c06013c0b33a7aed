"""`python -m roomcontrol.sync.hub serve|add-room|...`: the hub's admin subcommands (sync/hub/admin_commands.py)
without the room's CLI (tests, benchmarks, a hub machine). `serve --hold-s` is for crash tests only."""

from __future__ import annotations

import argparse
import logging
import sys

from roomcontrol.sync.hub import admin_commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roomcontrol.sync.hub")
    admin_commands.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from roomcontrol.sync.cli_support import SyncError
    try:
        return admin_commands.run(args.command, args)
    except SyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
