"""`asl lint`: what reviews of production workflows look for, as located warnings with rule ids.

A definition AWS accepts can still be fragile: a Lambda call that a transient service error fails
outright, a side effect with no failure path, a Task that may wait for three years. Each rule is a
small function over one state (or the whole machine) yielding (JSON Pointer, message); RULES is the
table `--disable RULE` picks from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..definition.http_task import is_http_task
from ..errors import PREDEFINED
from ..integrations.resources import WAIT_FOR_TASK_TOKEN, ResourceError, parse_resource

#: AWS's recommended retry for Lambda's transient service errors ("Handle Lambda service
#: exceptions", Step Functions best practices).
LAMBDA_TRANSIENT = ("Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException",
                    "Lambda.AWSLambdaException", "Lambda.SdkClientException")
DEFAULT_TASK_TIMEOUT = 99_999_999  # seconds: a Task's TimeoutSeconds when none is given
HTTP_TASK_MAX_SECONDS = 60         # an HTTP Task's request ends after 60 s (hard quota)
#: What AWS's HTTP Task example retries: throttling and the gateway/availability answers.
HTTP_TRANSIENT = ("States.Http.StatusCode.429", "States.Http.StatusCode.502", "States.Http.StatusCode.503",
                  "States.Http.StatusCode.504")
EXPRESS_MAX_SECONDS = 300           # an Express execution runs for at most five minutes
MAX_NESTING = 2                     # child and grandchild executions; deeper is flagged
#: Read-only actions: failing them has nothing to undo.
_READ_ONLY_PREFIXES = ("get", "list", "describe", "query", "scan", "head", "batchGet", "search", "lookup")


@dataclass(frozen=True)
class LintProblem:
    """One finding: where (JSON Pointer), which rule, and a sentence a reviewer would write."""

    path: str
    rule: str
    message: str
    severity: str = "warning"
    line: int | None = None

    def to_dict(self) -> dict:
        out = {"path": self.path, "message": self.message, "rule": self.rule, "severity": self.severity}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(frozen=True)
class StateAt:
    """A state with where it sits: its pointer and whether an enclosing Map/Parallel catches."""

    name: str
    body: dict
    pointer: str
    enclosing_catch: bool = False


@dataclass
class Machine:
    """What the machine-wide rules need: the definition, its type and the other machines known."""

    definition: dict
    type: str = "STANDARD"
    machines: dict = field(default_factory=dict)  # name -> definition, for nested executions
    name: str | None = None


# --------------------------------------------------------------------------- helpers
def _resource(state: dict):
    try:
        return parse_resource(state.get("Resource", ""))
    except (ResourceError, AttributeError, TypeError):
        return None


def _is_lambda(state: dict) -> bool:
    res = _resource(state)
    return res is not None and (res.kind == "lambda" or (res.service, res.action) == ("lambda", "invoke"))


def _retried_errors(state: dict) -> set[str]:
    return {e for r in state.get("Retry") or () if isinstance(r, dict) for e in r.get("ErrorEquals") or ()}


def _has(state: dict, field_name: str) -> bool:
    return field_name in state or f"{field_name}Path" in state


def _calls(body: dict, res) -> str:
    """What a Task calls, in words: "Lambda ChargePayment", "sqs:sendMessage", "activity Approve"."""
    if res is None:
        return "its resource"
    if res.kind == "lambda":
        return f"Lambda {res.name}"
    if (res.service, res.action) == ("lambda", "invoke"):
        name = (body.get("Parameters") or body.get("Arguments") or {}).get("FunctionName")
        return f"Lambda {str(name).split(':function:')[-1]}" if isinstance(name, str) else "lambda:invoke"
    if res.kind == "activity":
        return f"activity {res.name}"
    return f"{res.service}:{res.action}"


def _quoted(names) -> str:
    return ", ".join(names)


# --------------------------------------------------------------------------- per-state rules
def retry_transient(state: StateAt):
    """A Task with no Retry for the transient errors of the service it calls."""
    body = state.body
    if body.get("Type") != "Task":
        return
    retried = _retried_errors(body)
    if is_http_task(body.get("Resource")):
        if {"States.ALL", "States.TaskFailed"} & retried or any(e in retried for e in HTTP_TRANSIENT):
            return
        yield state.pointer, (f"HTTP Task '{state.name}' retries none of {_quoted(HTTP_TRANSIENT)}: a "
                              f"throttled or briefly unavailable API fails the state at once; AWS's HTTP "
                              f"Task example retries them with back-off")
    elif _is_lambda(body):
        if {"States.ALL", "States.TaskFailed"} & retried:
            return
        missing = [e for e in LAMBDA_TRANSIENT if e not in retried]
        if missing:
            yield state.pointer, (f"Task '{state.name}' invokes Lambda but no Retry covers {_quoted(missing)}: "
                                  f"Lambda's transient service errors fail the state at once; AWS recommends "
                                  f"retrying them with back-off")
    elif not retried:
        yield state.pointer, (f"Task '{state.name}' has no Retry: a throttled or briefly unavailable service "
                              f"fails the state at once")


def catch_side_effect(state: StateAt):
    """A state with side effects and no Catch (here or on an enclosing Map/Parallel)."""
    body = state.body
    if body.get("Type") != "Task" or body.get("Catch") or state.enclosing_catch:
        return
    res = _resource(body)
    if res is not None and res.action and res.action.startswith(_READ_ONLY_PREFIXES):
        return
    if res is not None and (res.service, res.action) == ("http", "invoke"):
        method = (body.get("Parameters") or body.get("Arguments") or {}).get("Method")
        if isinstance(method, str) and method.upper() in ("GET", "HEAD", "OPTIONS"):
            return  # a safe HTTP method changes nothing
    what = _calls(body, res)
    yield state.pointer, (f"Task '{state.name}' has side effects ({what}) but no Catch: when it fails the "
                          f"execution ends with nothing undone and no failure path of its own")


def task_timeout(state: StateAt):
    """A Task without TimeoutSeconds waits up to AWS's default of 99,999,999 seconds."""
    body = state.body
    if body.get("Type") == "Task" and is_http_task(body.get("Resource")):
        timeout = body.get("TimeoutSeconds")
        if isinstance(timeout, (int, float)) and timeout > HTTP_TASK_MAX_SECONDS:
            yield f"{state.pointer}/TimeoutSeconds", (
                f"HTTP Task '{state.name}' sets TimeoutSeconds {timeout:g}, but its request ends after "
                f"{HTTP_TASK_MAX_SECONDS} s anyway (States.Http.Socket); a value above that never applies")
        return  # without TimeoutSeconds an HTTP Task still stops after 60 s
    if body.get("Type") == "Task" and not _has(body, "TimeoutSeconds"):
        yield state.pointer, (f"Task '{state.name}' has no TimeoutSeconds: AWS's default is "
                              f"{DEFAULT_TASK_TIMEOUT:,} seconds (over three years), so a call that never "
                              f"answers holds the execution")


