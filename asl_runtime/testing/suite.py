"""`asl test` suites: a state machine, its handlers and mocks, and named cases with expectations.

    {"StateMachine": "definition.asl.json", "Handlers": "handlers.py", "MockConfig": "mocks.json",
     "Input": {...}, "TestCases": "ALL",
     "Tests": {"LogisticsDown": {"Input": {...}, "TestCase": "LogisticsDown", "Mocks": {...},
                                 "Expect": {"Status": "FAILED", "Path": [...], ...}}}}

JSON or YAML; paths are relative to the suite file. `"TestCases": "ALL"` makes every test case the
MockConfig has for this machine a test (expected to succeed unless Tests says otherwise), so a
whole MockConfigFile runs from one line. A case's Input defaults to the suite's Input (or
InputFile). Everything is checked when the suite loads: a bad suite is one error naming the file
and the field, before anything runs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ..api import StateMachine
from ..definition.loader import load_definition_file
from ..errors import DefinitionError
from ..integrations.local_lambda import HandlersFileError, load_handler_files
from ..integrations.mocks import MockConfig, MockConfigError, StateMocks, state_names
from .cost import estimate
from .expectations import EXPECT_KEYS, differences, report

SUITE_KEYS = ("StateMachine", "Handlers", "MockConfig", "StateMachineName", "Type", "StateMachines", "Input",
              "InputFile", "TestCases", "Tests", "Comment")
TEST_KEYS = ("Input", "InputFile", "TestCase", "Mocks", "Expect", "Comment")
STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class SuiteError(ValueError):
    """A suite that cannot run: unreadable, malformed, or naming what does not exist."""


@dataclass
class Case:
    name: str
    input: Any
    test_case: str | None = None
    mocks: dict | None = None
    expect: dict = field(default_factory=dict)


@dataclass
class Suite:
    path: str
    name: str
    machine: Any                   # StateMachine
    definition_path: str
    handlers: list[str]
    mock_config: Any = None        # a loaded MockConfig
    state_machine_name: str | None = None
    type: str = "STANDARD"
    state_machines: dict = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)


@dataclass
class CaseResult:
    """How one case went: passed, what differed, and the run itself."""

    suite: str
    name: str
    passed: bool
    differences: list[str] = field(default_factory=list)
    error: str | None = None     # the case could not run (a handler file failed to load, ...)
    seconds: float = 0.0         # wall-clock time of the run
    result: Any = None           # the ExecutionResult
    estimate: Any = None         # cost.Estimate

    @property
    def path(self) -> list[str]:
        return list(self.result.path) if self.result is not None else []

    @property
    def report(self) -> str:
        if self.error:
            return self.error
        return report(self.result, self.differences) if self.result is not None else "\n".join(self.differences)

    def to_dict(self) -> dict:
        out = {"name": self.name, "suite": self.suite, "passed": self.passed, "differences": list(self.differences)}
        if self.error:
            out["error"] = self.error
        if self.result is not None:
            out.update(status=self.result.status, error=self.result.error, cause=self.result.cause,
                       path=self.path, transitions=self.result.transitions)
        if self.estimate is not None:
            out["estimate"] = self.estimate.to_dict()
        return out


# --------------------------------------------------------------------------- loading
def read_document(path: str, what: str = "suite"):
    """A JSON or YAML file as data; SuiteError (with the line) when it cannot be read or parsed."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise SuiteError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SuiteError(f"{what} {path} is not UTF-8 text ({exc.reason})") from None
    if path.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise SuiteError(f"{what} {path} is YAML: install PyYAML (pip install 'asl-runtime[yaml]')") from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SuiteError(f"{what} {path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{what} {path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") \
            from None


