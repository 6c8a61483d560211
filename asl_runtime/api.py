"""The Python API: load a definition once, run it many times."""

from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from .definition.compiler import compile_machine
from .definition.graph import graph_of
from .definition.loader import load_definition_file, load_definition_text
from .definition.problems import Problem
from .definition.validator import validate as check
from .engine.execution import Execution, ExecutionConfig
from .engine.store import Checkpoint, Persistence
from .engine.visits import Visit, visits_from
from .engine.workers import run_in_background
from .errors import DefinitionError, InvalidExecutionInput
from .integrations import start_execution
from .integrations.connections import redact
from .integrations.mocks import MockConfig, MockConfigError, MockedTestCase, StateMocks, state_names
from .integrations.services import Services
from .limits import MAX_PAYLOAD_BYTES
from .query.json_limits import MAX_NESTING, too_deep


@dataclass
class ExecutionResult:
    """What one execution ended with, and how it got there (built by `from_execution` only)."""

    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    execution_arn: str = ""
    duration: float = 0.0  # simulated seconds under the virtual clock
    started: float = 0.0   # epoch seconds (simulated under the virtual clock)
    stopped: float = 0.0
    _history: Any = field(default=None, repr=False)
    _secrets: Any = field(default=None, repr=False)  # connection secrets to mask when shown
    _records: list = field(default_factory=list, repr=False)  # the engine's visit records
    _visits: list | None = field(default=None, repr=False)

    @classmethod
    def from_execution(cls, execution, outcome) -> "ExecutionResult":
        return cls(status=outcome.status, output=_own_copy(outcome.output), error=outcome.error, cause=outcome.cause,
                   execution_arn=execution.arn, duration=execution.end - execution.start,
                   started=execution.start, stopped=execution.end, _history=execution.history,
                   _records=execution.visits,
                   _secrets=getattr(execution.services, "connections", None) or None)

    @property
    def history(self) -> list[dict]:
        """AWS GetExecutionHistory-shaped events (connection secrets masked)."""
        return self._shown(self._history.to_aws()) if self._history is not None else []

    def _shown(self, value):
        """`value` as it may be printed: every EventBridge connection secret masked."""
        if not self._secrets:
            return value
        return redact(value, self._secrets.secrets())

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def visits_all(self) -> list[Visit]:
        """Every visit (entry into a state), in the order the states were entered."""
        if self._visits is None:
            self._visits = visits_from(self._records)
        return self._visits

    def visits(self, name: str) -> list[Visit]:
        """The visits of a state: by plain name (every scope) or qualified ("Map[3]/Inner")."""
        return [v for v in self.visits_all if v.name == name or v.qualified_name == name]

    @property
    def path(self) -> list[str]:
        """The states entered, in order; inside Map iterations and Parallel branches qualified."""
        return [v.qualified_name for v in self.visits_all]

    @property
    def transitions(self) -> int:
        """State transitions as AWS bills them: one per state entered."""
        return len(self._records)

    @property
    def states(self) -> list[tuple]:
        """(name, type, entered, left, status) per visit, for the CLI's table."""
        return [(v.name, v.type, v.entered, v.left, v.status) for v in self.visits_all]

    def to_dict(self, history: bool = False) -> dict:
        out = self._shown({"status": self.status, "output": self.output, "error": self.error,
                           "cause": self.cause, "executionArn": self.execution_arn})
        if history:
            out["history"] = self.history
        return out


class RunningExecution:
    """An execution running on a background thread (`StateMachine.start`)."""

    def __init__(self, execution):
        self._execution = execution
        self.arn = execution.arn
        self._result: ExecutionResult | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        run_in_background(self._run, f"asl-{execution.config.execution_name}")

    def _run(self) -> None:
        try:
            self._result = ExecutionResult.from_execution(self._execution, self._execution.run())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever calls result()
            self._error = exc
        finally:
            self._done.set()

    def stop(self, error: str | None = None, cause: str | None = None) -> None:
        """StopExecution: end it ABORTED (with this error and cause), children and waiting tasks too."""
        self._execution.stop(error, cause)

    def result(self, timeout: float | None = None) -> ExecutionResult:
        """Wait for the end (at most `timeout` seconds: TimeoutError if it is still running)."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"execution {self.arn} is still running after {timeout} s")
        if self._error is not None:
            raise self._error
        return self._result

    def done(self) -> bool:
        return self._done.is_set()

    @property
    def start_date(self) -> float:
        """When the execution started (epoch seconds), as its record and history say."""
        return self._execution.start

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the end, at most `timeout` seconds; True when it has ended."""
        return self._done.wait(timeout)


