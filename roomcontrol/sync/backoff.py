"""How long the pusher waits after a failed drain (issue 13: never stalled): exponential with jitter, so rooms
that lost the hub together do not return in lockstep. Offline it is capped at seconds (each try is one cheap
empty-batch probe until the hub answers, so a returning hub has the backlog within ~10 s); refused (the hub is
up and said no) it grows to a minute, retrying without hammering the hub."""

from __future__ import annotations

import random

from roomcontrol.sync import status as S

BACKOFF_MAX_S = 8.0           # offline: probe at most this far apart
REFUSED_BACKOFF_MAX_S = 60.0  # refused: retry, but without hammering the hub


class PushBackoff:
    """The waits after consecutive failures: `base_s` doubling up to the cap, each between half the cap and the
    cap. `waits` keeps the latest 100 chosen (for tests and benchmarks: the back-off schedule)."""

    def __init__(self, base_s: float = 1.0, max_s: float = BACKOFF_MAX_S):
        self.base_s = base_s
        self.max_s = max_s
        self.failures = 0
        self.waits: list[float] = []

    def next(self, state: str = S.OFFLINE) -> float:
        """One more failure (in `state`): the wait before the next try."""
        self.failures += 1
        top = self.max_s if state != S.REFUSED else max(self.max_s, REFUSED_BACKOFF_MAX_S)
        cap = min(top, self.base_s * 2 ** min(self.failures - 1, 30))
        wait = cap / 2 + random.uniform(0, cap / 2)
        self.waits = [*self.waits[-99:], wait]
        return wait

    def reset(self) -> None:
        """The hub answered: the next failure starts again from `base_s`."""
        self.failures = 0
