"""The command line (`roomcontrol`): main.py dispatches to one module per family of subcommands."""

from roomcontrol.cli.main import main

__all__ = ["main"]
