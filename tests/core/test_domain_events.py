"""Events and log timestamps as the domain sees them (roomcontrol.domain.events, .timefmt)."""

from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.timefmt import iso_utc, parse_iso

CET = timezone(timedelta(hours=1))


def test_iso_utc_writes_milliseconds_and_z():
    assert iso_utc(datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=CET)) == "2025-03-01T09:00:00.123Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        iso_utc(datetime(2025, 3, 1, 10, 0))


def test_parse_iso_reads_z_offsets_and_naive_times_as_utc():
    utc = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert parse_iso("2025-03-01T09:00:00.000Z") == utc
    from_cet = parse_iso("2025-03-01T10:00:00+01:00")
    assert from_cet == utc and from_cet.tzinfo is timezone.utc
    assert parse_iso("2025-03-01T09:00:00") == utc


def test_a_new_event_defaults():
    e = NewEvent("note.added")
    assert (e.payload, e.actor, e.session_id) == ({}, "system", None)


def test_a_stored_event_hashes_its_row_without_the_chain_fields():
    ts = datetime(2025, 3, 1, 10, 0, tzinfo=CET)
    e = Event(seq=3, id="e3", room_id="room-1", session_id="s1", ts=ts, kind="note.added", actor="nurse.kim",
              payload={"text": "calm"}, prev_hash="aa", hash="bb")
    row = {"seq": 3, "id": "e3", "room_id": "room-1", "session_id": "s1", "ts": "2025-03-01T09:00:00.000Z",
           "kind": "note.added", "actor": "nurse.kim", "payload": {"text": "calm"}}
    assert e.hashed_row() == row
    assert e.to_json() == {**row, "prev_hash": "aa", "hash": "bb"}
