"""The IntelliVue serial link (Data Export Interface Programming Guide, "Transport Protocol (Serial)"): frames,
transparency and the RFC 1662 FCS, and a deframer that counts and skips whatever is not a good frame."""

import pytest
from hypothesis import given, settings, strategies as st

from roomcontrol.devices.vitals.intellivue.framing import MAX_FRAME, Deframer, escape, fcs16, frame


def test_fcs_is_the_rfc_1662_crc():
    assert fcs16(b"123456789") == 0x906E          # the CRC-16/X.25 check value
    assert fcs16(b"") == 0x0000


def test_a_frame_as_the_guide_lays_it_out():
    data = bytes([0xE1, 0x00, 0xC0, 0x7D, 0xC1, 0x05])
    body = bytes([0x11, 0x01, 0x00, 0x06]) + data   # protocol id, message type, length of the user data
    fcs = fcs16(body)
    wire = frame(data)
    assert wire[0] == 0xC0 and wire[-1] == 0xC1
    # every BOF, EOF and control-escape inside is sent as 0x7D, byte ^ 0x20; the FCS goes least significant first
    assert wire[1:-1] == escape(body + bytes([fcs & 0xFF, fcs >> 8]))
    assert bytes([0x7D, 0xE0, 0x7D, 0x5D, 0x7D, 0xE1]) in wire
    assert 0xC0 not in wire[1:-1] and 0xC1 not in wire[1:-1]
    assert Deframer().feed(wire) == [data]


def test_user_data_too_long_for_the_header_is_refused():
    with pytest.raises(ValueError, match="does not fit a frame"):
        frame(bytes(0x10000))


@pytest.mark.parametrize("wire, why", [
    (lambda good: good[:-3] + bytes([good[-3] ^ 1]) + good[-2:], "bad FCS"),
    (lambda good: bytes([0xC0]) + escape(bytes([0x12, 0x01, 0, 1, 7]) + fcs_le(bytes([0x12, 0x01, 0, 1, 7])))
     + bytes([0xC1]), "wrong protocol id"),
    (lambda good: bytes([0xC0]) + escape(bytes([0x11, 0x01, 0, 5, 7]) + fcs_le(bytes([0x11, 0x01, 0, 5, 7])))
     + bytes([0xC1]), "length does not add up"),
    (lambda good: bytes([0xC0, 0x11, 0x01, 0xC1]), "too short"),
    (lambda good: good[:-1] + bytes([0x7D, 0xC1]), "escape before EOF"),
    (lambda good: good[:-1], "BOF before EOF"),   # the next frame's BOF arrives first
])
def test_bad_frames_are_counted_and_skipped(wire, why):
    good = frame(b"\xe1\x00\x00\x02")
    deframer = Deframer()
    assert deframer.feed(wire(good) + good) == [b"\xe1\x00\x00\x02"], why
    assert deframer.counters["framing_errors"] == 1 and deframer.counters["frames"] == 1


def fcs_le(body):
    fcs = fcs16(body)
    return bytes([fcs & 0xFF, fcs >> 8])


def test_noise_between_frames_and_a_frame_that_never_ends():
    deframer = Deframer()
    good = frame(b"\x0e\x00")
    assert deframer.feed(b"\x00\x13\x37" + good) == [b"\x0e\x00"]
    assert deframer.counters["noise_bytes"] == 3
    assert deframer.feed(b"\xc0" + b"\x11" * (MAX_FRAME + 1)) == []
    assert deframer.counters["framing_errors"] == 1
    assert deframer.feed(b"\x11\x11" + good) == [b"\x0e\x00"]   # the over-long frame's tail is noise


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=6), st.integers(1, 64))
def test_frames_round_trip_in_any_chunks(payloads, chunk):
    wire = b"".join(frame(p) for p in payloads)
    deframer = Deframer()
    out = []
    for i in range(0, len(wire), chunk):
        out += deframer.feed(wire[i:i + chunk])
    assert out == payloads and deframer.counters["framing_errors"] == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.binary(max_size=80), st.binary(min_size=1, max_size=120)), min_size=1, max_size=6))
def test_every_good_frame_survives_garbage_around_it(pieces):
    wire = b"".join(garbage + frame(payload) for garbage, payload in pieces)
    out = Deframer().feed(wire)
    assert out == [payload for _, payload in pieces]