def load_suite(path: str | os.PathLike) -> Suite:
    """Read and check a suite; every file it names is loaded now."""

    path = os.fspath(path)
    doc = read_document(path)
    base = os.path.dirname(os.path.abspath(path))

    def fail(where: str, message: str):
        raise SuiteError(f"{path}: {where}: {message}")

    if not isinstance(doc, dict):
        fail("/", "a suite is an object with StateMachine and Tests")
    _known(doc, SUITE_KEYS, "/", fail)
    if not isinstance(doc.get("StateMachine"), str):
        fail("/StateMachine", "required: the definition file, relative to the suite")
    definition_path = os.path.join(base, doc["StateMachine"])
    sm_type = doc.get("Type", "STANDARD")
    if sm_type not in ("STANDARD", "EXPRESS"):
        fail("/Type", "must be STANDARD or EXPRESS")
    name = doc.get("StateMachineName")
    if name is not None and not isinstance(name, str):
        fail("/StateMachineName", "must be a string")
    try:
        machine = load_machine(definition_path, name)
    except OSError as exc:
        fail("/StateMachine", f"cannot read {definition_path}: {exc.strerror or exc}")
    except SuiteError as exc:
        fail("/StateMachine", str(exc))
    except DefinitionError as exc:
        lines = "; ".join(f"{p.path or '/'}: {p.message}" for p in exc.errors[:5])
        fail("/StateMachine", f"{definition_path} is not a valid definition: {lines}")

    handlers = doc.get("Handlers", [])
    handlers = [handlers] if isinstance(handlers, str) else handlers
    if not isinstance(handlers, list) or not all(isinstance(h, str) for h in handlers):
        fail("/Handlers", "must be a handlers file or a list of them")
    handlers = [os.path.join(base, h) for h in handlers]
    for index, handler_path in enumerate(handlers):
        if not os.path.isfile(handler_path):
            fail(f"/Handlers/{index}" if isinstance(doc.get("Handlers"), list) else "/Handlers",
                 f"no such file {handler_path}")

    mock_config = None
    if "MockConfig" in doc:
        if not isinstance(doc["MockConfig"], str):
            fail("/MockConfig", "must be the path of a MockConfigFile")
        try:
            mock_config = MockConfig.load(os.path.join(base, doc["MockConfig"]))
        except MockConfigError as exc:
            fail("/MockConfig", str(exc))

    nested = doc.get("StateMachines", {})
    if not isinstance(nested, dict) or not all(isinstance(v, str) for v in nested.values()):
        fail("/StateMachines", "must map state machine names (or ARNs) to definition files")
    nested = {key: os.path.join(base, value) for key, value in nested.items()}

    suite = Suite(path=path, name=_suite_name(path), machine=machine, definition_path=definition_path,
                  handlers=handlers, mock_config=mock_config, state_machine_name=name, type=sm_type,
                  state_machines=nested)
    default_input = _input(doc, base, "", fail, {})
    tests = doc.get("Tests", {})
    if not isinstance(tests, dict):
        fail("/Tests", "must be an object of named tests")
    names = state_names(machine.definition)
    for test_name, body in tests.items():
        suite.cases.append(_case(test_name, body, base, default_input, names, suite, fail))
    if "TestCases" in doc:
        if doc["TestCases"] != "ALL":
            fail("/TestCases", 'the only value is "ALL": every test case of MockConfig becomes a test')
        if mock_config is None:
            fail("/TestCases", "needs a MockConfig")
        machine_name = name or _only_machine(mock_config, fail)
        listed = {c.name for c in suite.cases}
        for case_name in mock_config.machines.get(machine_name, {}):
            if case_name not in listed:
                suite.cases.append(Case(case_name, default_input, test_case=case_name, expect={"Status": "SUCCEEDED"}))
    if not suite.cases:
        fail("/Tests", 'no tests: give Tests, or "TestCases": "ALL" with a MockConfig')
    return suite


def load_definition(path: str) -> dict:
    """The definition loader's dict, reading a YAML definition itself when the loader takes JSON only.

    Raises OSError, DefinitionError (malformed JSON) or SuiteError (malformed YAML)."""

    try:
        return load_definition_file(path)
    except DefinitionError as exc:
        if not (str(path).endswith((".yaml", ".yml")) and getattr(exc, "malformed_json", False)):
            raise
    document = read_document(str(path), "definition")
    if not isinstance(document, dict):
        raise SuiteError(f"definition {path} is not a YAML mapping of StartAt and States")
    return document


def load_machine(path: str, name: str | None = None):
    """A StateMachine from a JSON or YAML definition file."""
    return StateMachine.from_json(load_definition(path), name=name)


