"""Failure injection: make each Task, Map and Parallel fail with each error it should survive, and
report whether the machine recovered, caught it (and which states ran after), or failed.

This is the saga practice "inject a failure at each step and check the compensation runs", made
one call. For each such state the errors are those its Retry and Catch name (States.ALL is a
pattern, not an error, so it is not thrown), States.TaskFailed, States.Timeout and, for a Lambda
Task or a Map/Parallel (whose body may call Lambda), Lambda.ServiceException. Each error is injected
alone, into one state per run, failing attempts 1 to N for every N from 1 to the attempts its
Retry allows plus one (so the last run exhausts the retries); the attempt after the injected ones
runs normally. `attempt` in a report is that N.

A Task is made to fail with `run(mocks={STATE: [Throw, ..., PassThrough]})`. A Map or Parallel is
made to fail from inside: a copy of the definition starts its first branch (or its iteration body)
with a Task that throws, mocked the same way; the error leaves the body as that error, as a failed
branch or iteration does. The injected Task never appears in a reported path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..integrations.mocks import PASS_THROUGH
from .coverage import retrier_for

LAMBDA_SERVICE_ERROR = "Lambda.ServiceException"
ALWAYS = ("States.TaskFailed", "States.Timeout")
OUTCOMES = ("recovered", "caught", "unhandled")
_INJECTED_RESOURCE = "arn:aws:lambda:us-east-1:123456789012:function:asl-injected-failure"
_CAUSE = "injected by asl-runtime failure injection"


@dataclass
class Injection:
    """One injected failure and what the machine did with it."""

    state: str
    error: str
    attempt: int                 # attempts 1..attempt failed with `error`
    outcome: str                 # "recovered" | "caught" | "unhandled"
    catch_target: str | None     # the Catch's Next, when caught
    path: list[str] = field(default_factory=list)
    status: str = ""
    caught_by: str | None = None   # the state whose Catch took it (the state itself or an enclosing one)
    compensation: list[str] = field(default_factory=list)  # the states entered after that Catch
    case: str | None = None        # the suite case (or run) the injection started from

    def to_dict(self) -> dict:
        out = {"state": self.state, "error": self.error, "attempt": self.attempt, "outcome": self.outcome,
               "catch_target": self.catch_target, "path": self.path, "status": self.status}
        if self.caught_by is not None:
            out["caught_by"] = self.caught_by
            out["compensation"] = self.compensation
        if self.case is not None:
            out["case"] = self.case
        return out

    def describe(self) -> str:
        head = f"{self.state} ✗ {self.error} ×{self.attempt}: {self.outcome}"
        if self.outcome == "caught":
            head += f" by {self.caught_by}, compensation {' → '.join(self.compensation) or '(none)'}"
        return f"{head}; then {' → '.join(self.path)} ({self.status})"


@dataclass(frozen=True)
class Point:
    """Where and what to inject: a state, its type, the errors, and attempts per error."""

    state: str
    type: str
    errors: tuple[str, ...]
    attempts: dict          # error -> most attempts the state makes for it (1 + its retrier's MaxAttempts)
    pointer: tuple          # path of keys to the state in the definition


def points(definition: dict) -> list[Point]:
    """Every Task, Map and Parallel, nested ones included, with what to inject there."""
    out = []
    for name, body, ptr in _states(definition, ()):
        kind = body.get("Type")
        if kind not in ("Task", "Map", "Parallel"):
            continue
        named = [e for group in (body.get("Retry") or []) + (body.get("Catch") or [])
                 if isinstance(group, dict) for e in group.get("ErrorEquals") or () if e != "States.ALL"]
        extra = list(ALWAYS)
        if kind != "Task" or _is_lambda(body):
            extra.append(LAMBDA_SERVICE_ERROR)
        errors = tuple(dict.fromkeys(named + extra))
        retriers = tuple(tuple(r.get("ErrorEquals") or ()) for r in body.get("Retry") or () if isinstance(r, dict))
        attempts = {}
        for error in errors:
            index = retrier_for(retriers, error)
            retrier = body["Retry"][index] if index is not None else {}
            most = retrier.get("MaxAttempts", 3) if index is not None else 0
            attempts[error] = 1 + (int(most) if isinstance(most, int) else 0)
        out.append(Point(name, kind, errors, attempts, ptr))
    return out


def _states(scope: dict, at: tuple):
    for name, body in (scope.get("States") or {}).items():
        if not isinstance(body, dict):
            continue
        yield name, body, at + ("States", name)
        for i, branch in enumerate(body.get("Branches") or ()):
            if isinstance(branch, dict):
                yield from _states(branch, at + ("States", name, "Branches", i))
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(body.get(key), dict):
                yield from _states(body[key], at + ("States", name, key))


def _is_lambda(body: dict) -> bool:
    resource = str(body.get("Resource", ""))
    return ":lambda:" in resource and ":function:" in resource or resource.endswith(":lambda:invoke")


# --------------------------------------------------------------------------- one injection
#: Far more invocations than any test makes: "from here on" in a mocked response's key.
_EVER = 99_999_999


def throwing(error: str, failures: int, then=None) -> dict:
    """Mocked responses: the first `failures` invocations throw the error, every later one gets
    `then` (a response; the real thing by default)."""
    thrown = {"Throw": {"Error": error, "Cause": _CAUSE}}
    return {f"0-{failures - 1}": thrown, f"{failures}-{_EVER}": then or PASS_THROUGH}


def rewrite(definition: dict, point: Point) -> tuple[dict, str]:
    """(a copy of the definition whose Map/Parallel body starts with a throwing Task, its name)."""
    copied = copy.deepcopy(definition)
    body = copied
    for key in point.pointer:
        body = body[key]
    scope = body["Branches"][0] if point.type == "Parallel" else (body.get("ItemProcessor") or body.get("Iterator"))
    taken = _all_names(copied)
    name = "InjectedFailure"
    suffix = 1
    while name in taken:
        suffix += 1
        name = f"InjectedFailure{suffix}"
    state = {"Type": "Task", "Resource": _INJECTED_RESOURCE, "Next": scope["StartAt"]}
    if copied.get("QueryLanguage") == "JSONata":
        state["Output"] = "{% $states.input %}"
    else:
        state["ResultPath"] = None
    scope["States"] = {name: state, **scope["States"]}
    scope["StartAt"] = name
    return copied, name


def _all_names(definition: dict) -> set[str]:
    return {name for name, _body, _ptr in _states(definition, ())}


def classify(result, point: Point, error: str, failures: int, hidden: str | None = None,
             case: str | None = None) -> Injection | None:
    """What the run did with the failure; None when the run never reached the state."""
    path = [p for p in result.path if not (hidden and p.split("/")[-1] == hidden)]
    visits = result.visits(point.state)
    if not visits:
        return None
    hit = next((v for v in visits if any(a.error == error for a in v.attempts)), None)
    base = dict(state=point.state, error=error, attempt=failures, path=path, status=result.status, case=case)
    if hit is None:
        # Reached, yet the error never surfaced as the state's own (e.g. a Map tolerating it).
        return Injection(outcome="recovered", catch_target=None, **base)
    visit = hit
    while True:
        if visit.status == "SUCCEEDED":
            return Injection(outcome="recovered", catch_target=None, **base)
        if visit.status == "CAUGHT" and visit.caught is not None:
            later = result.visits_all[_position(result, visit) + 1:]
            compensation = [v.qualified_name for v in later if v.name != hidden]
            return Injection(outcome="caught", catch_target=visit.caught.next, caught_by=visit.name,
                             compensation=compensation, **base)
        if not visit.scope:
            return Injection(outcome="unhandled", catch_target=None, **base)
        enclosing = _enclosing_visit(result, visit)
        if enclosing is None:
            return Injection(outcome="unhandled", catch_target=None, **base)
        visit = enclosing


def _position(result, visit) -> int:
    return next(i for i, v in enumerate(result.visits_all) if v is visit or v == visit)


def _enclosing_visit(result, visit):
    """The visit of the Map/Parallel whose iteration or branch `visit` ran in."""
    kind, name, _index = visit.scope[-1]
    depth = len(visit.scope) - 1
    candidates = [v for v in result.visits(name) if len(v.scope) == depth and v.entered <= visit.entered]
    return candidates[-1] if candidates else None


# --------------------------------------------------------------------------- many injections
def inject_all(definition: dict, run, *, reached=None, case: str | None = None) -> list[Injection]:
    """Inject every failure of `points(definition)`.

    `run(definition_or_None, mocks) -> ExecutionResult` runs the machine (None: unchanged) with
    these mocks laid over its own. `reached(state) -> bool` may skip states the baseline never
    enters (they would only report what the baseline does).
    """
    out = []
    for point in points(definition):
        if reached is not None and not reached(point.state):
            continue
        rewritten, hidden = (None, None)
        if point.type in ("Map", "Parallel"):
            rewritten, hidden = rewrite(definition, point)
        for error in point.errors:
            for failures in range(1, point.attempts[error] + 1):
                if hidden:  # the inserted Task passes its input on once it stops failing
                    mocks = {hidden: throwing(error, failures, then={"Return": {}})}
                else:
                    mocks = {point.state: throwing(error, failures)}
                result = run(rewritten, mocks)
                found = classify(result, point, error, failures, hidden, case)
                if found is not None:
                    out.append(found)
    return out


def unhandled(injections: list[Injection]) -> list[Injection]:
    return [i for i in injections if i.outcome == "unhandled"]