def callback_heartbeat(state: StateAt):
    """A .waitForTaskToken Task (or an activity) without HeartbeatSeconds."""
    body = state.body
    res = _resource(body) if body.get("Type") == "Task" else None
    if res is None or _has(body, "HeartbeatSeconds"):
        return
    if res.pattern == WAIT_FOR_TASK_TOKEN:
        yield state.pointer, (f"Task '{state.name}' waits for a task token with no HeartbeatSeconds: a worker "
                              f"that dies is only noticed at the Task's timeout")
    elif res.kind == "activity":
        yield state.pointer, (f"Task '{state.name}' runs an activity with no HeartbeatSeconds: a worker that "
                              f"dies is only noticed at the Task's timeout")


def retry_all_cap(state: StateAt):
    """States.ALL retried without a cap: many attempts, or a back-off growing past five minutes."""
    for index, retrier in enumerate(state.body.get("Retry") or ()):
        if not isinstance(retrier, dict) or "States.ALL" not in (retrier.get("ErrorEquals") or ()):
            continue
        attempts = retrier.get("MaxAttempts", 3)
        interval = retrier.get("IntervalSeconds", 1)
        rate = retrier.get("BackoffRate", 2.0)
        if not all(isinstance(v, (int, float)) for v in (attempts, interval, rate)):
            continue  # JSONata expressions: nothing to judge statically
        where = f"{state.pointer}/Retry/{index}"
        if attempts > 10:
            yield where, (f"State '{state.name}' retries States.ALL up to {attempts:,} times: permanent errors "
                          f"(bad input, missing permissions) are retried too; list the transient errors or "
                          f"lower MaxAttempts")
        elif attempts > 0 and "MaxDelaySeconds" not in retrier:
            longest = interval * rate ** (attempts - 1)
            if longest > 300:
                yield where, (f"State '{state.name}' retries States.ALL with a back-off reaching "
                              f"{longest:,.0f} s and no MaxDelaySeconds: cap the delay")


