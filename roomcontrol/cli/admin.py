"""Staff accounts, the clinic hub and this room's sync: `roomcontrol staff|hub|sync`."""

from __future__ import annotations

import json

from roomcontrol.cli.common import EXIT_FAILED, CliError, data_dir_of
from roomcontrol.config import load_config


def staff(args) -> int:
    from roomcontrol.cli import staff as accounts
    data_dir = data_dir_of(args)
    if args.staff_command == "add":
        pin = accounts.read_pin(args.pin_stdin)
        print(json.dumps(accounts.add_staff(data_dir, args.staff_id, args.name, args.role, pin)))
    elif args.staff_command == "list":
        for s in accounts.list_staff(data_dir):
            print(f"{s['staff_id']}\t{s['name']}\t{s['role']}\t{'active' if s['active'] else 'disabled'}")
    elif not accounts.disable_staff(data_dir, args.staff_id):
        raise CliError(f"no staff account {args.staff_id!r}")
    return 0


def hub(args) -> int:
    """`roomcontrol hub ...`: the hub's own table (sync/hub/admin_commands.py) and the subcommands that need the
    room's layers (its PIN prompt, the host's installer, the backup command)."""
    if args.hub_command == "staff":
        from roomcontrol.cli import hub_staff
        return hub_staff.run(args)
    if args.hub_command == "install-service":
        from roomcontrol.host.install import install_hub_service
        return install_hub_service(args.db, args.host, args.port, args.cert, args.key, user=args.user,
                                   print_only=args.print)
    if args.hub_command == "backup":
        from roomcontrol.cli.backup import hub_backup
        return hub_backup(args)
    from roomcontrol.sync.hub import admin_commands
    return admin_commands.run(args.hub_command, args)


def sync(args) -> int:
    from roomcontrol.store.database import db_path
    from roomcontrol.sync import cli_support
    config = load_config(args.config)
    path = db_path(data_dir_of(args))
    if args.sync_command == "status":
        print(json.dumps(cli_support.sync_status(path, config), indent=2, default=str))
        return 0
    result = cli_support.sync_now(path, config)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok", True) else EXIT_FAILED
