"""Running an execution: the state loop, per-scope frames, and what every state has in common.

A `Frame` is one running scope (the whole machine, a Parallel branch, a Map iteration): it owns
its clock fork, its workflow variables, the chain of history events and its `scope` (where it
sits: a tuple of ("Map", name, index) / ("Parallel", name, index) steps).  `run_state` does what
every state shares (entered/exited events, Retry, Catch, the payload limit, the visit record);
the per-type work lives in `engine/states/`.

Stop: `Execution.stop()` raises the `stopping` flag, which the next transition (and any
interruptible wait) turns into ExecutionAborted; each state in flight records its ...Aborted
event on the way out.
"""

from __future__ import annotations

import gc
import itertools
import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..errors import DATA_LIMIT_EXCEEDED, QUERY_EVALUATION_ERROR, RUNTIME, ASLError, StateRuntimeError
from ..limits import MAX_DURATION
from ..query.timestamps import format_epoch
from .clock import ExecutionAborted, ExecutionTimedOut, RealClock, VirtualClock
from .events import Publisher
from .history import MAX_EVENTS, History, Recorder
from .payload import payload_too_large
from .retry import find_catcher, find_retrier, retry_delay
from .states import ACTIONS

#: Under the virtual clock a state takes no simulated time, so a loop that never waits would never
#: reach its type's limit.  A scope (the machine, a branch, one Map iteration) that makes this many
#: transitions is taken to have run for the whole limit: at AWS's pace that loop would have.
TRANSITION_BUDGET = 1_000_000

#: Under the real clock, how many transitions pass between looks at the wall clock.
REAL_CLOCK_CHECK_EVERY = 1_000


