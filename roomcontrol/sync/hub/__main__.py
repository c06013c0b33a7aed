"""`python -m roomcontrol.sync.hub serve|add-room|openapi`: the hub without the room's CLI (tests, benchmarks,
and a hub machine until `roomcontrol hub ...` is wired). `--hold-s` is for crash tests only."""

from __future__ import annotations

import argparse
import logging
import sys

from roomcontrol.sync import cli_support


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roomcontrol.sync.hub")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--db", help="hub database: a file path, sqlite:///path or postgresql://...")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=cli_support.DEFAULT_HUB_PORT)
    serve.add_argument("--cert")
    serve.add_argument("--key")
    serve.add_argument("--hold-s", type=float, default=0.0, help=argparse.SUPPRESS)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--body-timeout-s", type=float, help="a request body must arrive within this (default 30)")
    serve.add_argument("--max-connections", type=int, help="open connections beyond this get 503 (default 200)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL only)")
    serve.add_argument("--escalate-after-s", type=float, default=60.0,
                       help="an alarm or call not acknowledged within this escalates on every station")
    serve.add_argument("--webhook", metavar="URL", help="POST each escalation to this URL")
    add = sub.add_parser("add-room")
    add.add_argument("room_id")
    add.add_argument("--db")
    sub.add_parser("openapi").add_argument("--db")
    policy = sub.add_parser("course-policy", help="may rooms read a patient's course summary (check-in)?")
    policy.add_argument("--rooms", choices=("allow", "deny"), help="set it (without: show it)")
    policy.add_argument("--db")
    reads = sub.add_parser("course-reads", help="who read which patient's course, newest first")
    reads.add_argument("--who", help="one room id or reader name")
    reads.add_argument("--patient", help="one patient reference")
    reads.add_argument("--limit", type=int, default=100)
    reads.add_argument("--db")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "add-room":
        print(cli_support.hub_add_room(args.db, args.room_id))
        return 0
    if args.command == "course-policy":
        print(cli_support.hub_course_policy(args.db, args.rooms))
        return 0
    if args.command == "course-reads":
        print(cli_support.hub_course_reads(args.db, args.who, args.patient, args.limit))
        return 0
    if args.command == "openapi":
        print(cli_support.hub_openapi(args.db))
        return 0
    limits = {k: v for k, v in (("body_timeout_s", args.body_timeout_s), ("max_connections", args.max_connections))
              if v is not None}
    try:
        return cli_support.hub_serve(args.db, args.host, args.port, args.cert, args.key, log_level=args.log_level,
                                     hold_s=args.hold_s, workers=args.workers,
                                     escalate_after_s=args.escalate_after_s,
                                     webhook=args.webhook, **limits)
    except (cli_support.SyncError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