class StateMachine:
    """A checked, compiled state machine."""

    def __init__(self, definition: dict, name: str | None = None):

        problems = validate(definition)
        if problems:
            raise DefinitionError(problems)
        self.definition = definition
        self.name = name
        self.machine = compile_machine(definition)
        self._graph = None

    @classmethod
    def from_json(cls, source: str | dict, name: str | None = None) -> "StateMachine":
        definition = source if isinstance(source, dict) else load_definition_text(source)
        return cls(definition, name)

    @classmethod
    def from_file(cls, path: str | os.PathLike, name: str | None = None, *, substitutions: dict | None = None,
                  state_machine_resource: str | None = None) -> "StateMachine":
        """Load a .json/.asl.json/.asl.yaml/.yaml/.yml definition, or the state machine of a SAM or
        CloudFormation template; `substitutions` fill `${Key}` placeholders as DefinitionSubstitutions do."""
        return cls(load_definition_file(path, substitutions=substitutions,
                                        state_machine_resource=state_machine_resource), name)

    @property
    def graph(self):
        """The definition as a graph (definition/graph.py): states, transitions, nesting."""
        if self._graph is None:
            self._graph = graph_of(self.definition)
        return self._graph

    def run(self, input: Any = None, **options) -> ExecutionResult:
        """Run one execution to its end on this thread and return the result (never raises for a failed run).

        Options: `handlers`, `clock` ("virtual" | "real"), the context values (`execution_name`,
        `state_machine_name`, `account_id`, `region`, `role_arn`, `state_machine_type`,
        `express_execution_id`), `mock_config` (a MockConfigFile path or dict) with `test_case`,
        `mocks` ({STATE: [RESPONSE, ...]}, integrations/mocks.py: this machine's states mocked by
        name, over the test case; `{"PassThrough": true}` lets an attempt run for real),
        `state_machines` (name or ARN -> StateMachine, definition dict or file: what
        states:startExecution may start), `services`, `observers` (callables receiving each
        engine.events.Event), `store` (an engine.store.ExecutionStore the execution persists
        itself to) and `resume` (an engine.store.Checkpoint to continue from).  A malformed mock
        config or mock, an unknown test case, or a mock of a state the machine lacks raises
        MockConfigError before anything runs.  `connections` (EventBridge connection ARN ->
        AuthParameters, or a JSON file of them) authorize HTTP Tasks; a malformed one raises
        ConnectionsError before anything runs.  `tracer_provider` (an OpenTelemetry TracerProvider)
        records the execution as spans (views/traces.py); without one, OTLP export happens when the
        standard OTEL_EXPORTER_OTLP_* variables are set.  AWS calls go only to moto or a configured
        endpoint unless `allow_aws=True` (or ASL_ALLOW_AWS=1).  `wait_time_scale` (clock="real"
        only) makes each Wait and retry back-off take that fraction of its real time, as Step
        Functions Local's WAIT_TIME_SCALE does.
        """
        execution = self._execution(input, **options)
        return ExecutionResult.from_execution(execution, execution.run())

    def start(self, input: Any = None, **options) -> RunningExecution:
        """Start an execution on a background thread; the same options as run()."""
        return RunningExecution(self._execution(input, **options))

    def _execution(self, input: Any = None, *, handlers: dict[str, Callable] | None = None, clock: str = "virtual",
                   execution_name: str | None = None, state_machine_name: str | None = None,
                   account_id: str | None = None, region: str | None = None, role_arn: str | None = None,
                   state_machine_type: str | None = None, express_execution_id: str | None = None,
                   mock_config=None, test_case: str | None = None, mocks: dict | None = None,
                   state_machines=None, connections=None, services=None, observers=None, store=None,
                   resume=None, tracer_provider=None, allow_aws: bool | None = None,
                   wait_time_scale: float = 1.0):
        """The Execution run() and start() run, with every option checked first."""
        if isinstance(wait_time_scale, bool) or not isinstance(wait_time_scale, (int, float)) \
                or not 0 <= wait_time_scale < float("inf"):
            raise ValueError(f"wait_time_scale must be a number of 0 or more, not {wait_time_scale!r}")
        if wait_time_scale != 1 and clock != "real":
            raise ValueError("wait_time_scale applies to clock='real'; under the virtual clock Waits "
                             "and back-offs take no real time already")

        if state_machine_type is not None and state_machine_type.upper() == "EXPRESS":
            self._check_express()
        if resume is not None:
            resume = _checkpoint(resume)
            if input is None:
                input = _started_input(resume)
        if input is None:
            input = {}
        input = _own_input(input)
        machine_name = state_machine_name or self.name
        state_mocks, mocks = mocks, None
        if mock_config is not None or test_case is not None:
            mocks, machine_name = self._mocks(mock_config, test_case, machine_name)
        if state_mocks is not None:
            mocks = StateMocks(state_mocks, machine_name or "StateMachine", state_names(self.definition), mocks)
        config = ExecutionConfig(
            account_id=account_id or "123456789012", region=region or "us-east-1",
            state_machine_name=machine_name or "StateMachine",
            execution_name=execution_name, role_arn=role_arn,
            state_machine_type=state_machine_type or "STANDARD", express_execution_id=express_execution_id)
        if services is None:
            services = Services(handlers=handlers, mocks=mocks, state_machines=state_machines,
                                connections=connections, allow_aws=allow_aws)
        elif handlers or mocks is not None or state_machines or connections is not None \
                or allow_aws is not None:
            services = services.derive(handlers=handlers, mocks=mocks, state_machines=state_machines,
                                       connections=connections, allow_aws=allow_aws)
        persistence = Persistence(store, mask=_secret_mask(services)) if store is not None else None
        observers = _with_tracing(observers, tracer_provider)
        return Execution(self.machine, input, config, services, clock=clock, observers=observers, resume=resume,
                         persistence=persistence, wait_time_scale=wait_time_scale)

    def _check_express(self) -> None:
        """What CreateStateMachine refuses for an EXPRESS machine (.sync, callbacks, activities),
        checked once per machine: raises DefinitionError."""
        problems = self.__dict__.get("_express_problems")
        if problems is None:
            problems = self._express_problems = check(self.definition, state_machine_type="EXPRESS")
        if problems:
            raise DefinitionError(problems)

    def _mocks(self, mock_config, test_case, machine_name):
        """(MockedTestCase, the state machine name it is filed under), checked before the run."""

        if mock_config is None or test_case is None:
            raise MockConfigError("a mock config and a test case go together: give both")
        config = MockConfig.load(mock_config)
        if machine_name is None:
            # An unnamed machine takes the name of the only one the file has this test case for.
            machine_name = config.machine_for(test_case)
        config.check_test_case(machine_name, test_case, state_names(self.definition))
        return MockedTestCase(config, test_case), machine_name