@dataclass
class ExecutionConfig:
    """Who and where the execution is: what AWS shows in ARNs and the context object."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    state_machine_name: str = "StateMachine"
    execution_name: str | None = None
    role_arn: str | None = None
    state_machine_type: str = "STANDARD"
    express_execution_id: str | None = None
    partition: str = "aws"

    def __post_init__(self):
        if not self.execution_name:
            self.execution_name = str(uuid.uuid4())
        if not self.role_arn:
            self.role_arn = f"arn:{self.partition}:iam::{self.account_id}:role/StepFunctions-{self.state_machine_name}-role"
        self.state_machine_type = (self.state_machine_type or "STANDARD").upper()

    @property
    def max_duration(self) -> int:
        return MAX_DURATION.get(self.state_machine_type, MAX_DURATION["STANDARD"])

    @property
    def state_machine_arn(self) -> str:
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}:stateMachine:{self.state_machine_name}"

    @property
    def execution_arn(self) -> str:
        if self.state_machine_type == "EXPRESS":
            express_id = self.express_execution_id or str(uuid.uuid4())
            self.express_execution_id = express_id
            return (f"arn:{self.partition}:states:{self.region}:{self.account_id}:express:"
                    f"{self.state_machine_name}:{self.execution_name}:{express_id}")
        return f"arn:{self.partition}:states:{self.region}:{self.account_id}:execution:{self.state_machine_name}:{self.execution_name}"


@dataclass
class Outcome:
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None


class Execution:
    """One run of a compiled machine.

    `observers` receive the event stream (events.py); `persistence` (store.Persistence) saves a
    checkpoint after every top-level state; `resume` (store.Checkpoint) continues a saved run.
    """

    def __init__(self, machine, input, config: ExecutionConfig, services, clock: str = "virtual",
                 start: float | None = None, observers=None, resume=None, persistence=None,
                 wait_time_scale: float = 1.0):
        self.machine = machine
        self.input = input
        self.config = config
        self.services = services  # integrations.Services: handlers, mocks, callbacks
        self.arn = config.execution_arn
        self.resume = resume
        if resume is not None:
            start = resume.started if resume.started is not None else start
        # A nested execution (states:startExecution) starts at its parent's simulated present.
        self.start = time.time() if start is None else start
        # The machine's TimeoutSeconds, or AWS's limit for its type (5 minutes / 1 year) if sooner.
        limit_seconds = config.max_duration
        timeout = machine.timeout_seconds
        self.deadline_is_limit = not timeout or timeout >= limit_seconds
        deadline = self.start + (limit_seconds if self.deadline_is_limit else timeout)
        self.stop_event = threading.Event()
        self.stopping = False
        self.stop_reason: tuple = (None, None)
        if clock == "virtual":
            self.clock = VirtualClock(self.start, deadline)
            if resume is not None and resume.clock is not None:
                self.clock.now = resume.clock
        else:
            self.clock = RealClock(deadline, self.stop_event, wait_time_scale)
        # How many transitions run_state lets pass before it looks at the deadline and the budget:
        # every one when TimeoutSeconds is set (as precise as the clock), else only now and then.
        if not self.deadline_is_limit:
            self.check_every = 1
        else:
            self.check_every = TRANSITION_BUDGET if self.clock.virtual else REAL_CLOCK_CHECK_EVERY
        self.persistence = persistence
        if persistence is not None:
            observers = [*(observers or ()), persistence]
        self.publisher = Publisher(observers, self.arn) if observers else None
        limit = MAX_EVENTS if config.state_machine_type == "STANDARD" else None
        self.history = History(limit, threads=not self.clock.virtual, publisher=self.publisher)
        if resume is not None:
            self.history.restore(resume.history)
        self.context_execution = {
            "Id": self.arn, "Input": input, "StartTime": format_epoch(self.start),
            "Name": config.execution_name, "RoleArn": config.role_arn,
            "RedriveCount": _redrive_count(resume.history) if resume is not None else 0,
        }
        if config.state_machine_type == "EXPRESS":
            # Express executions cannot be redriven; AWS's recorded context object has no RedriveCount.
            del self.context_execution["RedriveCount"]
        self.context_state_machine = {"Id": config.state_machine_arn, "Name": config.state_machine_name}
        self.end = self.start
        self.visits: list[tuple] = []  # visit records (see visits.py), in the order states were left
        self.visit_order = itertools.count()  # entry order, so nested states sort after their Map
        self.history.companion = self.visits  # an Express history trims them with its events
        if persistence is not None:
            # Saved here, in the caller's thread: once start() has returned, the store has the record.
            persistence.started(self)

    def stop(self, error: str | None = None, cause: str | None = None) -> None:
        """End the execution ABORTED (StopExecution): at the next transition, or now if it waits."""
        if self.stopping:
            return
        self.stop_reason = (error, cause)
        self.history.lift_limit()  # the ...Aborted events always fit
        self.stopping = True
        self.stop_event.set()
        wake = getattr(self.services, "wake", None)
        if wake is not None:
            wake()  # tasks waiting on a token or an activity worker look at the flag again

    def run(self) -> Outcome:
        _collect_less_often()
        try:
            outcome = self._run()
        finally:
            _collect_as_before()
        if self.persistence is not None:
            self.persistence.finished(self, outcome)
        return outcome

    def _run(self) -> Outcome:
        frame = Frame(self, self.clock, {}, 0)
        resume = self.resume
        if resume is None:
            frame.event("ExecutionStarted", "executionStartedEventDetails",
                        {"input": self.input, "roleArn": self.config.role_arn})
            frame.last_event = 0  # AWS records the first state's entered event with previousEventId 0
            value, start_at = self.input, None
        else:
            frame.variables = dict(resume.variables or {})
            frame.last_event = len(self.history)
            value, start_at = resume.input, resume.next_state
        try:
            if self.stopping:
                raise ExecutionAborted()
            try:
                if self.persistence is None:
                    output = run_scope(frame, self.machine, value, start_at)
                else:
                    output = _run_checkpointed(frame, self.machine, value, start_at, self.persistence)
            except RecursionError:
                # A value nested past what Python's stack holds (a handler's result, parsed JSON
                # text): the execution fails as AWS fails on data it cannot process.
                raise StateRuntimeError(RUNTIME, "The execution failed: a JSON value is nested too "
                                                 "deeply to process.") from None
        except ExecutionTimedOut as timed_out:
            frame.clock = self.clock
            if self.clock.virtual:  # a branch's clock may have reached the deadline, not this one
                self.clock.now = max(self.clock.now, self.clock.deadline)
            details = {"error": "States.Timeout"}
            if timed_out.cause:
                details["cause"] = timed_out.cause
            self.history.lift_limit()
            frame.event("ExecutionTimedOut", "executionTimedOutEventDetails", details)
            self.end = self.clock.now
            return Outcome("TIMED_OUT", error="States.Timeout", cause=timed_out.cause)
        except ExecutionAborted:
            error, cause = self.stop_reason
            self.history.lift_limit()
            frame.clock = self.clock
            frame.last_event = len(self.history)
            frame.event("ExecutionAborted", "executionAbortedEventDetails",
                        {k: v for k, v in (("error", error), ("cause", cause)) if v is not None})
            self.end = self.clock.now
            return Outcome("ABORTED", error=error, cause=cause)
        except ASLError as err:
            # A timeout's cause is empty: AWS records none, in the event and in DescribeExecution.
            cause = err.cause if err.cause != "" else None
            details = {"error": err.error, "cause": cause}
            self.history.lift_limit()  # the final event always fits
            frame.event("ExecutionFailed", "executionFailedEventDetails",
                        {k: v for k, v in details.items() if v is not None})
            self.end = self.clock.now
            return Outcome("FAILED", error=err.error, cause=cause)
        frame.event("ExecutionSucceeded", "executionSucceededEventDetails", {"output": output})
        self.end = self.clock.now
        return Outcome("SUCCEEDED", output=output)


# The history keeps every payload alive, so frequent full collections would walk an ever larger
# heap: while any execution runs, gc collects less often. Runs overlap (threads, nested
# executions), so the first one in saves the process's thresholds and the last one out puts
# them back; a library must leave interpreter settings as it found them.
_gc_lock = threading.Lock()
_gc_runs = 0
_gc_saved: tuple = ()


def _collect_less_often() -> None:
    global _gc_runs, _gc_saved
    with _gc_lock:
        if _gc_runs == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(_gc_saved[0], 10_000), *_gc_saved[1:])
        _gc_runs += 1


def _collect_as_before() -> None:
    global _gc_runs
    with _gc_lock:
        _gc_runs -= 1
        if _gc_runs == 0:
            gc.set_threshold(*_gc_saved)


class Frame:
    """A running scope: its clock, variables, scope and the last history event it recorded."""

    __slots__ = ("execution", "clock", "variables", "last_event", "state", "entered_event",
                 "entered_time", "retry_count", "_context", "map_item", "task_token", "history",
                 "failed_event", "countdown", "transitions", "scope", "choice_rule")

    def __init__(self, execution: Execution, clock, variables: dict, last_event: int, scope: tuple = ()):
        self.execution = execution
        # Observed: record through a Recorder, which publishes each event with this frame's scope.
        self.history = execution.history if execution.publisher is None else Recorder(execution.history, self)
        self.clock = clock
        self.variables = variables
        self.last_event = last_event
        self.scope = scope
        self.choice_rule = None  # set by a Choice state: the matched rule's index, -1 for Default
        self.state = None
        self.entered_event = 0
        self.entered_time = 0.0
        self.retry_count = 0
        self._context = None
        self.map_item = None
        self.task_token = None
        self.failed_event = None  # MapStateFailed / ParallelStateFailed, recorded unless retried
        self.countdown = execution.check_every  # transitions until run_state next calls checkpoint()
        self.transitions = 0  # transitions of this scope run counted at past checkpoints

    def child(self, step: tuple | None = None, clock=None) -> "Frame":
        """A nested scope (branch or iteration): reads outer variables, its writes stay inside."""
        return Frame(self.execution, clock or self.clock.fork(), dict(self.variables), self.last_event,
                     self.scope + (step,) if step is not None else self.scope)

    def event(self, type_: str, details_key: str | None = None, details: dict | None = None) -> int:
        self.last_event = self.history.add(type_, self.last_event, self.clock.now, details_key, details)
        return self.last_event

    def run(self, machine, input):
        """Run a nested scope (a branch, an iteration) in this frame: what states/ call back into."""
        return run_scope(self, machine, input)

    def note(self, type_: str, details: dict) -> None:
        """An engine-only event for observers (events.ENGINE_EVENT_TYPES); nothing when unobserved."""
        history = self.history
        if history.observed:
            history.note(type_, details)

    def context(self) -> dict:
        """The context object (`$$`), built only for states that read it."""
        ctx = self._context
        if ctx is None:
            ex = self.execution
            state = {"EnteredTime": format_epoch(self.entered_time), "Name": self.state.name}
            if self.state.type in ("Task", "Parallel", "Map"):
                state["RetryCount"] = self.retry_count
            ctx = {"Execution": ex.context_execution, "StateMachine": ex.context_state_machine, "State": state}
            if self.task_token is not None:
                ctx["Task"] = {"Token": self.task_token}
            if self.map_item is not None:
                ctx["Map"] = {"Item": {"Index": self.map_item[0], "Value": self.map_item[1]}}
            self._context = ctx
        return ctx

    def set_map_item(self, index, value) -> None:
        self.map_item = (index, value)
        self._context = None

    def set_task_token(self, token) -> None:
        self.task_token = token
        self._context = None

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)


def run_scope(frame: Frame, machine, input, start_at: str | None = None):
    """Run states from StartAt (or `start_at`) until one ends the scope; returns the scope's output."""
    states = machine.states
    state = states[start_at or machine.start_at]
    frame.countdown = frame.execution.check_every  # each scope run (e.g. Map iteration) has its own budget
    frame.transitions = 0
    value = input
    while True:
        value, next_name = run_state(frame, state, value, ACTIONS[state.type])
        if next_name is None:
            return value
        state = states[next_name]


