"""The hash chain's body is the canonical JSON of the row, whatever the characters in it."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from roomcontrol.domain.chain import canonical_json, row_hash

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
