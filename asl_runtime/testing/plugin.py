"""The pytest plugin (entry point `asl` in pytest11): the `asl` fixture, and `--asl-cov`.

    def test_refund(asl):
        saga = asl.machine("order.asl.json", handlers="handlers.py")   # paths: next to the test file
        result = saga.run({"orderId": "1"}, mocks={"HandToLogistics": [{"Throw": {"Error": "Down"}}]})
        asl.assert_path_includes(result, "RefundPayment", "ReleaseInventory")

A definition is compiled once per test module; its handlers file is loaded afresh for each test
(and each injected run), so module-level state in handlers starts clean. Runs use the virtual
clock and stay offline: no AWS call unless the test passes allow_aws=True.

pytest loads this plugin in every session of every project that has asl-runtime installed, so it
imports the engine (api, suite, mocks, injection) inside the fixture's methods, on first use,
not at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import assertions
from .cost import estimate
from .coverage import Coverage

_COVERAGE_KEY = pytest.StashKey[Coverage]() if hasattr(pytest, "StashKey") else None


def pytest_addoption(parser):
    group = parser.getgroup("asl", "state machine coverage (asl-runtime)")
    group.addoption("--asl-cov", action="store_true", default=False,
                    help="measure which states, transitions, Choice rules, retriers, catchers and Map/Parallel "
                         "bodies the tests' executions exercised")
    group.addoption("--asl-cov-report", action="append", default=[], metavar="TYPE",
                    help="term (default), json:PATH or xml:PATH (Cobertura, lines of the definition files); "
                         "repeatable")


def pytest_configure(config):
    config.addinivalue_line("markers", "asl: a test of a state machine (asl-runtime)")
    if config.getoption("--asl-cov") or config.getoption("--asl-cov-report"):
        for spec in config.getoption("--asl-cov-report"):
            kind, _, target = spec.partition(":")
            if kind not in ("term", "json", "xml") or (kind != "term" and not target):
                raise pytest.UsageError(f"--asl-cov-report takes term, json:PATH or xml:PATH, not '{spec}'")
        config.stash[_COVERAGE_KEY] = Coverage()


def _coverage(config) -> Coverage | None:
    return config.stash.get(_COVERAGE_KEY, None)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    coverage = _coverage(config)
    if coverage is None:
        return
    reports = config.getoption("--asl-cov-report") or ["term"]
    for spec in reports:
        kind, _, target = spec.partition(":")
        if kind == "term":
            terminalreporter.write_sep("-", "state machine coverage (asl-runtime)")
            terminalreporter.write_line(coverage.table() if coverage.machines else "no state machine was run")
        elif kind == "json":
            coverage.write_json(target)
            terminalreporter.write_line(f"state machine coverage JSON written to {target}")
        elif kind == "xml":
            coverage.write_cobertura(target, source_root=str(config.rootpath))
            terminalreporter.write_line(f"state machine coverage Cobertura XML written to {target}")


@pytest.fixture(scope="module")
def _asl_machines():
    """Compiled machines, shared by the tests of one module."""
    return {}


@pytest.fixture
def asl(request, _asl_machines):
    """Load state machines next to the test file and run them: virtual clock, offline, clean handlers."""
    here = Path(getattr(request.node, "path", None) or request.fspath).parent
    return Asl(here, _asl_machines, _coverage(request.config))


class Asl:
    """What the `asl` fixture gives a test: `machine(...)` and the assertion helpers."""

    expect = staticmethod(assertions.expect)
    assert_succeeded = staticmethod(assertions.assert_succeeded)
    assert_failed = staticmethod(assertions.assert_failed)
    assert_path = staticmethod(assertions.assert_path)
    assert_path_includes = staticmethod(assertions.assert_path_includes)
    assert_visited = staticmethod(assertions.assert_visited)
    assert_not_visited = staticmethod(assertions.assert_not_visited)
    assert_output = staticmethod(assertions.assert_output)
    assert_output_includes = staticmethod(assertions.assert_output_includes)
    assert_retried = staticmethod(assertions.assert_retried)
    assert_caught = staticmethod(assertions.assert_caught)
    assert_no_unhandled = staticmethod(assertions.assert_no_unhandled)
    estimate = staticmethod(estimate)  # estimate(result, "STANDARD" | "EXPRESS"): transitions, dollars, duration

    def __init__(self, base: Path, cache: dict, coverage: Coverage | None):
        self.base = base
        self._cache = cache
        self.coverage = coverage

    def path(self, relative) -> str:
        return str(relative if os.path.isabs(relative) else self.base / relative)

    def machine(self, definition, handlers=None, *, name: str | None = None, type: str = "STANDARD",
                mock_config=None, state_machines=None, allow_aws: bool = False) -> "Machine":
        """A machine under test. `definition`: a file (relative to the test file) or a dict;
        `handlers`: a handlers file, a list of them, or a dict of callables."""
        from ..api import StateMachine

        if isinstance(definition, dict):
            key, source = f"<definition {id(definition)}>", None
            machine = StateMachine.from_json(definition, name=name)
        else:
            source = self.path(definition)
            key = (source, name)
            machine = self._cache.get(key)
            if machine is None:
                from .suite import load_machine
                machine = self._cache[key] = load_machine(source, name)
            key = os.path.relpath(source, os.getcwd())
        files = [handlers] if isinstance(handlers, (str, os.PathLike)) else handlers
        if isinstance(files, list):
            files = [self.path(f) for f in files]
        if isinstance(mock_config, (str, os.PathLike)):
            mock_config = self.path(mock_config)
        if state_machines:
            state_machines = {k: self.path(v) if isinstance(v, (str, os.PathLike)) else v
                              for k, v in state_machines.items()}
        return Machine(machine, key, source, files, type=type, mock_config=mock_config,
                       state_machines=state_machines, allow_aws=allow_aws, coverage=self.coverage)


class Machine:
    """A compiled machine with its handlers: run it, inject failures into it."""

    def __init__(self, machine, key, source, handlers, *, type="STANDARD", mock_config=None,
                 state_machines=None, allow_aws=False, coverage=None):
        self.state_machine = machine
        self.definition = machine.definition
        self.key = key
        self.source = source
        self._handler_files = handlers if isinstance(handlers, list) else None
        self._handler_dict = handlers if isinstance(handlers, dict) else None
        self.type = type
        self.mock_config = mock_config
        self.state_machines = state_machines
        self.allow_aws = allow_aws
        self.coverage = coverage
        self.handlers = self._fresh_handlers()

    def _fresh_handlers(self) -> dict:
        from .suite import fresh_handlers
        if self._handler_files is not None:
            return fresh_handlers(self._handler_files)
        return dict(self._handler_dict or {})

    @property
    def module(self) -> dict:
        """The globals of the (first) handlers file: its stores and counters, for assertions."""
        for fn in self.handlers.values():
            if self._handler_files and fn.__globals__.get("__file__") in self._handler_files:
                return fn.__globals__
        return {}

    def run(self, input=None, *, mocks=None, test_case=None, handlers=None, **options):
        """StateMachine.run with this machine's handlers, mock config, type; virtual clock; offline."""
        from .suite import _run_parameters

        from ..api import StateMachine

        merged = {**self.handlers, **(handlers or {})}
        options.setdefault("clock", "virtual")
        options.setdefault("state_machine_type", self.type)
        if self.state_machines and "state_machines" not in options:
            options["state_machines"] = self.state_machines
        if "allow_aws" in _run_parameters(StateMachine):
            options.setdefault("allow_aws", self.allow_aws)
        if test_case is not None:
            options.setdefault("mock_config", self.mock_config)
        result = self.state_machine.run(input, handlers=merged, mocks=mocks, test_case=test_case, **options)
        if self.coverage is not None:
            self.coverage.add(self.key, self.definition, result, self.source)
        return result

    def test_cases(self) -> list[str]:
        """The names of the MockConfig's test cases for this machine."""
        from ..integrations.mocks import MockConfig
        config = MockConfig.load(self.mock_config)
        name = self.state_machine.name or (next(iter(config.machines)) if len(config.machines) == 1 else None)
        return sorted(config.machines.get(name, {}))

    def inject(self, input=None, *, mocks=None, test_case=None, **options):
        """Inject every failure (injection.py) into runs of this input; returns the Injections."""
        from ..api import StateMachine
        from .injection import inject_all

        baseline = self.run(input, mocks=mocks, test_case=test_case, **options)

        def run(definition, injected):
            self.handlers = self._fresh_handlers()
            target = self if definition is None else Machine(
                StateMachine.from_json(definition, name=self.state_machine.name), self.key, self.source,
                self._handler_files or self._handler_dict, type=self.type, mock_config=self.mock_config,
                state_machines=self.state_machines, allow_aws=self.allow_aws, coverage=None)
            if target is not self:
                target.handlers = self.handlers
            result = target.run(input, mocks={**(mocks or {}), **injected}, test_case=test_case, **options)
            if target is not self and self.coverage is not None:
                self.coverage.add(self.key, self.definition, result, self.source)
            return result

        found = inject_all(self.definition, run, reached=lambda state: bool(baseline.visits(state)))
        self.handlers = self._fresh_handlers()
        return found
