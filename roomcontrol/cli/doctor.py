"""The PC's own commands: `roomcontrol doctor`, `install` and `uninstall` (roomcontrol.host does the work)."""

from __future__ import annotations

from roomcontrol.cli.common import config_for, data_dir_of


def doctor(args) -> int:
    from roomcontrol.host.doctor import exit_code, run_checks, to_json
    from roomcontrol.ui.display_info import display_facts
    checks = run_checks(config_for(args), data_dir_of(args), probe_s=args.probe_seconds, headless=args.headless,
                        display=display_facts, disk_warn_days=args.disk_warn_days,
                        disk_fail_days=args.disk_fail_days)
    if args.json:
        print(to_json(checks))
    else:
        for check in checks:
            print(check.line())
    return exit_code(checks)


def install(args) -> int:
    from roomcontrol.host.install import install as install_room
    return install_room(args.kiosk, args.config, args.data_dir)


def uninstall(_args) -> int:
    from roomcontrol.host.install import uninstall as uninstall_room
    return uninstall_room()
