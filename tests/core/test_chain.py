"""The hash chain's body is the canonical JSON of the row, whatever the characters in it; one walker checks it."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from roomcontrol.domain.chain import GAP, GENESIS, HASH, LINK, ChainWalker, canonical_json, row_hash

text = st.text(max_size=30)
payloads = st.dictionaries(text, st.one_of(st.none(), st.booleans(), st.integers(), text,
                                           st.lists(st.integers(), max_size=3)), max_size=5)


@given(seq=st.integers(1, 10**9), ident=text, room=text, session=st.one_of(st.none(), text), ts=text, kind=text,
       actor=text, payload=payloads)
def test_row_hash_is_sha256_of_prev_and_canonical_row(seq, ident, room, session, ts, kind, actor, payload):
    row = {"seq": seq, "id": ident, "room_id": room, "session_id": session, "ts": ts, "kind": kind,
           "actor": actor, "payload": payload}
    expected = hashlib.sha256(("p" * 64 + canonical_json(row)).encode("utf-8")).hexdigest()
    assert row_hash("p" * 64, row) == expected
    assert row_hash("p" * 64, row, canonical_json(payload)) == expected


def chain(n: int, prev: str = GENESIS, first_seq: int = 1) -> list[dict]:
    """`n` chained rows as stored: the payload as its canonical JSON text."""
    rows = []
    for seq in range(first_seq, first_seq + n):
        row = {"seq": seq, "id": f"e{seq}", "room_id": "room-1", "session_id": None, "ts": "2026-03-01T08:00:00Z",
               "kind": "note.added", "actor": "system", "payload_json": canonical_json({"n": seq, "text": "é"})}
        row["prev_hash"], row["hash"] = prev, row_hash(prev, row, row["payload_json"])
        rows.append(row)
        prev = row["hash"]
    return rows


def walk_in_pages(rows: list[dict], page: int, walker: ChainWalker | None = None):
    walker = walker or ChainWalker()
    for start in range(0, len(rows), page):
        problem = walker.feed(rows[start:start + page])
        if problem:
            return walker, problem
    return walker, None


def test_a_good_chain_holds_whatever_the_page_size():
    rows = chain(25)
    for page in (1, 7, 25, 100):
        walker, problem = walk_in_pages(rows, page)
        assert problem is None and walker.checked == 25 and walker.last_seq == 25
        assert walker.prev_hash == rows[-1]["hash"]


def test_a_changed_byte_is_named_by_its_seq():
    rows = chain(20)
    rows[11]["payload_json"] = rows[11]["payload_json"].replace('"n":12', '"n":13')
    walker, problem = walk_in_pages(rows, 5)
    assert problem.what == HASH and problem.seq == 12 and walker.checked == 11
    assert problem.reason == "seq 12: the row does not match its hash"


def test_a_dict_payload_hashes_as_its_canonical_json():
    rows = chain(3)
    for row in rows:
        row["payload"] = {"text": "é", "n": row["seq"]}
        del row["payload_json"]
    assert ChainWalker().feed(rows) is None


def test_a_gap_names_the_missing_seq_and_a_repeat_names_itself():
    rows = chain(10)
    walker, problem = walk_in_pages(rows[:4] + rows[5:], 3)
    assert problem.what == GAP and problem.seq == 5 and problem.row_seq == 6 and problem.expected_seq == 5
    assert problem.reason == "seq 5 is missing" and walker.checked == 4
    _, again = walk_in_pages(rows[:4] + rows[3:], 3)
    assert again.what == GAP and again.seq == 4 and again.expected_seq == 5
    _, first = walk_in_pages(rows[1:], 3)  # a log must start at seq 1
    assert first.what == GAP and first.seq == 1


def test_a_wrong_prev_hash_breaks_the_link_even_if_the_row_matches_its_hash():
    rows = chain(10)
    relinked = chain(1, prev="f" * 64, first_seq=7)[0]  # valid on its own, chained onto nothing held
    walker, problem = walk_in_pages(rows[:6] + [relinked] + rows[7:], 4)
    assert problem.what == LINK and problem.seq == 7 and walker.checked == 6
    assert problem.reason == "seq 7: prev_hash does not match the hash of seq 6"


def test_a_walk_can_start_at_a_known_head_or_at_the_first_row():
    rows = chain(10)
    assert ChainWalker(rows[5]["hash"], 6).feed(rows[6:]) is None
    assert ChainWalker(rows[4]["hash"], 5).feed(rows[6:]).what == GAP
    assert ChainWalker(prev_hash=None, last_seq=None).feed(rows[6:]) is None  # a batch on its own
    assert ChainWalker("0" * 63 + "1", 6).feed(rows[6:]).what == LINK
