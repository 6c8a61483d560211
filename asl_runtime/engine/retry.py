"""Retrier and Catcher matching and back-off, with AWS's rules for the wildcard error names."""

from __future__ import annotations

import random

from ..errors import ALL, HEARTBEAT_TIMEOUT, RUNTIME, TASK_FAILED, TIMEOUT

#: Terminal errors: no Retrier or Catcher matches them, not even by name.  (An oversized state
#: output is terminal too, but by where it is raised: after Retry/Catch.  An oversized Task result
#: is raised inside the Task and AWS does let Catch see it.)
UNCATCHABLE = frozenset({RUNTIME})


def error_matches(error_equals, error: str) -> bool:
    if error in UNCATCHABLE:
        return False
    for name in error_equals:
        if name == error or name == ALL:
            return True
        if name == TASK_FAILED and error not in (TIMEOUT, HEARTBEAT_TIMEOUT):
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False


def find_retrier(retriers, error: str):
    """Index of the first Retrier whose ErrorEquals matches, or None."""
    for i, r in enumerate(retriers):
        if error_matches(r.error_equals, error):
            return i
    return None


def find_catcher(catchers, error: str):
    for c in catchers:
        if error_matches(c.error_equals, error):
            return c
    return None


def retry_delay(retrier, attempt: int, rng: random.Random = random) -> float:
    """Seconds before retry number `attempt` (0-based): interval * rate^attempt, capped, jittered."""
    delay = retrier.interval_seconds * (retrier.backoff_rate ** attempt)
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL":
        delay = rng.uniform(0, delay)
    return delay