def _run_checkpointed(frame: Frame, machine, input, start_at, persistence):
    """The top-level loop of a persisted execution: a checkpoint after every state it leaves."""
    states = machine.states
    state = states[start_at or machine.start_at]
    frame.countdown = frame.execution.check_every
    frame.transitions = 0
    value = input
    while True:
        value, next_name = run_state(frame, state, value, ACTIONS[state.type])
        if next_name is None:
            return value
        persistence.checkpoint(frame, next_name, value)
        state = states[next_name]


#: The event AWS records for a state in flight when its execution is stopped (no other type has one).
_ABORTED_EVENT = {"Task": "TaskStateAborted", "Wait": "WaitStateAborted", "Map": "MapStateAborted",
                  "Parallel": "ParallelStateAborted"}


def run_state(frame: Frame, state, raw, action):
    """Enter, run with Retry/Catch, check the payload limit, exit. Returns (output, next)."""
    execution = frame.execution
    if execution.stopping:
        raise ExecutionAborted()
    frame.state = state
    entered = frame.entered_time = frame.clock.now
    frame.retry_count = 0
    frame._context = None
    frame.map_item = None
    frame.task_token = None
    frame.choice_rule = None
    order = next(execution.visit_order)
    frame.entered_event = frame.last_event = frame.history.add(
        state.entered_event_type, frame.last_event, entered, "stateEnteredEventDetails",
        {"name": state.name, "input": raw})
    attempts = None
    tries = None  # the attempts that failed and were retried: (error, cause, backoff, started, ended)
    attempt_started = entered
    caught = None
    while True:
        try:
            output, next_name, assigned = action(frame, state, raw)
            break
        except ASLError as err:
            if isinstance(err, StateRuntimeError) and not getattr(err, "located", False):
                message = err.cause
                err.cause = (f"An error occurred while executing the state '{state.name}' "
                             f"(entered at the event id #{frame.entered_event}). {err.cause}")
                err.located = True
                if err.error == QUERY_EVALUATION_ERROR:
                    evaluation_failed(frame, state, err, message or "")
            failed_event = frame.failed_event
            frame.failed_event = None
            if not state.retriers and not state.catchers:
                if failed_event is not None:
                    frame.event(failed_event)
                _failed(frame, state, raw, order, entered, tries, attempt_started, err)
                raise
            retrier_index = find_retrier(state.retriers, err.error)
            if retrier_index is not None:
                if attempts is None:
                    attempts = [0] * len(state.retriers)
                retrier = state.retriers[retrier_index]
                if attempts[retrier_index] < retrier.max_attempts:
                    delay = retry_delay(retrier, attempts[retrier_index])
                    attempts[retrier_index] += 1
                    if tries is None:
                        tries = []
                    tries.append((err.error, err.cause, delay, attempt_started, frame.clock.now))
                    frame.note("RetryScheduled", {"name": state.name, "error": err.error, "cause": err.cause,
                                                  "retrier_index": retrier_index, "attempt": len(tries),
                                                  "backoff_seconds": delay})
                    frame.sleep(delay)
                    attempt_started = frame.clock.now
                    frame.retry_count += 1
                    frame._context = None
                    continue
            if failed_event is not None:  # AWS records it only when the state gives up
                frame.event(failed_event)
            catcher = find_catcher(state.catchers, err.error)
            if catcher is None:
                _failed(frame, state, raw, order, entered, tries, attempt_started, err)
                raise
            output, next_name, assigned = catch(frame, state, raw, err, catcher)
            caught = (err.error, err.cause, state.catchers.index(catcher))
            frame.note("CatchTaken", {"name": state.name, "error": err.error, "cause": err.cause,
                                      "catcher_index": caught[2], "next": next_name})
            break
        except ExecutionAborted:
            _aborted(frame, state, raw, order, entered, tries, attempt_started)
            raise
    if output is not raw:
        check_payload_size(state, output)
    clock = frame.clock
    frame.countdown -= 1
    if not frame.countdown:
        checkpoint(frame)
    if assigned:
        frame.variables.update(assigned)
    if caught is not None:
        pass  # the Catcher's Next wins, even on a state that would otherwise End
    elif state.end:
        next_name = None
    elif next_name is None:
        next_name = state.next
    rule = frame.choice_rule
    if rule is not None and frame.history.observed:
        frame.history.note("ChoiceRuleMatched", {"name": state.name, "rule_index": None if rule < 0 else rule,
                                                 "next": next_name})
    details = {"name": state.name, "output": output}
    if assigned:
        details["assignedVariables"] = assigned
    now = clock.now
    frame.last_event = frame.history.add(state.exited_event_type, frame.last_event, now,
                                         "stateExitedEventDetails", details)
    execution.visits.append((order, state, frame.scope, raw, output, "SUCCEEDED" if caught is None else "CAUGHT",
                             entered, now, tries, attempt_started, caught, rule, next_name,
                             caught and caught[:2]))
    return output, next_name


