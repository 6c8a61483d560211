"""What the execution would cost on AWS: the testing package's cost model, applied to the model.

The prices and the billing rules (retries are billed transitions; Express duration rounded up
to 100 ms at the smallest memory chunk) live in `asl_runtime.testing.cost`; this adapts a view
model, which may come from an AWS history rather than an ExecutionResult, to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from ..testing.cost import estimate


@dataclass
class _Billable:
    visits_all: list
    duration: float


def estimate_cost(model) -> float | None:
    """Dollars for this one execution (Express when its ARN says so, else Standard)."""

    kind = "EXPRESS" if ":express:" in (model.execution_arn or "") else "STANDARD"
    run = _Billable([visit for _, visit in model.walk()], model.duration or 0.0)
    return estimate(run, kind).cost
