"""The log and the session record: `roomcontrol log verify|export`, `report`, `export fhir|csv`."""

from __future__ import annotations

import csv
import json
import sys

from roomcontrol.cli.common import EXIT_FAILED, CliError, data_dir_of
from roomcontrol.config import load_config


def log(args) -> int:
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import read_events, verify_chain
    db = database.open_room_db(data_dir_of(args), readonly=True)
    if args.log_command == "verify":
        result = verify_chain(db)
        if result.ok:
            print(f"ok: {result.checked} events, the chain holds")
            return 0
        print(f"broken at seq {result.first_bad_seq}: {result.reason}")
        return EXIT_FAILED
    out = args.output.open("w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        events = read_events(db, session_id=args.session)
        if args.format == "jsonl":
            for event in events:
                out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        else:
            writer = csv.writer(out)
            writer.writerow(["seq", "ts", "kind", "actor", "session_id", "payload", "id", "hash"])
            for e in events:
                row = e.to_json()
                writer.writerow([e.seq, row["ts"], e.kind, e.actor, e.session_id or "",
                                 json.dumps(e.payload, ensure_ascii=False, sort_keys=True), e.id, e.hash])
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def report(args) -> int:
    from roomcontrol.records.commands import format_sessions, list_sessions
    if args.list:
        print(format_sessions(list_sessions(data_dir_of(args))))
        return 0
    if not args.session or not args.pdf:
        raise CliError("report needs a SESSION and --pdf FILE (or --list)")
    from roomcontrol.ui.report import write_report
    path = write_report(data_dir_of(args), load_config(args.config), args.session, args.pdf)
    print(f"wrote {path}")
    return 0


def export(args) -> int:
    from roomcontrol.records import commands
    if args.export_format == "csv":
        for path in commands.export_csv(data_dir_of(args), args.session, args.out):
            print(f"wrote {path}")
        return 0
    bundle = commands.export_fhir(data_dir_of(args), load_config(args.config), args.session)
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def course(args) -> int:
    """`roomcontrol course PT --hub URL [--pdf F] [--fhir F] [--csv DIR]` (docs/COURSE.md, Exports)."""
    import os

    from roomcontrol.records.course import course_bundle, fetch_course, write_course_csv
    token = args.token or os.environ.get("ROOMCONTROL_HUB_TOKEN")
    if not token:
        raise CliError("course needs a reader token: --token or $ROOMCONTROL_HUB_TOKEN (`hub add-reader NAME`)")
    if not (args.pdf or args.fhir or args.csv):
        raise CliError("course needs --pdf FILE, --fhir FILE and/or --csv DIR")
    export = fetch_course(args.hub, token, args.patient_ref)
    for sid in export.open_sessions:
        print(f"session {sid[:8]} is still open: left out of the FHIR bundle")
    if args.fhir:
        args.fhir.write_text(json.dumps(course_bundle(export), indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {args.fhir}")
    if args.csv:
        for path in write_course_csv(export.course, args.csv):
            print(f"wrote {path}")
    if args.pdf:
        from roomcontrol.ui.report.course_pdf import render_course_pdf
        clinic = args.clinic or load_config(args.config).clinic_name
        print(f"wrote {render_course_pdf(export.course, args.pdf, clinic_name=clinic)}")
    return 0
