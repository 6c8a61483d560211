"""What ran, as data: one Visit per entry into a state, with its attempts and how it ended.

The engine keeps a plain tuple per visit (references only: `run_state` must stay cheap) and the
Visit objects are built from those when someone asks (`ExecutionResult.visits_all`).  A record is
(order, state, scope, input, output, status, entered, left, tries, last_attempt_started, caught,
choice_rule, next, failure): `tries` lists the retried attempts as (error, cause, backoff,
started, ended) or is None; `caught` is (error, cause, catcher_index) or None; `failure` is the
last attempt's (error, cause) or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Attempt:
    error: str | None            # None for the attempt that succeeded
    cause: str | None
    backoff_seconds: float | None  # the delay before the next attempt; None on the last
    started: float
    ended: float


@dataclass(frozen=True)
class Caught:
    error: str
    cause: str | None
    catcher_index: int
    next: str


@dataclass(frozen=True)
class Visit:
    name: str
    qualified_name: str           # "Map[3]/Inner", "Outer[0]/Inner[2]/X"; the name at top level
    type: str
    scope: tuple                  # (("Map", name, index) | ("Parallel", name, index), ...)
    input: Any
    output: Any                   # None unless it left normally (SUCCEEDED or CAUGHT)
    status: str                   # "SUCCEEDED" | "CAUGHT" | "FAILED" | "ABORTED"
    entered: float
    left: float
    attempts: list[Attempt]
    caught: Caught | None
    choice_rule: int | None       # the matched rule's index, -1 for Default, None if not a Choice
    next: str | None


def qualified_name(scope: tuple, name: str) -> str:
    """The state's name inside its Map iterations and Parallel branches: "Map[3]/Inner"."""
    if not scope:
        return name
    return "/".join(f"{step[1]}[{step[2]}]" for step in scope) + "/" + name


def visits_from(records) -> list[Visit]:
    """Visit objects for the engine's records, in the order the states were entered."""
    return [_visit(r) for r in sorted(records, key=_order)]


def _order(record) -> int:
    return record[0]


def _visit(record) -> Visit:
    (_, state, scope, input_, output, status, entered, left, tries, last_started, caught, rule, next_,
     failure) = record
    attempts = [Attempt(e, c, backoff, s, t) for e, c, backoff, s, t in tries or ()]
    error, cause = failure if failure is not None else (None, None)
    attempts.append(Attempt(error, cause, None, last_started, left))
    return Visit(
        name=state.name, qualified_name=qualified_name(scope, state.name), type=state.type, scope=scope,
        input=input_, output=output, status=status, entered=entered, left=left, attempts=attempts,
        caught=None if caught is None else Caught(caught[0], caught[1], caught[2], next_),
        choice_rule=rule, next=next_)


def coverage_key(record) -> tuple:
    """What a record tells coverage (testing/coverage.py): records with one key add nothing to it."""
    tries, caught = record[8], record[10]
    return (id(record[1]), record[5], record[11], record[12], caught[2] if caught is not None else None,
            tuple(t[0] for t in tries) if tries else None)


def thin(records: list, start: int, limit: int) -> None:
    """Past `limit` records after `start`, drop those in the middle that add nothing to coverage:
    the first and latest quarter of the limit stay whole, and one record per coverage key."""
    if len(records) - start <= limit:
        return
    keep = limit // 4
    low, high = start + keep, len(records) - keep
    seen = {coverage_key(r) for r in records[start:low]}
    seen.update(coverage_key(r) for r in records[high:])
    middle = []
    for record in records[low:high]:
        key = coverage_key(record)
        if key not in seen:
            seen.add(key)
            middle.append(record)
    records[low:high] = middle
