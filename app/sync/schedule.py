"""When to try again: exponential backoff with jitter while the server is unreachable.

The UI's timer (and any other loop) asks :class:`Backoff` how long to wait after each
round. A completed round resets it to the normal interval; each failed one doubles
the wait up to a ceiling, with "full jitter" so a county's stations coming back
online together do not all knock at the same second.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEFAULT_INTERVAL = 300.0  # seconds between rounds while all is well
FIRST_RETRY = 5.0
MAX_RETRY = 600.0


@dataclass
class Backoff:
    """Delays between sync rounds; ``rng`` is injectable so tests are exact."""

    interval: float = DEFAULT_INTERVAL
    first_retry: float = FIRST_RETRY
    ceiling: float = MAX_RETRY
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def after_success(self) -> float:
        """Back to the normal interval."""
        self.failures = 0
        return self.interval

    def after_failure(self) -> float:
        """The next wait: a random time up to first_retry * 2^failures, capped."""
        cap = min(self.ceiling, self.first_retry * (2 ** self.failures))
        self.failures += 1
        return self.first_retry / 2 + self.rng.uniform(0, max(0.0, cap - self.first_retry / 2))

    def next_delay(self, *, ok: bool, unreachable: bool) -> float:
        """Delay after a round: backoff only for unreachable servers; other errors
        (credential revoked, upgrade needed) wait the normal interval, since retrying
        sooner cannot help."""
        if ok or not unreachable:
            return self.after_success()
        return self.after_failure()
