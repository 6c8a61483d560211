"""Comparing what ran with what a test expects, in sentences that say where the run went its own way.

One comparison serves both `asl test` suites (their "Expect" object) and the assertion helpers of
the pytest plugin: every difference names the field, the expected and actual values, and the state
responsible (the one that failed, or the one that wrote the differing part of the output); the
path taken follows.
"""

from __future__ import annotations

import json

#: The keys an "Expect" object may hold.
EXPECT_KEYS = ("Status", "Error", "Cause", "Path", "Visited", "NotVisited", "Attempts", "Output", "OutputIncludes")
_MISSING = object()
_MAX_OUTPUT_DIFFS = 5


def differences(result, expect: dict) -> list[str]:
    """Every way `result` departs from `expect` (an "Expect" object); [] when it matches."""
    out: list[str] = []
    if "Status" in expect and result.status != expect["Status"]:
        out.append(f"Status: expected {expect['Status']}, got {result.status}{_failure_note(result)}")
    for key, actual in (("Error", result.error), ("Cause", result.cause)):
        if key in expect and actual != expect[key]:
            out.append(f"{key}: expected {_show(expect[key])}, got {_show(actual)}{_failure_note(result)}")
    if "Path" in expect:
        out += path_differences(result.path, list(expect["Path"]))
    for name in expect.get("Visited", ()):
        if not result.visits(name):
            out.append(f"Visited: '{name}' was never entered")
    for name in expect.get("NotVisited", ()):
        visits = result.visits(name)
        if visits:
            step = result.path.index(visits[0].qualified_name) + 1 if visits[0].qualified_name in result.path else "?"
            out.append(f"NotVisited: '{name}' was entered (step {step})")
    for name, count in (expect.get("Attempts") or {}).items():
        visits = result.visits(name)
        if not visits:
            out.append(f"Attempts: '{name}' was never entered")
            continue
        actual = len(visits[0].attempts)
        if actual != count:
            errors = [a.error for a in visits[0].attempts if a.error]
            out.append(f"Attempts: '{name}' expected {count} attempt(s), got {actual}"
                       + (f" (errors: {', '.join(errors)})" if errors else ""))
    if "Output" in expect:
        out += _output_differences(result, expect["Output"], subset=False, label="Output")
    if "OutputIncludes" in expect:
        out += _output_differences(result, expect["OutputIncludes"], subset=True, label="OutputIncludes")
    return out


def path_differences(actual: list[str], expected: list[str]) -> list[str]:
    """Where two paths part: the first differing step, or which one is longer."""
    if actual == expected:
        return []
    for step, (want, got) in enumerate(zip(expected, actual), start=1):
        if want != got:
            return [f"Path: at step {step} expected '{want}', got '{got}'"]
    if len(actual) < len(expected):
        return [f"Path: the run stopped after step {len(actual)}; expected next "
                f"{', '.join(repr(s) for s in expected[len(actual):])}"]
    return [f"Path: the run went on after step {len(expected)} with "
            f"{', '.join(repr(s) for s in actual[len(expected):])}"]


def describe_path(result) -> str:
    """`A → B → C (SUCCEEDED)`, or with the error of a failed run."""
    path = " → ".join(result.path) or "(no state entered)"
    tail = result.status if not result.error else f"{result.status}: {result.error}"
    return f"{path} ({tail})"


def report(result, problems: list[str]) -> str:
    """The text of a failed expectation: the differences, then the path taken."""
    return "\n".join(problems + [f"path taken: {describe_path(result)}"])


# --------------------------------------------------------------------------- output
def _output_differences(result, expected, subset: bool, label: str) -> list[str]:
    found = list(_diff(expected, result.output, "", subset))
    out = []
    for ptr, want, got in found[:_MAX_OUTPUT_DIFFS]:
        where = ptr or "/"
        got_text = "nothing" if got is _MISSING else _show(got)
        want_text = "nothing" if want is _MISSING else _show(want)
        out.append(f"{label} at {where}: expected {want_text}, got {got_text}{_writer_note(result, ptr)}")
    if len(found) > _MAX_OUTPUT_DIFFS:
        out.append(f"{label}: {len(found) - _MAX_OUTPUT_DIFFS} more difference(s)")
    return out


def _diff(expected, actual, ptr: str, subset: bool):
    """(pointer, expected, actual) for each differing leaf; `subset` ignores extra keys in actual."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            child = f"{ptr}/{_escape(key)}"
            if key not in actual:
                yield child, value, _MISSING
            else:
                yield from _diff(value, actual[key], child, subset)
        if not subset:
            for key in actual:
                if key not in expected:
                    yield f"{ptr}/{_escape(key)}", _MISSING, actual[key]
        return
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (want, got) in enumerate(zip(expected, actual)):
            yield from _diff(want, got, f"{ptr}/{index}", subset)
        return
    if not _same(expected, actual):
        yield ptr, expected, actual


def _same(a, b) -> bool:
    # JSON equality: True is not 1, 1 equals 1.0
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _at(value, ptr: str):
    for part in [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _writer_note(result, ptr: str) -> str:
    """Which top-level state last changed the value at `ptr` (the one to look at)."""
    writer = None
    for visit in result.visits_all:
        if visit.scope or visit.output is None:
            continue
        before, after = _at(visit.input, ptr), _at(visit.output, ptr)
        if before is _MISSING and after is _MISSING:
            continue
        if before is _MISSING or after is _MISSING or not _same(before, after):
            writer = visit.name
    return f" (written by state '{writer}')" if writer else ""


def _failure_note(result) -> str:
    failed = [v for v in result.visits_all if v.status == "FAILED"]
    if not failed:
        return ""
    visit = failed[0]
    last = visit.attempts[-1] if visit.attempts else None
    error = last.error if last is not None and last.error else result.error
    return f" (state '{visit.qualified_name}' failed with {error})"


def _escape(key) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
