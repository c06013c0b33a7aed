"""The room screen: a real display, large enough for the room's layout."""

from __future__ import annotations

from roomcontrol.host.checks.result import OK, WARN, Check

MIN_SCREEN = (1024, 600)  # logical pixels the room screen's layout needs (designed at 1280×800)


def check_display(facts: dict | None, headless: bool) -> Check:
    """`facts`: {"platform": Qt platform, "screens": [{"name", "width", "height", "scale"}]} (logical pixels).
    Without a display a headless room is fine (OK, --headless); a room app needs one (WARN)."""
    if headless:
        return Check("display", OK, "not needed (--headless: the room runs without a screen)")
    if facts is None:
        return Check("display", WARN, "no display (DISPLAY/WAYLAND_DISPLAY unset): the screen was not checked",
                     "run doctor from the room's desktop session (or --headless for a room without a screen)")
    if facts["platform"] in ("offscreen", "minimal") or not facts["screens"]:
        return Check("display", WARN, f"no real display (Qt platform {facts['platform']})",
                     "run doctor from the room's desktop session")
    screens = facts["screens"]
    main = screens[0]
    w, h, scale = main["width"], main["height"], main["scale"]
    text = (f"{main['name']}: {round(w * scale)}×{round(h * scale)} px at scale {scale:g} ({w}×{h} logical)"
            + (f", {len(screens)} screens" if len(screens) > 1 else ""))
    if w < MIN_SCREEN[0] or h < MIN_SCREEN[1]:
        return Check("display", WARN, text + f": smaller than the {MIN_SCREEN[0]}×{MIN_SCREEN[1]} the room needs",
                     "lower the display scale or use a larger screen")
    return Check("display", OK, text)