def _suite_name(path: str) -> str:
    base = os.path.basename(path)
    for suffix in (".json", ".yaml", ".yml"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    parent = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return f"{parent}/{base}" if parent else base


def _only_machine(mock_config, fail) -> str:
    if len(mock_config.machines) == 1:
        return next(iter(mock_config.machines))
    fail("/StateMachineName", f"MockConfig has several state machines "
                              f"({', '.join(sorted(mock_config.machines))}): name this one")


def _known(obj: dict, keys, where: str, fail) -> None:
    unknown = [k for k in obj if k not in keys]
    if unknown:
        fail(f"{where.rstrip('/')}/{unknown[0]}", f"unknown field; expected one of {', '.join(keys)}")


def _input(obj: dict, base: str, where: str, fail, default):
    if "Input" in obj and "InputFile" in obj:
        fail(f"{where}/InputFile", "give Input or InputFile, not both")
    if "InputFile" in obj:
        if not isinstance(obj["InputFile"], str):
            fail(f"{where}/InputFile", "must be a file path")
        file_path = os.path.join(base, obj["InputFile"])
        try:
            return read_document(file_path, "input file")
        except SuiteError as exc:
            fail(f"{where}/InputFile", str(exc))
    return obj.get("Input", default)


def _case(name, body, base, default_input, names, suite, fail) -> Case:
    where = f"/Tests/{name}"
    if not isinstance(body, dict):
        fail(where, "a test is an object with Input and Expect")
    _known(body, TEST_KEYS, where, fail)
    test_case = body.get("TestCase")
    if test_case is not None:
        if suite.mock_config is None:
            fail(f"{where}/TestCase", "needs a MockConfig in the suite")
        try:
            machine = suite.state_machine_name or suite.mock_config.machine_for(test_case)
            suite.mock_config.check_test_case(machine, test_case, names)
        except MockConfigError as exc:
            fail(f"{where}/TestCase", str(exc))
    mocks = body.get("Mocks")
    if mocks is not None:
        try:
            StateMocks(mocks, "check", names)  # checks shape and state names only
        except MockConfigError as exc:
            fail(f"{where}/Mocks", str(exc))
    expect = body.get("Expect", {})
    if not isinstance(expect, dict):
        fail(f"{where}/Expect", "must be an object")
    _known(expect, EXPECT_KEYS, f"{where}/Expect", fail)
    if "Status" in expect and expect["Status"] not in STATUSES:
        fail(f"{where}/Expect/Status", f"must be one of {', '.join(STATUSES)}")
    for key in ("Path", "Visited", "NotVisited"):
        if key in expect and (not isinstance(expect[key], list) or not all(isinstance(s, str) for s in expect[key])):
            fail(f"{where}/Expect/{key}", "must be a list of state names")
    for key in ("Visited", "NotVisited"):
        for state in expect.get(key, ()):
            if state.split("/")[-1] not in names:
                fail(f"{where}/Expect/{key}", f"the state machine has no state '{state}'")
    if "OutputIncludes" in expect and not isinstance(expect["OutputIncludes"], dict):
        fail(f"{where}/Expect/OutputIncludes", "must be an object (the part of the output to match)")
    attempts = expect.get("Attempts", {})
    if not isinstance(attempts, dict) or not all(isinstance(v, int) and v >= 1 for v in attempts.values()):
        fail(f"{where}/Expect/Attempts", "must map state names to a number of attempts (1 or more)")
    return Case(name, _input(body, base, where, fail, default_input), test_case, mocks, expect)


# --------------------------------------------------------------------------- running
def fresh_handlers(paths: list[str]) -> dict:
    """Handlers loaded anew for each case, so module state (stores, counters) starts clean."""
    return load_handler_files(paths)


def run_options(suite: Suite) -> dict:
    """The run() keyword arguments every case of the suite shares: virtual clock, offline."""

    options = {"clock": "virtual", "state_machine_name": suite.state_machine_name,
               "state_machine_type": suite.type}
    if suite.state_machines:
        options["state_machines"] = dict(suite.state_machines)
    if "allow_aws" in _run_parameters(StateMachine):
        options["allow_aws"] = False
    return options


def _run_parameters(cls) -> set[str]:
    """The keyword arguments StateMachine.run accepts (it may forward **options to a helper)."""
    import inspect
    names = set()
    for attr in ("run", "_execution"):
        fn = getattr(cls, attr, None)
        if fn is not None:
            names |= set(inspect.signature(fn).parameters)
    return names


def run_case(suite: Suite, case: Case, *, mocks: dict | None = None, on_result=None, machine=None) -> CaseResult:
    """Run one case; `mocks` (state -> responses) are laid over the case's own (failure injection)."""

    try:
        handlers = fresh_handlers(suite.handlers)
    except HandlersFileError as exc:
        return CaseResult(suite.name, case.name, False, error=str(exc))
    merged = {**(case.mocks or {}), **(mocks or {})} or None
    machine = machine or suite.machine
    options = run_options(suite)
    started = time.perf_counter()
    try:
        result = machine.run(case.input, handlers=handlers, mocks=merged,
                                   mock_config=suite.mock_config if case.test_case else None,
                                   test_case=case.test_case, **options)
    except (MockConfigError, ValueError, DefinitionError) as exc:  # e.g. input StartExecution refuses
        return CaseResult(suite.name, case.name, False, error=f"{case.name}: {exc}")
    seconds = time.perf_counter() - started
    if on_result is not None:
        on_result(suite, result)
    found = differences(result, case.expect)
    return CaseResult(suite.name, case.name, not found, found, seconds=seconds, result=result,
                      estimate=estimate(result, suite.type))


def run_suite(suite: Suite, on_result=None) -> list[CaseResult]:
    return [run_case(suite, case, on_result=on_result) for case in suite.cases]
