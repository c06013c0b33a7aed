"""The installers' tools: `roomcontrol probe vitals|light|diffuser|audio`, `simulate-device`, `ports`."""

from __future__ import annotations

import json
import sys
import threading

from roomcontrol.cli.common import CliError, stop_on_signals


def probe(args) -> int:
    if args.probe_command == "vitals":
        from roomcontrol.devices.vitals import probe_vitals
        if args.driver != "simulated" and not args.url:
            raise CliError(f"--url is required for driver {args.driver}")
        stop = stop_on_signals()
        if (args.bed or args.list_beds) and args.driver != "hl7":
            raise CliError("--bed and --list-beds are for --driver hl7 (a gateway that serves several beds)")
        options = {"bed": args.bed} if args.bed else {}
        counters = probe_vitals(args.driver, args.url, args.seconds, sys.stdout, stop_event=stop,
                                list_beds=args.list_beds, **options)
        print(json.dumps({"counters": counters}), file=sys.stderr)
        return 0
    from roomcontrol.devices import probe_ambient
    if args.probe_command == "light":
        if not 0 <= args.level <= 100:
            raise CliError(f"--level {args.level:g}: must be a percentage 0–100")
        channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else None
        result = probe_ambient.probe_light(args.url, args.level / 100.0, channels=channels)
    elif args.probe_command == "diffuser":
        result = probe_ambient.probe_diffuser(args.url, args.on, protocol=args.protocol, channel=args.channel)
    else:
        result = probe_ambient.probe_audio(args.file, seconds=args.seconds)
    print(json.dumps(result, default=str))
    return 0


def simulate_device(args) -> int:
    from roomcontrol.clock import SystemClock
    stop = stop_on_signals()
    if args.seconds:
        threading.Timer(args.seconds, stop.set).start()
    if args.protocol == "intellivue":  # a monitor that answers: it waits for the room to associate
        from roomcontrol.devices.vitals.intellivue.emulator import run_intellivue_device
        counters = run_intellivue_device(args.url, SystemClock(), stop, on_ready=lambda where: print(
            f"IntelliVue Data Export monitor on {where}", flush=True))
    else:
        from roomcontrol.devices.vitals.simulator import run_simulated_device
        counters = run_simulated_device(args.protocol, args.url, SystemClock(), stop,
                                        on_ready=lambda where: print(f"writing {args.protocol} to {where}",
                                                                     flush=True))
    print(json.dumps(counters, default=str), file=sys.stderr)
    return 0


def ports(comports=None) -> int:
    """Each port as room.toml names it (COM3, \\\\.\\COM10 on Windows), its description and hardware ids."""
    from roomcontrol.devices.ports import port_lines
    if comports is None:
        from serial.tools import list_ports
        comports = list_ports.comports()
    for line in port_lines(comports):
        print(line)
    return 0
