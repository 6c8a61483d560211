"""What the execution would cost on AWS: list prices of us-east-1, before the free tier.

Standard workflows pay per state transition, and each retry is charged as one more; Express
workflows pay per request plus duration (rounded up to 100 ms) times memory, billed in 64 MB
chunks (taken here at the 64 MB minimum). A small stand-in: the testing package's cost model
may replace it.
"""

from __future__ import annotations

import math

STANDARD_PER_TRANSITION = 0.000025      # $0.025 per 1,000 state transitions
EXPRESS_PER_REQUEST = 0.000001          # $1.00 per million requests
EXPRESS_PER_GB_SECOND = 0.00001667
EXPRESS_MIN_GB = 64 / 1024


def billed_transitions(model) -> int:
    """States entered plus retries: what AWS bills a Standard execution for."""
    retries = sum(max(0, len(v.attempts) - 1) for _, v in model.walk())
    return model.transitions + retries


def estimate_cost(model) -> float | None:
    """Dollars for this one execution, or None when its type is unknown and it has no states."""
    arn = model.execution_arn or ""
    if ":express:" in arn:
        duration = model.duration or 0.0
        billed = math.ceil(duration * 10) / 10
        return EXPRESS_PER_REQUEST + billed * EXPRESS_MIN_GB * EXPRESS_PER_GB_SECOND
    return billed_transitions(model) * STANDARD_PER_TRANSITION