def error_names(state: StateAt):
    """An ErrorEquals name that starts with "States." but is none of AWS's (a likely typo)."""
    for key in ("Retry", "Catch"):
        for index, entry in enumerate(state.body.get(key) or ()):
            if not isinstance(entry, dict):
                continue
            for j, name in enumerate(entry.get("ErrorEquals") or ()):
                if not isinstance(name, str) or not name.startswith("States.") or name in PREDEFINED:
                    continue
                code = name[len("States.Http.StatusCode."):] if name.startswith("States.Http.StatusCode.") else None
                if code is not None and len(code) == 3 and code.isdigit() and code[0] in "12345":
                    continue
                yield f"{state.pointer}/{key}/{index}/ErrorEquals/{j}", (
                    f"State '{state.name}' matches {name}, which is not an error AWS raises (States.Http."
                    f"StatusCode.<code> and the predefined names are): only a Fail state or a worker "
                    f"raising that exact name reaches it; check the spelling")


STATE_RULES = {
    "retry-transient": retry_transient,
    "error-names": error_names,
    "catch-side-effect": catch_side_effect,
    "task-timeout": task_timeout,
    "callback-heartbeat": callback_heartbeat,
    "retry-all-cap": retry_all_cap,
}


# --------------------------------------------------------------------------- machine rules
def nested_depth(machine: Machine):
    """Nested executions (states:startExecution) more than two levels deep."""
    for state in walk(machine.definition):
        child = _started_machine(state.body)
        if child is None:
            continue
        chain = _deepest_chain(child, machine.machines, (machine.name,) if machine.name else ())
        if chain is None:
            continue
        if chain == "cycle":
            yield state.pointer, (f"State '{state.name}' starts '{child}', which (through the machines linted "
                                  f"with it) starts this machine again: nested executions without a bound")
        elif len(chain) > MAX_NESTING:
            yield state.pointer, (f"State '{state.name}' starts executions {len(chain)} levels deep "
                                  f"({' → '.join(chain)}): past {MAX_NESTING} levels a failure is hard to "
                                  f"trace and each level adds its own start latency and history")


def express_duration(machine: Machine):
    """An EXPRESS machine whose longest path could run past five minutes."""
    if machine.type != "EXPRESS":
        return
    definition = machine.definition
    timeout = definition.get("TimeoutSeconds")
    if isinstance(timeout, (int, float)) and timeout <= EXPRESS_MAX_SECONDS:
        return
    seconds, why = longest_path(definition)
    if seconds > EXPRESS_MAX_SECONDS:
        bound = "without limit" if math.isinf(seconds) else f"up to {seconds:,.0f} s"
        yield "", (f"This EXPRESS machine could run {bound} ({why}); an Express execution stops at "
                   f"{EXPRESS_MAX_SECONDS} s: bound it with TimeoutSeconds or use STANDARD")


MACHINE_RULES = {
    "nested-depth": nested_depth,
    "express-duration": express_duration,
}

RULES = {**STATE_RULES, **MACHINE_RULES}


# --------------------------------------------------------------------------- walking
def walk(definition: dict, at: str = "", enclosing_catch: bool = False):
    """Every state, nested ones included, with its JSON Pointer."""
    for name, body in (definition.get("States") or {}).items():
        if not isinstance(body, dict):
            continue
        ptr = f"{at}/States/{_escape(name)}"
        yield StateAt(name, body, ptr, enclosing_catch)
        catches = enclosing_catch or bool(body.get("Catch"))
        for i, branch in enumerate(body.get("Branches") or ()):
            if isinstance(branch, dict):
                yield from walk(branch, f"{ptr}/Branches/{i}", catches)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(body.get(key), dict):
                yield from walk(body[key], f"{ptr}/{key}", catches)


def _escape(name: str) -> str:
    return str(name).replace("~", "~0").replace("/", "~1")


def _started_machine(body: dict) -> str | None:
    res = _resource(body) if body.get("Type") == "Task" else None
    if res is None or (res.service, res.action) != ("states", "startExecution"):
        return None
    params = body.get("Parameters") or body.get("Arguments") or {}
    arn = params.get("StateMachineArn") if isinstance(params, dict) else None
    if not isinstance(arn, str) or arn.startswith("{%"):
        return None
    parts = arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "stateMachine" else arn


def _deepest_chain(name: str, machines: dict, seen: tuple):
    """The longest chain of machine names started from `name`; "cycle"; None if `name` is unknown."""
    if name in seen:
        return "cycle"
    if name not in machines:
        return (name,)
    deepest: tuple = ()
    for state in walk(machines[name]):
        child = _started_machine(state.body)
        if child is None:
            continue
        chain = _deepest_chain(child, machines, seen + (name,))
        if chain == "cycle":
            return "cycle"
        if chain and len(chain) > len(deepest):
            deepest = chain
    return (name,) + deepest