def validate(definition: dict | str, state_machine_type: str | None = None) -> list:
    """Every problem AWS's CreateStateMachine would report (definition.problems.Problem: .path, .message).

    `definition` is a dict or JSON text; malformed text is reported as a problem, not raised.
    `state_machine_type` "EXPRESS" adds what CreateStateMachine refuses in Express machines.
    """

    if isinstance(definition, (str, bytes, bytearray)):
        try:
            definition = load_definition_text(definition if isinstance(definition, str) else definition.decode())
        except DefinitionError as err:
            return list(err.errors)
        except UnicodeDecodeError as exc:
            return [Problem("", f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})")]
    return check(definition, state_machine_type=state_machine_type)


def _secret_mask(services):
    """What masks the EventBridge connection secrets in what a store keeps (None: nothing to mask)."""
    connections = getattr(services, "connections", None)
    if not connections:
        return None
    return lambda value: redact(value, connections.secrets())


def _checkpoint(value):
    return value if isinstance(value, Checkpoint) else Checkpoint.from_dict(value)


def _started_input(checkpoint):
    """The execution's own input, from the ExecutionStarted event of a checkpoint's history."""
    for event in checkpoint.history[:1]:
        text = event.get("executionStartedEventDetails", {}).get("input")
        if isinstance(text, str):
            return json.loads(text)
    return None


def _own_input(value):
    """The execution's own copy of its input, refused as StartExecution refuses input that is not
    JSON or is over 256 KiB. The copy keeps later changes to the caller's value out of the run and
    its recorded history."""


    if too_deep(value):
        raise InvalidExecutionInput(f"the execution input is nested more than {MAX_NESTING} levels "
                                    f"deep, more than asl-runtime processes")
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidExecutionInput(f"the execution input is not JSON: {exc}") from None
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise InvalidExecutionInput(f"the execution input is over {MAX_PAYLOAD_BYTES:,} bytes of JSON, "
                                    f"the most AWS accepts")
    return json.loads(text)


def _own_copy(output):
    """The caller's own copy of an output: the run's values share constants of the compiled
    machine (a Pass Result, constant Parameters, Assign), which must not change run to run."""
    if output is None or output.__class__ in (str, int, float, bool):
        return output

    try:
        return json.loads(json.dumps(output, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError, RecursionError):

        return copy.deepcopy(output)


def _load_machine(value, name: str):
    """A StateMachine from a definition dict or file, for states:startExecution; None otherwise."""
    if isinstance(value, dict):
        return StateMachine.from_json(value, name=name)
    if isinstance(value, (str, os.PathLike)):
        return StateMachine.from_file(value, name=name)
    return None


start_execution.machine_loader = _load_machine


def _with_tracing(observers, tracer_provider):
    """The observers plus the span recorder when a tracer provider is given or OTEL_* ask for one.

    The one place the API reaches into views/: only when tracing is on, and only for the
    recorder, which is an observer like any other (imported here: views/ sits above api.py, and
    OpenTelemetry is an optional extra).
    """
    if tracer_provider is None:
        if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
            return observers
        from .views.traces import global_provider_from_environment
        tracer_provider = global_provider_from_environment()
        if tracer_provider is None:
            return observers
    from .views.traces import SpanRecorder
    return [*(observers or ()), SpanRecorder(tracer_provider)]