def checkpoint(frame: Frame) -> None:
    """Every `check_every` transitions: has the deadline passed, or the scope's transition budget?"""
    execution = frame.execution
    step = execution.check_every
    frame.countdown = step
    clock = frame.clock
    clock.check()
    if not clock.virtual:
        return
    frame.transitions += step
    if frame.transitions >= TRANSITION_BUDGET:
        config = execution.config
        clock.now = max(clock.now, clock.deadline)
        raise ExecutionTimedOut(
            f"The state '{frame.state.name}' was reached after {TRANSITION_BUDGET:,} state transitions that took "
            f"no simulated time; asl-runtime ends such a loop at the execution's time limit (the "
            f"{config.state_machine_type} limit of {_duration(config.max_duration)}"
            + ("" if execution.deadline_is_limit else ", or the machine's TimeoutSeconds") + ").")


def _duration(seconds: int) -> str:
    return "1 year" if seconds >= 365 * 24 * 3600 else f"{seconds // 60} minutes"


def _failed(frame, state, raw, order, entered, tries, attempt_started, err) -> None:
    """The visit of a state whose error leaves it (no Retrier or Catcher took it)."""
    frame.note("StateFailed", {"name": state.name, "error": err.error, "cause": err.cause})
    frame.execution.visits.append((order, state, frame.scope, raw, None, "FAILED", entered, frame.clock.now,
                                   tries, attempt_started, None, frame.choice_rule, None, (err.error, err.cause)))


