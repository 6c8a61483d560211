"""The execution model every view draws: one tree of state visits, built from history events.

It is fed AWS-shaped events, one at a time, from either source: the `get-execution-history`
JSON of a real AWS execution (or a saved run), whose events say nothing of where they happened,
or our engine's event stream, whose events carry their scope. Where the scope is missing it is
inferred from `previousEventId` (AWS chains each event to the one that caused it), from the
definition when one is given (state names are unique across a machine), and failing both from
the order of the events. The same model, fed incrementally, is what the live view redraws.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

_STATE_EVENT = re.compile(r"^(Task|Pass|Choice|Wait|Succeed|Fail|Map|Parallel)State(Entered|Exited|Aborted)$")
_ATTEMPT_START = {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"}
_ATTEMPT_OK = {"TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"}
_ATTEMPT_FAILED = {"TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionFailed",
                   "LambdaFunctionTimedOut", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
                   "ActivityFailed", "ActivityTimedOut", "ActivityScheduleFailed"}
_TIMED_OUT = {"TaskTimedOut", "LambdaFunctionTimedOut", "ActivityTimedOut"}
_TASK_OTHER = {"TaskStarted", "TaskSubmitted", "LambdaFunctionStarted", "ActivityStarted"}
_CONTAINER = {"MapStateStarted": "Map", "MapStateSucceeded": "Map", "MapStateFailed": "Map",
              "MapStateAborted": "Map", "MapRunStarted": "Map", "MapRunSucceeded": "Map", "MapRunFailed": "Map",
              "MapRunAborted": "Map", "MapRunRedriven": "Map", "ParallelStateStarted": "Parallel",
              "ParallelStateSucceeded": "Parallel", "ParallelStateFailed": "Parallel",
              "ParallelStateAborted": "Parallel"}
_MAP_ITERATION = {"MapIterationStarted": "RUNNING", "MapIterationSucceeded": "SUCCEEDED",
                  "MapIterationFailed": "FAILED", "MapIterationAborted": "ABORTED"}
_EXECUTION_END = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionAborted": "ABORTED",
                  "ExecutionTimedOut": "TIMED_OUT"}
_PAYLOAD_FIELDS = ("input", "output", "parameters")
_BRANCH_EVENTS = {"ParallelBranchStarted": "RUNNING", "ParallelBranchSucceeded": "SUCCEEDED",
                  "ParallelBranchFailed": "FAILED"}
_NEW_BRANCH = "new-branch"  # continuation after ParallelStateStarted: the next event opens a branch


@dataclass(slots=True)
class Event:
    """One history event, normalised: payloads decoded, timestamp as epoch seconds (or None)."""

    type: str
    id: int | None
    previous_id: int | None
    timestamp: float | None
    details: dict
    scope: tuple | None = None  # known for our own stream; inferred for AWS histories
    raw: dict | None = None     # the AWS-shaped event as read, for the event table


@dataclass
class Attempt:
    """One try of a Task (or of a Map/Parallel run): its error, and the back-off before the next."""

    number: int
    started: float | None
    ended: float | None = None
    error: str | None = None
    cause: str | None = None
    backoff_seconds: float | None = None
    timed_out: bool = False


@dataclass
class Caught:
    error: str | None
    cause: str | None
    next: str | None = None


@dataclass
class ScopeRun:
    """A Map iteration or a Parallel branch: its own sequence of state visits."""

    kind: str                 # "Map" | "Parallel"
    parent: str               # the Map or Parallel state's name
    index: int
    scope: tuple
    status: str = "RUNNING"
    started: float | None = None
    ended: float | None = None
    states: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"iteration {self.index}" if self.kind == "Map" else f"branch {self.index}"


@dataclass
class StateVisit:
    """One entry into a state, and everything that happened until it was left."""

    name: str
    type: str
    scope: tuple
    entered: float | None
    input: Any = None
    output: Any = None
    left: float | None = None
    status: str = "RUNNING"   # RUNNING | SUCCEEDED | CAUGHT | FAILED | ABORTED
    error: str | None = None
    cause: str | None = None
    attempts: list = field(default_factory=list)
    caught: Caught | None = None
    next: str | None = None
    choice_rule: int | None = None
    resource: str | None = None
    map_length: int | None = None
    children: dict = field(default_factory=dict)   # index -> ScopeRun (iterations or branches)
    child_executions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    assigned: dict | None = None
    seq: int = 0

    @property
    def open(self) -> bool:
        return self.status == "RUNNING"

    @property
    def qualified_name(self) -> str:
        return "/".join([f"{name}[{index}]" for _, name, index in self.scope] + [self.name])

    @property
    def duration(self) -> float | None:
        if self.entered is None or self.left is None:
            return None
        return max(0.0, self.left - self.entered)

    def ordered_children(self) -> list:
        return [self.children[i] for i in sorted(self.children)]


@dataclass
class _Pos:
    scope: tuple
    cont: Any
    visit: StateVisit | None


class ExecutionModel:
    """An execution as a tree of visits; `feed` one event at a time, or build with `from_*`."""

    def __init__(self, definition: dict | None = None):
        self.definition = definition
        self._locations = _state_locations(definition) if isinstance(definition, dict) else {}
        self.root: list[StateVisit] = []
        self.events: list[Event] = []
        self.status = "RUNNING"
        self.input = self.output = self.error = self.cause = None
        self.execution_arn: str | None = None
        self.state_machine_arn: str | None = None
        self.name: str | None = None
        self.started: float | None = None
        self.stopped: float | None = None
        self.source = "history"
        self._scopes: dict[tuple, Any] = {(): self}  # scope -> ScopeRun (or self for the top level)
        self._pos: dict[int, _Pos] = {}
        self._last: _Pos | None = None
        self._use_ids = True
        self._seq = 0
        self._culprit: StateVisit | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def from_history(cls, events: Iterable[dict], describe: dict | None = None,
                     definition: dict | None = None) -> "ExecutionModel":
        """From AWS-shaped events (get-execution-history's `events`, or `result.history`)."""
        model = cls(definition)
        normalised = [event_from_aws(e, i) for i, e in enumerate(events, start=1)]
        ids = [e.id for e in normalised]
        # AWS's ids are 1..n and each event points back to an earlier one; a history whose ids were
        # rewritten (normalised recordings) is read in its order instead.
        model._use_ids = (all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids)
                          and all(e.previous_id in (None, 0) or e.previous_id < e.id for e in normalised))
        for event in normalised:
            model.feed(event)
        if describe:
            model.apply_describe(describe)
        return model

    def apply_describe(self, describe: dict) -> None:
        """Fill what `describe-execution` knows and the history may not (status, dates, ARNs)."""
        self.execution_arn = describe.get("executionArn") or self.execution_arn
        self.state_machine_arn = describe.get("stateMachineArn") or self.state_machine_arn
        self.name = describe.get("name") or self.name
        if describe.get("status"):
            self.status = describe["status"]
        for key, attr in (("startDate", "started"), ("stopDate", "stopped")):
            if describe.get(key) is not None and getattr(self, attr) is None:
                setattr(self, attr, parse_timestamp(describe[key]))
        for key in ("input", "output", "error", "cause"):
            if describe.get(key) is not None and getattr(self, key) is None:
                setattr(self, key, decode_payload(describe[key]) if key in ("input", "output") else describe[key])

    def feed(self, event: Event) -> None:
        """Take one more event into the model (history order within each scope)."""
        self.events.append(event)
        prev = self._pos.get(event.previous_id) if event.previous_id else None
        self._culprit = (prev or self._last).visit if (prev or self._last) is not None else None
        if event.scope is not None:
            pos = self._place_known(event)
        else:
            pos = self._place_inferred(event)
            event.scope = pos.scope  # what was inferred, for readers of `events` (traces)
        if event.id is not None:
            self._pos[event.id] = pos
        self._last = pos

    # ------------------------------------------------------------------ reading
    @property
    def transitions(self) -> int:
        """State transitions as AWS bills them: one per state entered."""
        return sum(1 for _ in self.walk())

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        end = self.stopped if self.stopped is not None else self._latest_time()
        return None if end is None else max(0.0, end - self.started)

    def walk(self, states: list | None = None, depth: int = 0):
        """Every visit, depth first: (depth, visit)."""
        for visit in self.root if states is None else states:
            yield depth, visit
            for child in visit.ordered_children():
                yield from self.walk(child.states, depth + 1)

    def visits(self, name: str) -> list[StateVisit]:
        return [v for _, v in self.walk() if v.name == name or v.qualified_name == name]

    def state_names(self) -> set[str]:
        return {v.name for _, v in self.walk()}

    def running(self) -> list[StateVisit]:
        return [v for _, v in self.walk() if v.open]

    def _latest_time(self) -> float | None:
        times = [e.timestamp for e in self.events if e.timestamp is not None]
        return max(times) if times else None

    # ------------------------------------------------------------------ placement
    def _place_known(self, event: Event) -> _Pos:
        scope = event.scope
        if event.type in _MAP_ITERATION:  # an iteration's own events, if given in the Map's scope
            step = ("Map", event.details.get("name"), _int(event.details.get("index")))
            if not scope or scope[-1] != step:
                scope = event.scope = scope + (step,)
        visit = self._apply(event, scope)
        return _Pos(scope, scope, visit)

    def _place_inferred(self, event: Event) -> _Pos:
        prev = self._pos.get(event.previous_id) if self._use_ids else self._last
        if self._use_ids and prev is None and event.previous_id not in (None, 0):
            prev = self._last
        base = prev.cont if prev is not None else ()
        t = event.type
        if isinstance(base, tuple) and base and base[0] == _NEW_BRANCH:
            base = self._open_branch(base[1], base[2], event)
        if t in _MAP_ITERATION:
            name = event.details.get("name")
            map_scope = self._scope_of_open(name, base, "Map")
            scope = map_scope + (("Map", name, _int(event.details.get("index"))),)
            visit = self._apply(event, scope)
            return _Pos(scope, scope if t == "MapIterationStarted" else map_scope, visit)
        if t in _CONTAINER:
            kind = _CONTAINER[t]
            if prev is not None and prev.visit is not None and prev.visit.type == kind and prev.visit.open:
                scope = prev.visit.scope
            else:
                scope = _container_scope(base, kind)
            visit = self._apply(event, scope)
            if t == "ParallelStateStarted" and visit is not None:
                return _Pos(scope, (_NEW_BRANCH, scope, visit.name), visit)
            return _Pos(scope, scope, visit)
        match = _STATE_EVENT.match(t)
        if match and match.group(2) == "Entered":
            scope = self._repair(event.details.get("name"), base)
            visit = self._apply(event, scope)
            return _Pos(scope, scope, visit)
        if match or t == "EvaluationFailed":
            name = event.details.get("name") if match else event.details.get("state")
            scope = self._scope_of_open(name, base, None)
            visit = self._apply(event, scope)
            return _Pos(scope, scope, visit)
        if t in _ATTEMPT_START or t in _ATTEMPT_OK or t in _ATTEMPT_FAILED or t in _TASK_OTHER:
            scope = prev.visit.scope if prev is not None and prev.visit is not None and prev.visit.open else base
            visit = self._apply(event, scope)
            return _Pos(scope, scope, visit)
        visit = self._apply(event, () if t.startswith("Execution") else base)
        return _Pos(base, base, visit)

    def _open_branch(self, parallel_scope: tuple, parallel_name: str, event: Event) -> tuple:
        visit = self._find_visit(parallel_scope, parallel_name, kind="Parallel")
        index = len(visit.children) if visit is not None else 0
        location = self._locations.get(event.details.get("name"))
        if location and location[-1][:2] == ("Parallel", parallel_name) and location[-1][2] is not None:
            index = location[-1][2]
        return parallel_scope + (("Parallel", parallel_name, index),)

    def _scope_of_open(self, name, base: tuple, kind: str | None) -> tuple:
        """The scope of the open visit `name` nearest to `base` (base itself, then outwards)."""
        for k in range(len(base), -1, -1):
            visit = self._find_visit(base[:k], name, kind)
            if visit is not None and visit.open:
                return base[:k]
        latest = None
        for _, visit in self.walk():
            if visit.name == name and visit.open and (kind is None or visit.type == kind):
                latest = visit
        if latest is not None:
            return latest.scope
        for k in range(len(base), -1, -1):
            if self._find_visit(base[:k], name, kind) is not None:
                return base[:k]
        return base

    def _repair(self, name, base: tuple) -> tuple:
        """Where the definition says `name` lives, when the chain of ids says otherwise."""
        location = self._locations.get(name)
        if location is None or _shape(base) == location:
            return base
        scope: tuple = ()
        for kind, container, branch in location:
            visit = self._find_visit(scope, container, kind) or self._latest_open(container, kind)
            if visit is None:
                return base
            scope = visit.scope
            if kind == "Parallel":
                index = branch
            else:
                open_iterations = [i for i, c in visit.children.items() if c.status == "RUNNING"]
                index = max(open_iterations) if open_iterations else len(visit.children)
            scope = scope + ((kind, container, index),)
        return scope

    def _latest_open(self, name, kind) -> StateVisit | None:
        found = None
        for _, visit in self.walk():
            if visit.name == name and visit.type == kind:
                found = visit
        return found

    def _states_at(self, scope: tuple, create: bool = True) -> list | None:
        node = self._scopes.get(scope)
        if node is None:
            if not create:
                return None
            parent_scope, (kind, name, index) = scope[:-1], scope[-1]
            parent = self._find_visit(parent_scope, name, kind)
            if parent is None:
                # A child whose parent's events are missing (a paginated or cut history): invent the
                # parent so the child still shows, under its name.
                parent = self._new_visit(name, kind, parent_scope, None)
            node = parent.children.get(index)
            if node is None:
                node = ScopeRun(kind, name, index, scope)
                parent.children[index] = node
            self._scopes[scope] = node
        return self.root if node is self else node.states

    def _find_visit(self, scope: tuple, name, kind: str | None = None) -> StateVisit | None:
        states = self._states_at(scope, create=False) if scope in self._scopes else None
        for visit in reversed(states or []):
            if visit.name == name and (kind is None or visit.type == kind):
                return visit
        return None

    def _new_visit(self, name, type_, scope, timestamp) -> StateVisit:
        self._seq += 1
        name = name if isinstance(name, str) else ("?" if name is None else str(name))
        visit = StateVisit(name=name, type=type_, scope=scope, entered=timestamp, seq=self._seq)
        self._states_at(scope).append(visit)
        return visit

    # ------------------------------------------------------------------ meaning
    def _apply(self, event: Event, scope: tuple) -> StateVisit | None:
        t, d, ts = event.type, event.details, event.timestamp
        if t == "ExecutionStarted":
            self.input = d.get("input")
            self.started = ts if self.started is None else self.started
            return None
        if t in _EXECUTION_END:
            self.status = _EXECUTION_END[t]
            self.stopped = ts
            if t == "ExecutionSucceeded":
                self.output = d.get("output")
            else:
                self.error, self.cause = d.get("error", self.error), d.get("cause", self.cause)
            self._close_all(ts, self._culprit if t != "ExecutionSucceeded" else None)
            return None
        if t == "ExecutionRedriven":
            self.status = "RUNNING"
            return None
        match = _STATE_EVENT.match(t)
        if match:
            type_, what = match.groups()
            if what == "Entered":
                visit = self._new_visit(d.get("name"), type_, scope, ts)
                visit.input = d.get("input")
                visit.events.append(event)
                self._link_previous(event, visit)
                return visit
            visit = self._find_visit(scope, d.get("name")) if d.get("name") is not None else \
                self._visit_here(scope, event)
            if visit is None:  # left without having been entered: a cut history; still show it
                visit = self._new_visit(d.get("name"), type_, scope, None)
            visit.events.append(event)
            if what == "Exited":
                visit.output = d.get("output")
                visit.assigned = d.get("assignedVariables")
                visit.left = ts
                if visit.error is not None or (visit.attempts and visit.attempts[-1].error is not None):
                    error, cause = visit.error, visit.cause
                    if error is None:
                        error, cause = visit.attempts[-1].error, visit.attempts[-1].cause
                    if error is None and isinstance(visit.output, dict):
                        error, cause = visit.output.get("Error"), visit.output.get("Cause")
                    visit.status, visit.caught = "CAUGHT", visit.caught or Caught(error, cause)
                    visit.error, visit.cause = error, cause
                else:
                    visit.status = "SUCCEEDED" if visit.status == "RUNNING" else visit.status
            else:  # Aborted
                visit.status, visit.left = "ABORTED", ts
                self._end_attempt(visit, ts, None, None)
            return visit
        if t in _BRANCH_EVENTS:  # engine-only, in the branch's own scope
            if scope and scope[-1][0] == "Parallel":
                self._states_at(scope)
                node = self._scopes[scope]
                node.status = _BRANCH_EVENTS[t]
                if t == "ParallelBranchStarted":
                    node.started = ts
                else:
                    node.ended = ts
            return None
        visit = self._visit_here(scope, event)
        if t in _MAP_ITERATION:
            node = self._scopes.get(scope)
            if node is None:
                self._states_at(scope)
                node = self._scopes[scope]
            node.status = _MAP_ITERATION[t]
            if t == "MapIterationStarted":
                node.started = ts
            else:
                node.ended = ts
                self._close_scope(node, ts, "FAILED" if t == "MapIterationFailed" else "ABORTED")
            parent = self._find_visit(scope[:-1], scope[-1][1], "Map")
            if parent is not None:
                parent.events.append(event)
            return parent
        if visit is None:
            return None
        visit.events.append(event)
        if t in _ATTEMPT_START or t in ("MapStateStarted", "ParallelStateStarted"):
            if t == "MapStateStarted":
                visit.map_length = d.get("length")
            visit.resource = d.get("resource", visit.resource)
            previous = visit.attempts[-1] if visit.attempts else None
            if previous is not None and previous.ended is None and t in _ATTEMPT_START:
                return visit  # a Scheduled repeated within one attempt (not expected): keep one
            if previous is not None and previous.backoff_seconds is None and previous.ended is not None \
                    and ts is not None and previous.error is not None:
                previous.backoff_seconds = max(0.0, ts - previous.ended)
            visit.attempts.append(Attempt(len(visit.attempts) + 1, ts))
            visit.error = visit.cause = None
            if visit.caught is not None:
                visit.caught = None
            return visit
        if t in _ATTEMPT_OK or t in ("MapStateSucceeded", "ParallelStateSucceeded"):
            self._end_attempt(visit, ts, None, None)
            self._end_children(visit, ts, "SUCCEEDED")
            output = d.get("output")
            if isinstance(output, dict) and isinstance(output.get("ExecutionArn"), str) \
                    and (d.get("resourceType") == "states" or "startExecution" in (visit.resource or "")):
                _add_child_execution(visit, output["ExecutionArn"], output.get("Status"))
            return visit
        if t in _ATTEMPT_FAILED or t in ("MapStateFailed", "ParallelStateFailed", "MapRunFailed"):
            error, cause = d.get("error"), d.get("cause")
            if t in _TIMED_OUT and error is None:
                error = "States.Timeout"
            if t in ("MapStateFailed", "ParallelStateFailed") and error is None:
                error, cause = visit.error, visit.cause
            self._end_attempt(visit, ts, error, cause, timed_out=t in _TIMED_OUT)
            self._end_children(visit, ts, "FAILED")
            visit.error, visit.cause = error or visit.error, cause if cause is not None else visit.cause
            return visit
        if t in ("MapStateAborted", "ParallelStateAborted", "MapRunAborted"):
            self._end_attempt(visit, ts, None, None)
            self._end_children(visit, ts, "ABORTED")
            return visit
        if t == "EvaluationFailed":
            visit.error, visit.cause = d.get("error"), d.get("cause")
            return visit
        if t == "TaskSubmitted":
            output = d.get("output")
            if isinstance(output, dict) and isinstance(output.get("ExecutionArn"), str):
                _add_child_execution(visit, output["ExecutionArn"], None)
            return visit
        if t == "MapRunStarted":
            _add_child_execution(visit, d.get("mapRunArn"), None, kind="map run")
            return visit
        if t == "MapRunSucceeded":
            for child in visit.child_executions:
                if child["kind"] == "map run":
                    child["status"] = "SUCCEEDED"
            return visit
        # Engine-only events of our own stream (engine/events.py ENGINE_EVENT_TYPES).
        if t == "RetryScheduled":
            if visit.attempts:
                visit.attempts[-1].backoff_seconds = d.get("backoff_seconds")
            return visit
        if t == "CatchTaken":
            visit.caught = Caught(d.get("error"), d.get("cause"), d.get("next"))
            visit.error, visit.cause = d.get("error"), d.get("cause")
            return visit
        if t == "ChoiceRuleMatched":
            rule = d.get("rule_index")
            visit.choice_rule = -1 if rule is None else rule
            visit.next = d.get("next")
            return visit
        if t == "StateFailed":
            visit.error, visit.cause = d.get("error"), d.get("cause")
            return visit
        if t in ("ChildExecutionStarted", "ChildExecutionEnded"):
            _add_child_execution(visit, d.get("execution_arn"), d.get("status"))
            return visit
        return visit

    def _visit_here(self, scope: tuple, event: Event) -> StateVisit | None:
        """The visit an unnamed event belongs to: the open one in its scope (or its container)."""
        name = event.details.get("name") if event.type not in _MAP_ITERATION else None
        if name is not None:
            found = self._find_visit(scope, name)
            if found is not None:
                return found
        states = self._states_at(scope) if scope in self._scopes else None
        kind = _CONTAINER.get(event.type)
        for visit in reversed(states or []):
            if visit.open and (kind is None or visit.type == kind):
                return visit
        for visit in reversed(states or []):
            if kind is None or visit.type == kind:
                return visit
        return None

    def _link_previous(self, event: Event, visit: StateVisit) -> None:
        """The state left just before this one (same scope) names it as its next, or Catch target."""
        states = self._states_at(visit.scope)
        if len(states) < 2:
            return
        before = states[-2]
        if before.next is None:
            before.next = visit.name
        if before.caught is not None and before.caught.next is None:
            before.caught.next = visit.name

    def _end_attempt(self, visit: StateVisit, ts, error, cause, timed_out: bool = False) -> None:
        if not visit.attempts or visit.attempts[-1].ended is not None:
            if error is None and visit.type not in ("Task", "Map", "Parallel"):
                return
            visit.attempts.append(Attempt(len(visit.attempts) + 1, ts))
        attempt = visit.attempts[-1]
        attempt.ended, attempt.error, attempt.cause, attempt.timed_out = ts, error, cause, timed_out

    def _end_children(self, visit: StateVisit, ts, outcome: str) -> None:
        """A Map or Parallel ended: its branches (which have no events of their own) end with it."""
        for child in visit.children.values():
            if child.started is None and child.states:
                child.started = child.states[0].entered
            if child.status != "RUNNING":
                continue
            failed = any(v.status == "FAILED" for v in child.states)
            child.status = "FAILED" if failed else ("SUCCEEDED" if outcome == "SUCCEEDED" else "ABORTED")
            lefts = [v.left for v in child.states if v.left is not None]
            child.ended = max(lefts) if lefts else ts
            self._close_scope(child, ts, "ABORTED")

    def _close_scope(self, node: ScopeRun, ts, status: str) -> None:
        for visit in node.states:
            self._close_visit(visit, ts, status)

    def _close_visit(self, visit: StateVisit, ts, status: str) -> None:
        for child in visit.children.values():
            if child.status == "RUNNING":
                child.status, child.ended = status if status != "FAILED" else "ABORTED", ts
            self._close_scope(child, ts, status)
        if not visit.open:
            return
        visit.left = ts
        if visit.type == "Fail" or visit.error is not None or (visit.attempts and visit.attempts[-1].error):
            visit.status = "FAILED"
            if visit.error is None and visit.attempts and visit.attempts[-1].error:
                visit.error, visit.cause = visit.attempts[-1].error, visit.attempts[-1].cause
        else:
            visit.status = "ABORTED"
        if visit.attempts and visit.attempts[-1].ended is None:
            visit.attempts[-1].ended = ts

    def _close_all(self, ts, culprit: StateVisit | None) -> None:
        """The execution ended: what still runs stops; the state it ended in failed with its error."""
        open_before = culprit is not None and culprit.open
        for visit in self.root:
            self._close_visit(visit, ts, self.status)
        if culprit is None or not open_before or self.status not in ("FAILED", "TIMED_OUT"):
            return
        if self.status == "TIMED_OUT":
            return
        chain = [culprit]
        for k in range(len(culprit.scope), 0, -1):
            kind, name, _ = culprit.scope[k - 1]
            container = self._find_visit(culprit.scope[:k - 1], name, kind)
            if container is not None:
                chain.append(container)
        for visit in chain:
            visit.status = "FAILED"
            if visit.error is None:
                visit.error, visit.cause = self.error, self.cause


