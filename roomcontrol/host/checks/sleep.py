"""The PC must not sleep nor blank the screen during a session: the sleep inhibit, taken and given back."""

from __future__ import annotations

from typing import Any

from roomcontrol.host.checks.result import OK, WARN, Check


def check_sleep(inhibit_kwargs: dict[str, Any]) -> Check:
    from roomcontrol.host.inhibit import probe
    state = probe(**inhibit_kwargs)
    if state.sleep_blocked:
        return Check("sleep", OK, state.describe())
    return Check("sleep", WARN, state.describe(),
                 "set the PC's power plan to never sleep nor blank the screen, or run the room in a desktop "
                 "session with D-Bus and systemd-logind")
