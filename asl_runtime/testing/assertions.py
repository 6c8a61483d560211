"""Assertion helpers for tests of state machines: a failure says what differed, at which state,
and the path the execution took.

    from asl_runtime.testing import assert_path, assert_retried
    assert_path(result, ["Reserve", "Charge", "Refund", "Release", "OrderFailed"])
    assert_retried(result, "Charge", times=2, backoff=[1, 2])
"""

from __future__ import annotations

from .expectations import differences, path_differences, report


def _fail(result, problems):
    __tracebackhide__ = True
    raise AssertionError(report(result, problems))


def expect(result, **expected) -> None:
    """The suite's Expect object as keywords: expect(result, Status="FAILED", Visited=["Refund"])."""
    __tracebackhide__ = True
    problems = differences(result, expected)
    if problems:
        _fail(result, problems)


def assert_succeeded(result) -> None:
    __tracebackhide__ = True
    expect(result, Status="SUCCEEDED")


def assert_failed(result, error: str | None = None, cause: str | None = None) -> None:
    __tracebackhide__ = True
    expected = {"Status": "FAILED"}
    if error is not None:
        expected["Error"] = error
    if cause is not None:
        expected["Cause"] = cause
    expect(result, **expected)


def assert_path(result, expected: list[str]) -> None:
    """The exact states entered, in order (nested ones qualified, "Map[0]/Inner")."""
    __tracebackhide__ = True
    problems = path_differences(list(result.path), list(expected))
    if problems:
        _fail(result, problems)


def assert_path_includes(result, *names: str) -> None:
    """These states were entered in this order, others possibly between them."""
    __tracebackhide__ = True
    position = 0
    path = list(result.path)
    for name in names:
        try:
            position = next(i for i in range(position, len(path))
                            if path[i] == name or path[i].split("/")[-1] == name) + 1
        except StopIteration:
            seen = "was never entered" if not result.visits(name) else "was not entered after the states before it"
            _fail(result, [f"Path: '{name}' {seen} (expected in order: {', '.join(names)})"])


def assert_visited(result, *names: str) -> None:
    __tracebackhide__ = True
    expect(result, Visited=list(names))


def assert_not_visited(result, *names: str) -> None:
    __tracebackhide__ = True
    expect(result, NotVisited=list(names))


def assert_output(result, expected) -> None:
    __tracebackhide__ = True
    expect(result, Output=expected)


def assert_output_includes(result, part: dict) -> None:
    __tracebackhide__ = True
    expect(result, OutputIncludes=part)


def assert_retried(result, state: str, times: int | None = None, *, errors: list[str] | None = None,
                   backoff: list[float] | None = None, visit: int = 0) -> None:
    """The state's `visit`-th entry was retried `times` times, after these errors, with this back-off."""
    __tracebackhide__ = True
    visits = result.visits(state)
    if len(visits) <= visit:
        _fail(result, [f"Retry: '{state}' was entered {len(visits)} time(s); no visit #{visit}"])
    attempts = visits[visit].attempts
    retried = [a for a in attempts[:-1]]
    if times is not None and len(retried) != times:
        seen = ", ".join(a.error or "?" for a in retried) or "none"
        _fail(result, [f"Retry: '{state}' expected {times} retries, got {len(retried)} (errors: {seen})"])
    if errors is not None and [a.error for a in retried] != list(errors):
        _fail(result, [f"Retry: '{state}' expected retried errors {list(errors)}, got {[a.error for a in retried]}"])
    if backoff is not None:
        actual = [a.backoff_seconds for a in retried]
        if [round(float(x), 6) for x in actual if x is not None] != [round(float(x), 6) for x in backoff]:
            _fail(result, [f"Retry: '{state}' expected back-off {list(backoff)} s, got {actual} s"])


def assert_caught(result, state: str, error: str | None = None, next: str | None = None) -> None:
    """The state's first failure was caught (of this error, going to this Catch target)."""
    __tracebackhide__ = True
    visits = result.visits(state)
    if not visits:
        _fail(result, [f"Catch: '{state}' was never entered"])
    caught = next_visit = None
    for visit in visits:
        if visit.caught is not None:
            caught, next_visit = visit.caught, visit
            break
    if caught is None:
        statuses = ", ".join(v.status for v in visits)
        _fail(result, [f"Catch: '{state}' never had an error caught (its visits ended {statuses})"])
    problems = []
    if error is not None and caught.error != error:
        problems.append(f"Catch: '{state}' caught {caught.error}, expected {error}")
    if next is not None and caught.next != next:
        problems.append(f"Catch: '{state}' went to '{caught.next}', expected '{next}'")
    if problems:
        _fail(result, problems)
    return next_visit


def assert_no_unhandled(injections) -> None:
    """Every injected failure was recovered or caught; else the unhandled ones, with their paths."""
    __tracebackhide__ = True
    left = [i for i in injections if i.outcome == "unhandled"]
    if left:
        lines = [f"{len(left)} injected failure(s) left the execution failed:"] + [f"  {i.describe()}" for i in left]
        raise AssertionError("\n".join(lines))