def _aborted(frame, state, raw, order, entered, tries, attempt_started) -> None:
    """A state in flight when the execution stopped: AWS's ...StateAborted event, and its visit."""
    event = _ABORTED_EVENT.get(state.type)
    if event is not None:
        if state.type in ("Map", "Parallel"):
            frame.last_event = len(frame.history)
        frame.event(event)
    frame.execution.visits.append((order, state, frame.scope, raw, None, "ABORTED", entered, frame.clock.now,
                                   tries, attempt_started, None, None, None, None))


def catch(frame: Frame, state, raw, err: ASLError, catcher):
    """The Catcher's output and Assign (JSONPath ResultPath, or JSONata over `$states.errorOutput`)."""
    error_output = err.output()
    output = catcher.finish(frame, raw, error_output)
    assigned = catcher.assign(frame, raw, error_output) if catcher.assign is not None else None
    return output, catcher.next, assigned


def check_payload_size(state, output) -> None:
    """AWS fails a state whose output exceeds 256 KiB; the error cannot be caught."""
    if payload_too_large(output):
        raise ASLError(DATA_LIMIT_EXCEEDED,
                       f"The state/task '{state.name}' returned a result with a size exceeding the "
                       f"maximum number of bytes service limit.")


_LOCATION = re.compile(r"specified for the field '([^']*)'|^The value of the field '([^']*)'|^The (\w+) field ")


def evaluation_failed(frame: Frame, state, err: StateRuntimeError, message: str) -> None:
    """AWS's EvaluationFailed event for a JSONata evaluation error: error, cause, the field it
    happened in (`location`, when the error names one) and the state.

    AWS links it to the event before the state's entered event, except in a Wait, whose time is
    evaluated after it enters (recorded: test_wait_timestamp_jsonata_INVALID_ISO, Map Items cases).
    """
    details = {"error": err.error, "cause": err.cause}
    match = _LOCATION.search(message)
    if match:
        details["location"] = next(g for g in match.groups() if g is not None)
    details["state"] = state.name
    previous = frame.entered_event if state.type == "Wait" else frame.history.previous_of(frame.entered_event)
    frame.last_event = previous
    frame.event("EvaluationFailed", "evaluationFailedEventDetails", details)
    if state.type == "Map" and frame.failed_event is None:
        frame.failed_event = "MapStateFailed"  # also when Items failed before MapStateStarted


def _redrive_count(history) -> int:
    """How often the execution was redriven: AWS's context counts the ExecutionRedriven events."""
    return sum(1 for event in history if event.get("type") == "ExecutionRedriven")
