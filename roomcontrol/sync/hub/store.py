"""What the hub does with its database: room tokens, idempotent chain-checked ingest, reads. No HTTP here.

Ingest of one batch for one room is one transaction holding that room's row lock (PostgreSQL `FOR UPDATE`,
SQLite `BEGIN IMMEDIATE`), so two deliveries of the same batch (a retry racing a slow first try) serialize,
and the second finds the events stored and counts them as duplicates. The room's head (last seq, last hash)
moves in the same transaction as the rows, so the chain check across batches never sees half a batch.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from roomcontrol.domain.chain import GAP, GENESIS, ChainWalker, canonical_json
from roomcontrol.domain.event_rules import EventRefused, check_event
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import course_store
from roomcontrol.sync.hub.db import Conn, HubDB, is_integrity_error

ROOM_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")  # as room.toml's [room] id
TOKEN_PREFIX = "rct_"


class Refusal(Exception):
    """A batch or request the hub will not take. Nothing of it is stored (a report may be)."""

    def __init__(self, status: int, error: str, detail: str, **extra):
        super().__init__(detail)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra

    def body(self) -> dict:
        return {"error": self.error, "detail": self.detail, **self.extra}


@dataclass(frozen=True)
class Principal:
    """Who holds a token: one room (ingest and read its own data) or a reader (read every room)."""
    room_id: str | None = None
    reader: str | None = None

    def may_read(self, room_id: str) -> bool:
        return self.reader is not None or self.room_id == room_id


@dataclass
class IngestResult:
    room_id: str
    accepted_events: int = 0
    duplicate_events: int = 0
    accepted_vitals: int = 0
    duplicate_vitals: int = 0
    last_seq: int = 0
    last_vitals_id: int = 0
    received_at: str = ""
    quarantined: list[dict] = field(default_factory=list)  # [{"seq", "reason"}]: chained, but not stored as events


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no password-style KDF needed), and looking the
    # hash up by index leaks nothing usable about the token.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_room_id(room_id: str) -> str:
    if not ROOM_ID_RE.fullmatch(room_id or ""):
        raise ValueError(f"room id {room_id!r}: 1–32 letters, digits, '.', '_' or '-', starting with a letter "
                         "or digit")
    return room_id


def add_room(db: HubDB, room_id: str) -> str:
    """Register `room_id` (or give it a new token, which voids the old one). Returns the token; only its hash is kept."""
    check_room_id(room_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.connect() as c, c.write():
        if c.one("SELECT 1 FROM rooms WHERE room_id = ?", [room_id]):
            c.execute("UPDATE rooms SET token_hash = ? WHERE room_id = ?", [hash_token(token), room_id])
        else:
            c.execute("INSERT INTO rooms (room_id, token_hash, created_at, last_seq, last_hash, last_vitals_id) "
                      "VALUES (?, ?, ?, 0, ?, 0)", [room_id, hash_token(token), now_iso(), GENESIS])
    return token


def add_reader(db: HubDB, name: str) -> str:
    """A token that may read every room (reports, dashboards). Returns the token; only its hash is kept."""
    check_room_id(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.connect() as c, c.write():
        c.execute("DELETE FROM readers WHERE name = ?", [name])
        c.execute("INSERT INTO readers (name, token_hash, created_at) VALUES (?, ?, ?)",
                  [name, hash_token(token), now_iso()])
    return token


def authenticate(db: HubDB, token: str | None) -> Principal:
    if not token:
        raise Refusal(401, P.UNAUTHORIZED, "no token: send 'Authorization: Bearer <token>'")
    digest = hash_token(token)
    with db.connect() as c:
        row = c.one("SELECT room_id FROM rooms WHERE token_hash = ?", [digest])
        if row:
            return Principal(room_id=row[0])
        row = c.one("SELECT name FROM readers WHERE token_hash = ?", [digest])
    if row:
        return Principal(reader=row[0])
    raise Refusal(401, P.UNAUTHORIZED, "the token is not valid for this hub")


# -- ingest --------------------------------------------------------------------------------------------------
# A prepared or stored event row: the keys the chain walker reads, and the events table's columns, in order.
_ROW = ("room_id", "seq", "id", "session_id", "ts", "kind", "actor", "payload_json", "prev_hash", "hash")
_ROW_COLUMNS = "room_id, seq, id, session_id, ts, kind, actor, payload, prev_hash, hash"


def prepare_events(room_id: str, events: list[dict]) -> list[tuple[tuple, str | None]]:
    """Check a batch on its own (room, the chain within it, each event's content); rows ready to insert, each
    with None or the reason its content breaks the event rules (it goes to quarantine, not to the events).

    Raises Refusal; the caller reports chain problems. Pure CPU, run before any lock is taken.
    """
    rows, walker = [], ChainWalker(prev_hash=None, last_seq=None)  # linked to the hub's head under the lock
    for i, e in enumerate(events):
        if e["room_id"] != room_id:
            raise Refusal(422, P.MALFORMED, f"events[{i}].room_id is {e['room_id']!r}; this batch is for room "
                                            f"{room_id!r}")
        reason = None
        try:
            payload_json = check_event(e["kind"], e["actor"], e["session_id"], e["payload"], e["ts"])
        except EventRefused as refused:
            reason, payload_json = str(refused.problem), canonical_json(e["payload"])
        row = (room_id, e["seq"], e["id"], e["session_id"], e["ts"], e["kind"], e["actor"], payload_json,
               e["prev_hash"], e["hash"])
        _check_chain(walker, row)
        rows.append((row, reason))
    return rows


def _check_chain(walker: ChainWalker, row: tuple, **extra) -> None:
    """Walk `row` (as prepared or stored: the _ROW columns); a problem is the hub's refusal of the batch."""
    problem = walker.step(dict(zip(_ROW, row)))
    if problem is None:
        return
    if problem.what == GAP:
        raise Refusal(409, P.GAP, problem.reason, expected_seq=problem.expected_seq, seq=problem.row_seq, **extra)
    raise Refusal(409, P.CHAIN_BROKEN, problem.reason, seq=problem.seq, **extra)


def ingest(db: HubDB, room_id: str, events: list[dict], vitals: list[dict], *,
           hold_s: float = 0.0) -> IngestResult:
    """Store a batch exactly once. Duplicates (already held, same id and hash) are success. Raises Refusal.

    `hold_s` keeps the transaction open that long before committing: only tests use it, to kill the hub in the
    middle of a batch.
    """
    try:
        rows = prepare_events(room_id, events)
    except Refusal as refusal:
        if refusal.error in (P.CHAIN_BROKEN, P.GAP):
            report(db, room_id, refusal)
        raise
    received = now_iso()
    result = IngestResult(room_id, received_at=received)
    try:
        with db.connect() as c, c.write():
            head = c.one("SELECT last_seq, last_hash, last_vitals_id FROM rooms WHERE room_id = ?"
                         + c.d.lock_room, [room_id])
            if head is None:
                raise Refusal(401, P.UNAUTHORIZED, f"room {room_id!r} is not registered at this hub")
            last_seq, last_hash, last_vid = head
            new_rows = _split_known(c, room_id, rows, last_seq, last_hash, result)
            good = [r for r, reason in new_rows if reason is None]
            if good:
                # Under the room's lock the only way a row can clash is a UUID the room already used at another
                # seq (the (room, id) key): the database refuses it, and that is a conflict, not a crash.
                c.executemany(f"INSERT INTO events ({_ROW_COLUMNS}, received_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              [r + (received,) for r in good])
                course_store.index_sessions(c, good)  # a patient's course is found by index (issue #16)
            # An event whose content breaks the rules but whose chain holds is kept aside with its reason, and
            # the head moves through it: one bad event must not stop the room's log behind it (issue #13).
            bad = [(r, reason) for r, reason in new_rows if reason is not None]
            if bad:
                c.executemany("INSERT INTO quarantine (room_id, seq, id, hash, reason, raw, received_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?)",
                              [(room_id, r[1], r[2], r[9], reason, _raw(r), received) for r, reason in bad])
            if new_rows:
                last_seq, last_hash = new_rows[-1][0][1], new_rows[-1][0][9]
            result.accepted_events = len(good)
            result.quarantined = [{"seq": r[1], "reason": reason} for r, reason in rows if reason is not None]
            last_vid = max(last_vid, _ingest_vitals(c, room_id, vitals, received, result))
            c.execute("UPDATE rooms SET last_seq = ?, last_hash = ?, last_vitals_id = ?, last_received_at = ? "
                      "WHERE room_id = ?", [last_seq, last_hash, last_vid, received, room_id])
            if hold_s:
                time.sleep(hold_s)
        result.last_seq, result.last_vitals_id = last_seq, last_vid
        return result
    except Exception as exc:  # the transaction is rolled back: nothing of the batch stays
        refused = exc if isinstance(exc, Refusal) else _as_conflict(exc, room_id)
        if refused is None:
            raise
        if refused.error in (P.CHAIN_BROKEN, P.GAP, P.CONFLICT):
            report(db, room_id, refused)
        raise refused from None


def _as_conflict(exc: Exception, room_id: str) -> Refusal | None:
    if not is_integrity_error(exc):
        return None
    return Refusal(409, P.CONFLICT, f"an event of this batch repeats an id the hub holds for room {room_id!r} at "
                                    f"another seq ({str(exc).splitlines()[0]})")


def _raw(row: tuple) -> str:
    """A quarantined row as JSON text (control characters escaped, so PostgreSQL stores any of them)."""
    return canonical_json(dict(zip(_ROW, row)))


def _split_known(c: Conn, room_id: str, rows: list[tuple[tuple, str | None]], last_seq: int, last_hash: str,
                 result: IngestResult) -> list[tuple[tuple, str | None]]:
    """The rows the hub does not hold yet, after checking the held ones are the same events (a resend)."""
    if not rows:
        return []
    first, last = rows[0][0][1], rows[-1][0][1]
    if first > last_seq + 1:
        raise Refusal(409, P.GAP, f"the batch starts at seq {first}, the hub holds up to seq {last_seq}: "
                                  f"send from seq {last_seq + 1}", expected_seq=last_seq + 1, seq=first,
                      hub_last_seq=last_seq)
    held = {}
    if first <= last_seq:
        span = [room_id, first, min(last, last_seq)]
        held = {seq: (eid, h) for seq, eid, h in c.all(
            "SELECT seq, id, hash FROM events WHERE room_id = ? AND seq BETWEEN ? AND ? UNION ALL "
            "SELECT seq, id, hash FROM quarantine WHERE room_id = ? AND seq BETWEEN ? AND ?", span + span)}
    new: list[tuple[tuple, str | None]] = []
    for r, reason in rows:
        seq = r[1]
        if seq <= last_seq:
            if held.get(seq) != (r[2], r[9]):
                raise Refusal(409, P.CONFLICT, f"seq {seq}: the hub holds another event at this seq (a different "
                                               "id or hash): the room's log is not the one the hub has",
                              seq=seq, hub_last_seq=last_seq)
            result.duplicate_events += 1
        else:
            if not new:  # the first new row is seq last_seq + 1 here: it must link onto the hub's head
                _check_chain(ChainWalker(last_hash, last_seq), r, hub_last_seq=last_seq)
            new.append((r, reason))
    return new


_VITAL_COLUMNS = "session_id, kind, value, unit, ts, device_ts, flags, source"


def _vital_row(v: dict) -> tuple:
    """A vitals row as stored (the columns of _VITAL_COLUMNS): what two deliveries of one id must agree on."""
    return (v["session_id"], v["kind"], v["value"], v["unit"], v["ts"], v.get("device_ts"),
            json.dumps(v["flags"]) if v.get("flags") else None, v.get("source") or "")


def _ingest_vitals(c: Conn, room_id: str, vitals: list[dict], received: str, result: IngestResult) -> int:
    """Store the rows the hub lacks. An id it holds (or that comes twice) is a duplicate only with the same
    content: another row under a known id is a conflict (409), and the batch's transaction stores nothing."""
    if not vitals:
        return 0
    ids = [v["id"] for v in vitals]
    held = {r[0]: tuple(r[1:]) for r in c.all(
        f"SELECT vital_id, {_VITAL_COLUMNS} FROM vitals WHERE room_id = ? AND vital_id BETWEEN ? AND ?",
        [room_id, min(ids), max(ids)])}
    rows = []
    for v in vitals:
        row = _vital_row(v)
        known = held.get(v["id"])
        if known is not None:
            if known != row:
                raise Refusal(409, P.CONFLICT, f"vitals id {v['id']}: the hub holds another reading under this id "
                                               f"({known[1]} {known[2]} at {known[4]}, not {row[1]} {row[2]} at "
                                               f"{row[4]})", vital_id=v["id"])
            result.duplicate_vitals += 1
            continue
        held[v["id"]] = row
        rows.append((room_id, v["id"], *row, received))
    if rows:
        c.executemany(f"INSERT INTO vitals (room_id, vital_id, {_VITAL_COLUMNS}, received_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    result.accepted_vitals = len(rows)
    return max(ids)


def report(db: HubDB, room_id: str, refusal: Refusal) -> None:
    """Keep a refused batch's chain problem where the clinic can see it (GET .../reports, the hub's log)."""
    # The same refusal again (a room retrying, or someone replaying a batch) folds into its row: count and
    # last_seen grow, the table does not.
    seq, now = refusal.extra.get("seq"), now_iso()
    try:
        with db.connect() as c, c.write():
            row = c.one("SELECT report_id FROM reports WHERE room_id = ? AND problem = ? AND detail = ? AND "
                        "COALESCE(seq, -1) = ? ORDER BY report_id DESC LIMIT 1",
                        [room_id, refusal.error, refusal.detail, -1 if seq is None else seq])
            if row:
                c.execute("UPDATE reports SET count = count + 1, last_seen = ? WHERE report_id = ?", [now, row[0]])
            else:
                c.execute("INSERT INTO reports (room_id, at, problem, seq, detail, count, last_seen) "
                          "VALUES (?, ?, ?, ?, ?, 1, ?)", [room_id, now, refusal.error, seq, refusal.detail, now])
    except Exception:  # a report that cannot be written must not hide the refusal itself
        pass


def head(db: HubDB, room_id: str) -> dict | None:
    with db.connect() as c:
        row = c.one("SELECT room_id, created_at, last_seq, last_hash, last_vitals_id, last_received_at FROM rooms "
                    "WHERE room_id = ?", [room_id])
    if row is None:
        return None
    return dict(zip(("room_id", "created_at", "last_seq", "last_hash", "last_vitals_id", "last_received_at"), row))


# -- reads ---------------------------------------------------------------------------------------------------
def list_rooms(db: HubDB, principal: Principal) -> list[dict]:
    with db.connect() as c:
        rows = c.all("SELECT r.room_id, r.created_at, r.last_seq, r.last_hash, r.last_vitals_id, r.last_received_at, "
                     "(SELECT count(*) FROM reports p WHERE p.room_id = r.room_id) FROM rooms r ORDER BY r.room_id")
    names = ("room_id", "created_at", "last_seq", "last_hash", "last_vitals_id", "last_received_at", "reports")
    return [dict(zip(names, r)) for r in rows if principal.may_read(r[0])]


def _filters(room_id: str, key: str, after: int, session_id: str | None, kind: str | None) -> tuple[str, list]:
    """The WHERE clause of a room's rows after `after` (by `key`), optionally of one session and one kind."""
    where, params = ["room_id = ?", f"{key} > ?"], [room_id, after]
    for column, value in (("session_id", session_id), ("kind", kind)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(where), params


_EVENT_OUT = ("seq", "id", "room_id", "session_id", "ts", "kind", "actor", "payload", "prev_hash", "hash",
              "received_at")


def read_events(db: HubDB, room_id: str, *, after_seq: int = 0, limit: int = 1000, session_id: str | None = None,
                kind: str | None = None) -> list[dict]:
    where, params = _filters(room_id, "seq", after_seq, session_id, kind)
    with db.connect() as c:
        rows = c.all(f"SELECT {', '.join(_EVENT_OUT)} FROM events WHERE {where} ORDER BY seq LIMIT ?",
                     [*params, int(limit)])
    out = []
    for r in rows:
        d = dict(zip(_EVENT_OUT, r))
        d["payload"] = json.loads(d["payload"])
        out.append(d)
    return out


_VITAL_OUT = ("vital_id", "session_id", "kind", "value", "unit", "ts", "device_ts", "flags", "source", "received_at")


def read_vitals(db: HubDB, room_id: str, *, after_id: int = 0, limit: int = 1000, session_id: str | None = None,
                kind: str | None = None) -> list[dict]:
    where, params = _filters(room_id, "vital_id", after_id, session_id, kind)
    with db.connect() as c:
        rows = c.all(f"SELECT {', '.join(_VITAL_OUT)} FROM vitals WHERE {where} "
                     "ORDER BY vital_id LIMIT ?", [*params, int(limit)])
    out = []
    for r in rows:
        d = dict(zip(_VITAL_OUT, r))
        d["flags"] = json.loads(d["flags"]) if d["flags"] else []
        out.append(d)
    return out


_SESSION_END = ("session.discharged", "session.aborted")


def read_sessions(db: HubDB, room_id: str, *, after_seq: int = 0, limit: int = 100) -> list[dict]:
    """Sessions as the hub holds them, oldest first, one page at a time: those whose first event comes after
    `after_seq` (pass the last page's last `first_seq` to go on), each with its opening payload and its end."""
    with db.connect() as c:
        spans = c.all("SELECT session_id, min(seq), max(seq), count(*), min(ts), max(ts) FROM events "
                      "WHERE room_id = ? AND session_id IS NOT NULL GROUP BY session_id HAVING min(seq) > ? "
                      "ORDER BY min(seq) LIMIT ?", [room_id, int(after_seq), int(limit)])
        ids = [row[0] for row in spans]
        marks = c.all("SELECT session_id, kind, ts, payload FROM events WHERE room_id = ? AND kind IN (?, ?, ?) "
                      f"AND session_id IN ({', '.join('?' * len(ids))}) ORDER BY seq",
                      [room_id, "session.opened", *_SESSION_END, *ids]) if ids else []
    opened, ended = {}, {}
    for sid, kind, ts, payload in marks:
        if kind == "session.opened":
            opened[sid] = json.loads(payload)
        else:
            ended[sid] = {"kind": kind, "ts": ts}
    return [{"session_id": sid, "first_seq": a, "last_seq": b, "events": n, "first_ts": t0, "last_ts": t1,
             "opened": opened.get(sid), "ended": ended.get(sid)} for sid, a, b, n, t0, t1 in spans]


def read_reports(db: HubDB, room_id: str, *, before_id: int | None = None, limit: int = 100) -> list[dict]:
    """Newest first, a page at a time: pass the last page's last report_id as `before_id` to go on."""
    with db.connect() as c:
        rows = c.all("SELECT report_id, at, problem, seq, detail, count, last_seen FROM reports "
                     "WHERE room_id = ? AND report_id < ? ORDER BY report_id DESC LIMIT ?",
                     [room_id, int(before_id) if before_id is not None else 2 ** 63 - 1, int(limit)])
    return [dict(zip(("report_id", "at", "problem", "seq", "detail", "count", "last_seen"), r)) for r in rows]


def read_quarantine(db: HubDB, room_id: str, *, after_seq: int = 0, limit: int = 100) -> list[dict]:
    """Events whose chain held but whose content broke the event rules, oldest first, with the raw row."""
    with db.connect() as c:
        rows = c.all("SELECT seq, id, reason, raw, received_at FROM quarantine WHERE room_id = ? AND seq > ? "
                     "ORDER BY seq LIMIT ?", [room_id, int(after_seq), int(limit)])
    return [{"seq": seq, "id": eid, "reason": reason, "row": json.loads(raw), "received_at": at}
            for seq, eid, reason, raw, at in rows]


def verify_room(db: HubDB, room_id: str, page: int = 5000) -> dict:
    """Recompute a room's whole chain as the hub holds it (page by page): seq 1..N gap-free, every hash."""
    walker = ChainWalker()
    quarantined = read_quarantine(db, room_id, limit=2 ** 31)
    held = {q["seq"]: q["row"] for q in quarantined}  # they stay links of the chain, so the walk goes through
    shown = [{"seq": q["seq"], "reason": q["reason"]} for q in quarantined]
    with db.connect() as c:
        while True:
            start = walker.last_seq
            rows = [dict(zip(_ROW, r)) for r in c.all(f"SELECT {_ROW_COLUMNS} FROM events WHERE room_id = ? AND "
                                                       "seq > ? ORDER BY seq LIMIT ?", [room_id, start, page])]
            end = rows[-1]["seq"] if len(rows) == page else None
            rows = sorted(rows + [r for s, r in held.items() if s > start and (end is None or s < end)],
                          key=lambda r: r["seq"])
            if not rows:
                return {"ok": True, "checked": walker.checked, "quarantined": shown}
            problem = walker.feed(rows)
            if problem:
                return {"ok": False, "checked": walker.checked, "first_bad_seq": problem.seq,
                        "reason": problem.reason, "quarantined": shown}