def longest_path(scope: dict) -> tuple[float, str]:
    """(worst-case seconds from StartAt to an end, why): an upper bound; inf for loops or unbounded waits."""
    states = scope.get("States") or {}
    memo: dict[str, tuple[float, str]] = {}

    def visit(name, stack):
        if name in stack:
            return math.inf, f"the loop through {' → '.join(stack[stack.index(name):] + (name,))}"
        if name in memo:
            return memo[name]
        body = states.get(name)
        if not isinstance(body, dict):
            return 0.0, ""
        own, why = _state_seconds(name, body)
        best, best_why = 0.0, ""
        for target in _successors(body):
            seconds, reason = visit(target, stack + (name,))
            if seconds > best or not best_why:
                best, best_why = seconds, reason
        total = own + best
        reason = why if math.isinf(own) or (own >= best and why) else best_why or why
        memo[name] = (total, reason)
        return memo[name]

    start = scope.get("StartAt")
    return visit(start, ()) if isinstance(start, str) else (0.0, "")


def _successors(body: dict) -> list[str]:
    out = [body["Next"]] if isinstance(body.get("Next"), str) else []
    out += [c["Next"] for c in body.get("Catch") or () if isinstance(c, dict) and isinstance(c.get("Next"), str)]
    out += [c["Next"] for c in body.get("Choices") or () if isinstance(c, dict) and isinstance(c.get("Next"), str)]
    if isinstance(body.get("Default"), str):
        out.append(body["Default"])
    return out


def _state_seconds(name: str, body: dict) -> tuple[float, str]:
    """The most time one entry into a state can take, with a reason when it is the bottleneck."""
    kind = body.get("Type")
    if kind == "Wait":
        seconds = body.get("Seconds")
        if isinstance(seconds, (int, float)):
            return float(seconds), f"Wait '{name}' takes {seconds:,} s"
        return math.inf, f"Wait '{name}' waits as long as its input says"
    if kind == "Task":
        timeout = body.get("TimeoutSeconds")
        if not isinstance(timeout, (int, float)):
            return math.inf, f"Task '{name}' has no TimeoutSeconds"
        attempts, delays = _retry_budget(body)
        return attempts * timeout + delays, f"Task '{name}' can take {attempts} × {timeout} s plus back-off"
    if kind == "Parallel":
        worst = [longest_path(b) for b in body.get("Branches") or () if isinstance(b, dict)]
        seconds, why = max(worst, default=(0.0, ""))
        attempts, delays = _retry_budget(body)
        return attempts * seconds + delays, why
    if kind == "Map":
        processor = body.get("ItemProcessor") or body.get("Iterator")
        seconds, why = longest_path(processor) if isinstance(processor, dict) else (0.0, "")
        if seconds > 0 and body.get("MaxConcurrency") == 1:
            return math.inf, f"Map '{name}' runs its items one at a time, as many as its input holds"
        attempts, delays = _retry_budget(body)
        return attempts * seconds + delays, why
    return 0.0, ""


def _retry_budget(body: dict) -> tuple[int, float]:
    """(most attempts, total back-off seconds) its Retry allows."""
    attempts, delays = 1, 0.0
    for retrier in body.get("Retry") or ():
        if not isinstance(retrier, dict):
            continue
        count = retrier.get("MaxAttempts", 3)
        interval = retrier.get("IntervalSeconds", 1)
        rate = retrier.get("BackoffRate", 2.0)
        cap = retrier.get("MaxDelaySeconds")
        if not all(isinstance(v, (int, float)) for v in (count, interval, rate)):
            continue
        attempts += int(count)
        for k in range(int(min(count, 10_000))):
            delay = interval * rate ** k
            delays += min(delay, cap) if isinstance(cap, (int, float)) else delay
    return attempts, delays


# --------------------------------------------------------------------------- entry point
def lint(definition: dict, *, type: str = "STANDARD", machines: dict | None = None, name: str | None = None,
         disable=()) -> list[LintProblem]:
    """Lint one (valid) definition; `machines` (name -> definition) lets nested-depth follow children."""
    unknown = sorted(set(disable) - set(RULES))
    if unknown:
        raise ValueError(f"unknown lint rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}")
    problems = []
    for state in walk(definition):
        for rule, check in STATE_RULES.items():
            if rule not in disable:
                problems += [LintProblem(ptr, rule, msg) for ptr, msg in check(state)]
    machine = Machine(definition, (type or "STANDARD").upper(), machines or {}, name)
    for rule, check in MACHINE_RULES.items():
        if rule not in disable:
            problems += [LintProblem(ptr, rule, msg) for ptr, msg in check(machine)]
    return problems