# ---------------------------------------------------------------------- helpers
def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _shape(scope: tuple) -> list:
    return [(kind, name, index if kind == "Parallel" else None) for kind, name, index in scope]


def _container_scope(base: tuple, kind: str) -> tuple:
    for k in range(len(base), 0, -1):
        if base[k - 1][0] == kind:
            return base[:k - 1]
    return base


def _add_child_execution(visit: StateVisit, arn, status, kind: str = "execution") -> None:
    if not arn:
        return
    for child in visit.child_executions:
        if child["arn"] == arn:
            child["status"] = status or child["status"]
            return
    visit.child_executions.append({"arn": arn, "status": status, "kind": kind})


def _state_locations(definition: dict, path: tuple = (), out: dict | None = None) -> dict:
    """State name -> the containers it lives in: [(kind, container state, branch index or None)]."""
    out = {} if out is None else out
    states = definition.get("States") if isinstance(definition, dict) else None
    if not isinstance(states, dict):
        return out
    for name, state in states.items():
        out.setdefault(name, list(path))
        if not isinstance(state, dict):
            continue
        if state.get("Type") == "Parallel":
            for i, branch in enumerate(state.get("Branches") or []):
                _state_locations(branch, path + (("Parallel", name, i),), out)
        elif state.get("Type") == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if isinstance(processor, dict):
                _state_locations(processor, path + (("Map", name, None),), out)
    return out


def parse_timestamp(value) -> float | None:
    """Epoch seconds from what AWS tools print: epoch numbers, or ISO 8601 text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1000.0 if value > 1e11 else float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def decode_payload(value):
    """AWS sends payloads as JSON text; show the value (text that is not JSON stays text)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def event_from_aws(raw: dict, position: int) -> Event:
    """One get-execution-history event (a dict) as an `Event`; never fails on odd shapes."""
    if not isinstance(raw, dict):
        raw = {"type": "Unknown", "value": raw}
    details: dict = {}
    for key, value in raw.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            details = dict(value)
            break
    for key in _PAYLOAD_FIELDS:
        if key in details:
            details[key] = decode_payload(details[key])
    if isinstance(details.get("assignedVariables"), dict):
        details["assignedVariables"] = {k: decode_payload(v) for k, v in details["assignedVariables"].items()}
    event_id = raw.get("id")
    previous = raw.get("previousEventId")
    return Event(type=str(raw.get("type", "Unknown")),
                 id=event_id if isinstance(event_id, int) and not isinstance(event_id, bool) else None,
                 previous_id=previous if isinstance(previous, int) and not isinstance(previous, bool) else None,
                 timestamp=parse_timestamp(raw.get("timestamp")), details=details, raw=raw)
