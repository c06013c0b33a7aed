"""`roomcontrol hub staff add|list|disable|reset-pin`: the clinic's staff directory, kept in the hub database.

Rooms fetch it (`GET /api/v1/staff`) and keep the last copy, so their sign-in works offline; the station signs in
with it too. A PIN is read twice from the terminal (or once from standard input with --pin-stdin) and stored only
as the room's salted scrypt hash.
"""

from __future__ import annotations

import json

from roomcontrol.cli.common import CliError


def run(args) -> int:
    from roomcontrol.cli.staff import read_pin
    from roomcontrol.sync import cli_support as hub_cli
    command = args.hub_staff_command
    if command == "add":
        pin = read_pin(args.pin_stdin)
        print(json.dumps(hub_cli.hub_staff_add(args.db, args.staff_id, args.name, args.role, pin)))
    elif command == "list":
        for s in hub_cli.hub_staff_list(args.db):
            print(f"{s['staff_id']}\t{s['name']}\t{s['role']}\t{'active' if s['active'] else 'disabled'}\t"
                  f"{s['updated_at']}")
    elif command == "disable":
        if not hub_cli.hub_staff_disable(args.db, args.staff_id):
            raise CliError(f"no staff account {args.staff_id!r} at the hub (`roomcontrol hub staff list` shows them)")
    else:
        pin = read_pin(args.pin_stdin)
        if not hub_cli.hub_staff_reset_pin(args.db, args.staff_id, pin):
            raise CliError(f"no staff account {args.staff_id!r} at the hub (`roomcontrol hub staff list` shows them)")
    return 0
