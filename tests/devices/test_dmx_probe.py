"""The installers' probes: exact bytes on a pty, and one clear error when a port or file is missing."""

from __future__ import annotations

import pytest

from roomcontrol.devices.probe_ambient import DeviceOpenError, probe_audio, probe_diffuser, probe_light
from tests.devices.ptyhelp import PtyDevice


def test_probe_light_sends_one_full_frame():
    dev = PtyDevice()
    try:
        res = probe_light(dev.path, 1.0, channels=(1, 2))
        assert dev.wait_for(lambda d: len(d) >= 518)
        assert dev.data() == b"\x7e\x06\x01\x02\x00\xff\xff" + bytes(510) + b"\xe7"
        assert res["dmx_value"] == 255
    finally:
        dev.close()


def test_probe_diffuser_ends_off():
    dev = PtyDevice()
    try:
        probe_diffuser(dev.path, 0.05, channel=2)
        assert dev.wait_for(lambda d: len(d) >= 12)
        assert dev.data() == bytes.fromhex("A0 02 00 A2 A0 02 01 A3 A0 02 00 A2")
    finally:
        dev.close()


def test_clear_errors(tmp_path):
    with pytest.raises(DeviceOpenError) as e:
        probe_light(str(tmp_path / "ttyNONE"), 0.5)
    assert "\n" not in str(e.value) and "ttyNONE" in str(e.value)
    with pytest.raises(DeviceOpenError):
        probe_diffuser(str(tmp_path / "ttyNONE"), 1)
    with pytest.raises(DeviceOpenError, match="no such file"):
        probe_audio(tmp_path / "missing.ogg")
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(DeviceOpenError, match="bad.ogg"):
        probe_audio(bad)


def test_probe_audio_plays_a_shipped_asset():
    from roomcontrol.devices.audio import DEFAULT_ASSETS
    res = probe_audio(DEFAULT_ASSETS / "chimes" / "end_of_infusion.ogg", seconds=0.2)
    assert res["length_s"] > 3 and res["played_s"] == 0.2
