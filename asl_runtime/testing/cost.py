"""What a run would cost on AWS, and how long it took in simulated time.

Prices are AWS's public list prices for US East (N. Virginia), read from
https://aws.amazon.com/step-functions/pricing/ on 2026-12-04:
- Standard: $0.025 per 1,000 state transitions. Every state entered is a transition and "each
  retry will be charged as an additional state transition". The monthly free tier (4,000
  transitions) is not subtracted: an estimate is per run, not per bill.
- Express: $1.00 per million requests, plus duration at $0.00001667 per GB-second (the first
  1,000 GB-hours a month), the duration rounded up to the next 100 ms and memory billed in 64 MB
  chunks; an estimate assumes the smallest chunk, which small payloads fit in.
Other regions and volume tiers differ; pass a `Prices` to use yours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Prices:
    """List prices in US dollars (US East (N. Virginia), 2026-12-04)."""

    standard_per_transition: float = 0.025 / 1000
    express_per_request: float = 1.00 / 1_000_000
    express_per_gb_second: float = 0.00001667
    express_memory_gb: float = 64 / 1024
    region: str = "us-east-1"
    as_of: str = "2026-12-04"


PRICES = Prices()


@dataclass(frozen=True)
class Estimate:
    """One run (or a sum of runs): billed units, dollars, and the simulated critical-path seconds."""

    type: str
    executions: int
    transitions: int         # billed: states entered plus retries
    duration: float          # simulated seconds (the critical path; branches overlap)
    billed_duration: float   # Express: rounded up to 100 ms per execution
    cost: float              # US dollars

    def __add__(self, other: "Estimate") -> "Estimate":
        kind = self.type if self.type == other.type else "MIXED"
        return Estimate(kind, self.executions + other.executions, self.transitions + other.transitions,
                        self.duration + other.duration, self.billed_duration + other.billed_duration,
                        self.cost + other.cost)

    def per_million(self) -> float:
        """Dollars for a million executions like these."""
        return self.cost / self.executions * 1_000_000 if self.executions else 0.0

    def to_dict(self) -> dict:
        return {"type": self.type, "executions": self.executions, "transitions": self.transitions,
                "duration_seconds": round(self.duration, 6), "billed_duration_seconds": round(self.billed_duration, 1),
                "cost_usd": round(self.cost, 9), "cost_per_million_usd": round(self.per_million(), 4),
                "prices": {"region": PRICES.region, "as_of": PRICES.as_of}}


ZERO = Estimate("STANDARD", 0, 0, 0.0, 0.0, 0.0)


def billed_transitions(result) -> int:
    """States entered plus retries, as AWS bills a Standard execution."""
    visits = result.visits_all
    return len(visits) + sum(max(0, len(v.attempts) - 1) for v in visits)


def estimate(result, type: str = "STANDARD", prices: Prices = PRICES) -> Estimate:
    """The estimate for one ExecutionResult, run as `type` (STANDARD or EXPRESS)."""
    kind = (type or "STANDARD").upper()
    transitions = billed_transitions(result)
    duration = max(0.0, float(result.duration or 0.0))
    if kind == "EXPRESS":
        billed = max(0.1, math.ceil(round(duration * 10, 6)) / 10)
        cost = prices.express_per_request + billed * prices.express_memory_gb * prices.express_per_gb_second
        return Estimate(kind, 1, transitions, duration, billed, cost)
    return Estimate(kind, 1, transitions, duration, 0.0, transitions * prices.standard_per_transition)


def describe(total: Estimate) -> str:
    """One line for people: "12 transitions, $0.000300 (≈ $300.00 per million runs), 3.0 s simulated"."""
    if not total.executions:
        return "no runs"
    head = f"{total.executions} run{'s' if total.executions != 1 else ''}, {total.transitions} transitions"
    if total.type == "EXPRESS":
        head += f", {total.billed_duration:.1f} s billed"
    return (f"{head}: ${total.cost:.6f} as {total.type} in {PRICES.region} (≈ ${total.per_million():,.2f} per "
            f"million such runs); {total.duration:,.1f} s simulated")
