"""The clinic station page served by the hub: `GET /station`, its static files and the alarm melodies.

The page is plain HTML/CSS/JS shipped in the package (roomcontrol/sync/hub/station/): no build step, no CDN,
nothing fetched at install time. It talks to the hub's station API and WebSocket (docs/STATION.md), which the
hub's own modules serve; this module only hands out the page, its files and `tones.json`.

`tones.json` is computed from the room's own `roomcontrol.domain.tones` patterns, so the browser plays the very
pulse trains the room plays (IEC 60601-1-8 priority melodies), synthesized with Web Audio from the same numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from roomcontrol.domain import tones, wording
from roomcontrol.domain.vitals import MONITOR
from roomcontrol.domain.vitals.tiles import TILES

STATIC_DIR = Path(__file__).with_name("station")
# The room repeats the call chime this often while a call waits (engine/devices.py CALL_CHIME_EVERY_S); the
# station keeps the same rhythm. (sync sits below engine in the layers, so the number is restated here.)
CALL_CHIME_EVERY_S = 10.0

# Everything from the hub itself: no inline script or style, no other origin; frame-ancestors keeps the page out
# of other pages. connect-src names the page's own WebSocket origin too: CSP Level 3 lets 'self' cover it, older
# browsers (Safari before 15.4) do not.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{ws}; "
       "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")  # a host[:port], nothing else
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # a new version of the hub serves a new page at once
}


def _pattern_json(p: tones.TonePattern) -> dict[str, Any]:
    return {
        "fundamental_hz": p.fundamental_hz,
        # harmonic n at 1/sqrt(n), as tones.harmonic_wave (then peak-normalized there; the page normalizes too)
        "harmonics": [round(1 / n ** 0.5, 6) for n in range(1, p.harmonics + 1)],
        "onsets_s": [round(t, 6) for t in p.onsets()],
        "td_s": p.td, "rise_s": round(p.tr, 6), "fall_s": round(p.tf, 6),
        "pulse_s": round(p.pulse_length, 6),
        "burst_s": round(p.burst_length, 6),
        "interburst_s": p.interburst,
        "period_s": round(p.burst_length + p.interburst, 6),
    }


@lru_cache(maxsize=1)
def tones_json() -> dict[str, Any]:
    """The melodies as numbers the page's synthesizer reads (one source: roomcontrol.domain.tones)."""
    return {
        "source": "roomcontrol.domain.tones (IEC 60601-1-8 style priority melodies)",
        "alarms": {name: _pattern_json(p) for name, p in tones.PATTERNS.items()},
        "call": {"notes_hz": list(tones.CALL_NOTES_HZ), "note_gap_s": tones.CALL_NOTE_GAP_S,
                 "decay_per_s": 2.2, "octave_gain": 0.18, "seconds": 2.0, "every_s": CALL_CHIME_EVERY_S},
    }


@lru_cache(maxsize=1)
def labels_json() -> dict[str, Any]:
    """The room's words for phases and devices, and which vitals kinds each tile shows (an alarm's condition
    `spo2.low` marks the SpO2 tile), so the station says things as the room does."""
    return {
        "phases": dict(wording.PHASE_LABELS),
        "devices": dict(wording.DEVICE_LABELS),
        "monitor": MONITOR,  # the subject of the monitor's own technical alarms (lost, sensor off)
        "tiles": {key: {"kinds": sorted(t.kinds), "monitor_alarms": t.monitor_alarms} for key, t in TILES.items()},
    }


def mount_station(app: FastAPI) -> None:
    """Add `GET /station`, `/station/static/...`, `/station/tones.json` and `/station/labels.json` to the hub's
    app."""

    @app.get("/station", include_in_schema=False)
    def station_page(request: Request) -> FileResponse:
        host = request.headers.get("host", "")
        ws = f" {'wss' if request.url.scheme == 'https' else 'ws'}://{host}" if HOST_RE.match(host) else ""
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8",
                            headers={**PAGE_HEADERS, "Content-Security-Policy": CSP.format(ws=ws)})

    @app.get("/station/tones.json", include_in_schema=False)
    def station_tones() -> JSONResponse:
        return JSONResponse(tones_json(), headers={"Cache-Control": "no-cache"})

    @app.get("/station/labels.json", include_in_schema=False)
    def station_labels() -> JSONResponse:
        return JSONResponse(labels_json(), headers={"Cache-Control": "no-cache"})

    app.mount("/station/static", StaticFiles(directory=STATIC_DIR), name="station-static")
