"""Fuzz: random and mutated HL7/MLLP bytes interleaved with valid gateway messages, through the deframer and the
feed exactly as the driver runs them (bounded: about 200 examples, a few seconds). Nothing escapes, every valid
message is acknowledged AA and all its values are recovered."""

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomcontrol.devices.vitals.hl7_feed import Hl7Feed
from roomcontrol.devices.vitals.mllp import MllpDeframer, mllp_frame
from tests.devices import hl7_messages as M

NOW = datetime(2026, 9, 12, 6, 30, tzinfo=timezone.utc)
VALID = [M.mindray_numerics("V{}"), M.ge_csg("V{}"), M.philips_pic("V{}", inop=""), M.NIST_PCD01.replace(
    "NIST-PCD01-0042", "V{}"), M.COMEN.replace("202609121010104734", "V{}")]


def expected(feed_template: str) -> list[tuple[str, float]]:
    result = Hl7Feed().handle(mllp_body(feed_template.replace("V{}", "VX")), NOW, 0.0)
    return [(r.kind, r.value) for r in result.readings]


def mllp_body(text: str) -> bytes:
    return text.encode()


EXPECTED = [expected(t) for t in VALID]


def mutate(text: str, data) -> bytes:
    raw = bytearray(text.encode())
    for _ in range(data.draw(st.integers(1, 6))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        i = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[i] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del raw[i:i + data.draw(st.integers(1, 40))]
        elif op == "insert":
            raw[i:i] = data.draw(st.sampled_from([b"|", b"^", b"~", b"&", b"\r", b"\x0b", b"\x1c\r", b"-100",
                                                  b"OBX|1|NM|150456^X^MDC||", b"\xff\xfe"]))
        else:
            raw[i:i] = raw[i:i + data.draw(st.integers(1, 60))]
    return bytes(raw)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_garbage_never_escapes_and_every_valid_message_is_recovered(data):
    feed, deframer = Hl7Feed(), MllpDeframer()
    stream, sent = bytearray(), []
    for n in range(data.draw(st.integers(1, 6))):
        which = data.draw(st.integers(0, len(VALID) - 1))
        junk = data.draw(st.one_of(st.binary(max_size=120),
                                   st.builds(lambda d: mutate(VALID[which].replace("V{}", "J"), d), st.data())))
        framed = data.draw(st.booleans())
        stream += mllp_frame(junk) if framed else junk.replace(b"\x0b", b"")
        stream += b"\x1c\r"  # whatever the junk left open is closed before the next valid frame
        sent.append((f"V{n}", which))
        stream += mllp_frame(VALID[which].replace("V{}", f"V{n}"))
    chunk = data.draw(st.integers(1, 97))
    acks, readings = {}, {}
    for i in range(0, len(stream), chunk):
        for message in deframer.feed(bytes(stream[i:i + chunk])):
            result = feed.handle(message, NOW, 0.0)
            # MLLP-framed, in the sender's delimiters when its MSH-2 is a whole set (MSH-1 may not be "|")
            ack = result.ack.decode().lstrip("\x0b")
            msa = ack.split("\r")[1].split(ack[3])
            acks[msa[2]] = msa[1]
            readings[msa[2]] = [(r.kind, r.value) for r in result.readings]
    for control_id, which in sent:
        assert acks[control_id] == "AA"
        assert readings[control_id] == EXPECTED[which]
