"""ENTTEC DMX USB Pro frames byte for byte over a pseudo-terminal, and the perceptual fades on a FakeClock."""

from __future__ import annotations

import os
import threading

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.domain.vitals import Health
from roomcontrol.devices.lighting import EnttecDmxPro, LightingConfig, SimulatedLighting, Zone, dmx_frame
from roomcontrol.domain import brightness as b
from tests.devices.ptyhelp import PtyDevice

FRAME_LEN = 4 + 513 + 1

CONFIG = LightingConfig.from_dict({
    "zones": {
        "ceiling": {"kind": "dimmer", "channel": 1},
        "spots": {"kind": "tunable_white", "channel": 5},
        "cove": {"kind": "rgb", "channels": [510, 511, 512]},
    },
    "refresh_hz": 30, "keepalive_s": 0.2,
})


def frames(data: bytes) -> list[bytes]:
    """Split a byte stream into DMX Pro messages, asserting the layout of every complete one."""
    out = []
    i = 0
    assert not data or data[0] == 0x7E, f"stream must start on a frame boundary, got {data[:8].hex()}"
    while len(data) - i >= FRAME_LEN:
        f = data[i:i + FRAME_LEN]
        assert f[0] == 0x7E and f[1] == 6 and f[2] == 0x01 and f[3] == 0x02, f[:5].hex()
        assert f[4] == 0x00, "DMX start code"
        assert f[-1] == 0xE7
        out.append(f[5:5 + 512])
        i += FRAME_LEN
    return out


def test_frame_layout_byte_for_byte():
    universe = bytes(range(256)) * 2
    frame = dmx_frame(universe)
    assert frame == b"\x7e\x06\x01\x02\x00" + universe + b"\xe7"
    assert len(frame) == 518
    assert dmx_frame(b"\x10\x20") == b"\x7e\x06\x01\x02\x00\x10\x20" + bytes(510) + b"\xe7"
    with pytest.raises(ValueError):
        dmx_frame(bytes(513))


def test_config_from_dict_maps_channels():
    assert CONFIG.zone("spots").channels == (5, 6)
    assert CONFIG.zone("cove").channels == (510, 511, 512)
    with pytest.raises(ValueError, match="used by both"):
        LightingConfig.from_dict({"zones": {"a": {"channel": 1}, "b": {"kind": "rgb", "channel": 1}}})
    with pytest.raises(ValueError):
        LightingConfig(zones=(Zone("x", "rgb", (511, 512, 513)),))


def test_driver_writes_whole_universe_on_a_pty():
    dev = PtyDevice()
    health = []
    light = EnttecDmxPro(dev.path, CONFIG, on_health=health.append).start()
    try:
        light.set_level("ceiling", 1.0)
        light.set_level("spots", 0.5, color=(1.0,))          # all warm
        light.set_level("cove", 1.0, color=(1.0, 0.0, 0.5))
        want = bytearray(512)
        want[0] = 255
        want[4], want[5] = b.level_to_dmx(0.5), 0            # 0.5 L* -> Y 0.184 -> 47
        want[509], want[510], want[511] = 255, 0, 128
        got = dev.wait_for(lambda d: bytes(want) in frames(d[: len(d) - len(d) % FRAME_LEN]))
        assert got, "expected universe never arrived"
        assert want[4] == 47
        all_frames = frames(dev.data()[: len(dev.data()) // FRAME_LEN * FRAME_LEN])
        assert all(len(u) == 512 for u in all_frames)
        # idle keep-alive keeps resending the same universe
        n = len(all_frames)
        assert dev.wait_for(lambda d: len(d) // FRAME_LEN >= n + 2)
        assert health[0].health is Health.CONNECTING and health[-1].health is Health.OK
    finally:
        light.close()
        dev.close()


def test_fade_is_monotonic_steady_and_on_time():
    clock = FakeClock()
    light = SimulatedLighting(CONFIG, clock=clock)
    light.step()
    light.fade_to("ceiling", 1.0, seconds=10.0)
    t0 = clock.monotonic()
    values, levels = [], []
    while clock.monotonic() - t0 <= 10.5:
        delay = light.step()
        assert delay == pytest.approx(1 / 30) or clock.monotonic() - t0 >= 10.0
        values.append(light.last_universe[0])
        levels.append(light.level("ceiling"))
        clock.advance(1 / 30)
    assert values == sorted(values), "DMX values must never go down during an upward fade"
    assert values[0] == 0 and values[-1] == 255
    first_full = values.index(255)
    assert 9.8 <= first_full / 30 <= 10.05, "the fade reaches full at its end, not before"
    # steady in perceptual space: equal level steps per frame
    steps = [round(b - a, 6) for a, b in zip(levels, levels[1:300])]
    assert max(steps) - min(steps) < 1e-6
    # perceptual, not linear: half time gives L* 50 = 18 % luminance
    assert values[150] == pytest.approx(b.level_to_dmx(0.5), abs=1) and values[150] < 60
    assert not light.is_fading()


def test_new_command_cancels_a_fade_without_a_jump():
    clock = FakeClock()
    light = SimulatedLighting(CONFIG, clock=clock)
    light.fade_to("ceiling", 1.0, seconds=4.0)
    for _ in range(60):                     # 2 s in
        light.step()
        clock.advance(1 / 30)
    mid = light.level("ceiling")
    assert 0.45 < mid < 0.55
    light.fade_to("ceiling", 0.0)            # at the default steady rate: 0.2/s -> ~2.5 s
    seen = []
    for _ in range(120):
        light.step()
        seen.append(light.level("ceiling"))
        clock.advance(1 / 30)
    assert seen[0] == pytest.approx(mid, abs=1e-9)
    assert seen == sorted(seen, reverse=True)
    assert seen[-1] == 0.0 and light.last_universe[0] == 0
    assert seen.index(0.0) / 30 == pytest.approx(mid / 0.2, abs=0.05)


def test_scene_moves_colour_with_level_and_gamma_option():
    clock = FakeClock()
    cfg = LightingConfig(zones=CONFIG.zones, curve=b.GAMMA22)
    light = SimulatedLighting(cfg, clock=clock)
    light.apply({"cove": (1.0, (0.0, 0.0, 1.0)), "spots": (1.0, (0.0,))}, seconds=2.0)
    clock.advance(2.0)
    light.step()
    assert light.last_universe[509:512] == bytes([0, 0, 255])
    assert light.last_universe[4:6] == bytes([0, 255])
    light.set_level("ceiling", 0.5)
    light.step()
    assert light.last_universe[0] == round(0.5 ** 2.2 * 255)
    light.blackout()
    light.step()
    assert light.last_universe == bytes(512)


def test_commands_never_block_while_the_port_is_stuck(tmp_path):
    light = EnttecDmxPro(str(tmp_path / "no-such-port"), CONFIG, backoff_initial=0.05, backoff_max=0.1).start()
    try:
        done = threading.Event()

        def spam():
            for i in range(1000):
                light.fade_to("ceiling", (i % 10) / 10, seconds=1.0)
            done.set()
        threading.Thread(target=spam, daemon=True).start()
        assert done.wait(10)
    finally:
        light.close()


def test_reconnects_with_backoff_after_the_port_is_lost(tmp_path):
    link = tmp_path / "ttyDMX"
    health = []
    light = EnttecDmxPro(str(link), CONFIG, on_health=health.append, backoff_initial=0.05, backoff_max=0.2).start()
    dev1 = dev2 = None
    try:
        light.set_level("ceiling", 0.8)
        assert PtyDevice.wait_until(lambda: any(h.health is Health.LOST for h in health))
        dev1 = PtyDevice()
        os.symlink(dev1.path, link)
        assert dev1.wait_for(lambda d: len(d) >= FRAME_LEN)
        assert health[-1].health is Health.OK
        dev1.close()                                        # unplugged
        assert PtyDevice.wait_until(lambda: health[-1].health is Health.LOST)
        dev2 = PtyDevice()
        os.unlink(link)
        os.symlink(dev2.path, link)                         # plugged back in
        assert dev2.wait_for(lambda d: len(d) >= FRAME_LEN)
        assert PtyDevice.wait_until(lambda: health[-1].health is Health.OK)
        assert frames(dev2.data()[:FRAME_LEN])[0][0] == b.level_to_dmx(0.8)
        kinds = [h.health for h in health]
        assert kinds[:2] == [Health.CONNECTING, Health.LOST]
        assert kinds.count(Health.OK) == 2
    finally:
        light.close()
        for d in (dev1, dev2):
            if d:
                d.close()
