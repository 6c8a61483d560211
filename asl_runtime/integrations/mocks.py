"""Mocked service responses from a MockConfigFile (the format Step Functions Local introduced).

    {"StateMachines": {NAME: {"TestCases": {CASE: {STATE: RESPONSE}}}},
     "MockedResponses": {RESPONSE: {"0": {"Return": VALUE}, "1-2": {"Throw": {"Error": E, "Cause": C}}}}}

A mocked Task state returns or throws its next response instead of calling anything; the keys
count the state's invocations (retries and loop iterations included) from 0.  States the test
case does not name run normally.

`run(mocks={STATE: [RESPONSE, ...]})` mocks states in code with the same responses, the list index
being the invocation (or a dict keyed "0", "1-2" as above).  A response `{"PassThrough": true}`
(`PASS_THROUGH`, an asl-runtime addition) lets that invocation run for real: the handler, the test
case's mock, or the service, whichever would have answered without `mocks=`.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import RUNTIME, ASLError

_INDEX = re.compile(r"^(\d+)(?:-(\d+))?$")


#: The response that lets one invocation of a mocked state run for real.
PASS_THROUGH = {"PassThrough": True}
_KINDS = ("Return", "Throw", "PassThrough")


class MockConfigError(ValueError):
    """A MockConfigFile that cannot be used: malformed, or lacking the test case asked for."""


@dataclass(frozen=True)
class MockedResponse:
    """One entry of a response: invocations first..last return `value` or throw (error, cause)."""

    first: int
    last: int
    kind: str  # "Return" | "Throw" | "PassThrough"
    value: Any = None
    error: str | None = None
    cause: str | None = None

    def deliver(self):
        if self.kind == "Throw":
            raise ASLError(self.error, self.cause)
        return json.loads(json.dumps(self.value))  # each invocation gets its own copy


class MockConfig:
    """A checked MockConfigFile."""

    def __init__(self, document: Any, source: str = "mock config"):
        self.source = source
        self.machines: dict[str, dict[str, dict[str, str]]] = {}
        self.responses: dict[str, tuple[MockedResponse, ...]] = {}
        self._check(document)

    @classmethod
    def load(cls, source) -> "MockConfig":
        """From a MockConfig, the path of a JSON file, or the parsed document (a dict)."""
        if isinstance(source, MockConfig):
            return source
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError as exc:
                raise MockConfigError(f"cannot read mock config {path}: {exc.strerror or exc}") from None
            except UnicodeDecodeError as exc:
                raise MockConfigError(f"mock config {path} is not valid JSON: not UTF-8 text ({exc.reason})") from None
            try:
                document = json.loads(text)
            except ValueError as exc:
                raise MockConfigError(f"mock config {path} is not valid JSON: {exc}") from None
            return cls(document, path)
        return cls(source)

    # ------------------------------------------------------------------ checking
    def _fail(self, where: str, message: str):
        raise MockConfigError(f"{self.source}: {where}: {message}")

    def _check(self, doc) -> None:
        if not isinstance(doc, dict):
            self._fail("/", "must be a JSON object with StateMachines and MockedResponses")
        unknown = set(doc) - {"StateMachines", "MockedResponses"}
        if unknown:
            self._fail("/", f"unknown field(s) {', '.join(sorted(unknown))}; expected StateMachines and "
                            f"MockedResponses")
        responses = doc.get("MockedResponses", {})
        if not isinstance(responses, dict):
            self._fail("/MockedResponses", "must be an object of named responses")
        for name, response in responses.items():
            self.responses[name] = self._response(f"/MockedResponses/{name}", response)
        machines = doc.get("StateMachines")
        if not isinstance(machines, dict):
            self._fail("/StateMachines", "must be an object keyed by state machine name")
        for machine, body in machines.items():
            where = f"/StateMachines/{machine}"
            if not isinstance(body, dict) or not isinstance(body.get("TestCases"), dict):
                self._fail(where, "must be an object with a TestCases object")
            cases = {}
            for case, states in body["TestCases"].items():
                if not isinstance(states, dict):
                    self._fail(f"{where}/TestCases/{case}", "must map state names to response names")
                for state, response in states.items():
                    if not isinstance(response, str):
                        self._fail(f"{where}/TestCases/{case}/{state}", "must be the name of a mocked response")
                    if response not in self.responses:
                        self._fail(f"{where}/TestCases/{case}/{state}",
                                   f"names the response '{response}', which MockedResponses does not define")
                cases[case] = dict(states)
            self.machines[machine] = cases

    def _response(self, where: str, response) -> tuple[MockedResponse, ...]:
        try:
            return parse_response(response)
        except _Bad as bad:
            self._fail(where + bad.where, bad.message)

    # ------------------------------------------------------------------ lookup
    def machine_for(self, test_case: str) -> str:
        """The only state machine with this test case, for a run that names none."""
        names = sorted(m for m, cases in self.machines.items() if test_case in cases)
        if len(names) == 1:
            return names[0]
        if names:
            raise MockConfigError(f"{self.source}: state machines {', '.join(names)} all have a test case "
                                  f"'{test_case}'; name the run's state machine with state_machine_name= "
                                  f"or --state-machine-name")
        known = sorted({c for cases in self.machines.values() for c in cases})
        raise MockConfigError(f"{self.source}: no state machine has a test case '{test_case}' "
                              f"(test cases: {', '.join(known) or 'none'})")

    def check_test_case(self, machine: str, test_case: str, state_names=None) -> None:
        """Raise MockConfigError unless `machine` has `test_case` (and it names only real states)."""
        if machine not in self.machines:
            known = ", ".join(sorted(self.machines)) or "none"
            raise MockConfigError(f"{self.source}: no state machine named '{machine}' in StateMachines "
                                  f"(it has: {known}); name the run's state machine with "
                                  f"state_machine_name= or --state-machine-name")
        cases = self.machines[machine]
        if test_case not in cases:
            known = ", ".join(sorted(cases)) or "none"
            raise MockConfigError(f"{self.source}: state machine '{machine}' has no test case '{test_case}' "
                                  f"(it has: {known})")
        if state_names is not None:
            missing = sorted(set(cases[test_case]) - set(state_names))
            if missing:
                raise MockConfigError(f"{self.source}: test case '{test_case}' mocks state(s) "
                                      f"{', '.join(repr(s) for s in missing)}, which the state machine "
                                      f"does not have")


class _Bad(Exception):
    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def parse_response(response) -> tuple[MockedResponse, ...]:
    """A mocked response ({"0": {"Return": v}, "1-2": {"Throw": {...}}}) as entries sorted by invocation."""
    if not isinstance(response, dict) or not response:
        raise _Bad("", 'must be an object of invocation keys ("0", "1-2") to Return or Throw')
    entries = []
    for key, entry in response.items():
        match = _INDEX.match(str(key))
        if not match:
            raise _Bad(f"/{key}", 'an invocation key is a number or a range such as "1-2"')
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise _Bad(f"/{key}", "the range ends before it starts")
        entries.append(_entry(f"/{key}", first, last, entry))
    entries.sort(key=lambda e: e.first)
    for before, after in zip(entries, entries[1:]):
        if after.first <= before.last:
            raise _Bad("", f"invocation {after.first} has more than one response")
    return tuple(entries)


def _entry(where: str, first: int, last: int, entry) -> MockedResponse:
    if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in _KINDS:
        raise _Bad(where, "must be an object with exactly one of Return, Throw or PassThrough")
    if "Return" in entry:
        return MockedResponse(first, last, "Return", value=entry["Return"])
    if "PassThrough" in entry:
        if entry["PassThrough"] is not True:
            raise _Bad(f"{where}/PassThrough", "must be true")
        return MockedResponse(first, last, "PassThrough")
    thrown = entry["Throw"]
    if not isinstance(thrown, dict) or not isinstance(thrown.get("Error"), str) or \
            not isinstance(thrown.get("Cause", ""), str) or set(thrown) - {"Error", "Cause"}:
        raise _Bad(f"{where}/Throw", "must be {\"Error\": string, \"Cause\": string}")
    return MockedResponse(first, last, "Throw", error=thrown["Error"], cause=thrown.get("Cause"))


class MockedTestCase:
    """One test case in use: which states are mocked, and how often each has been invoked."""

    def __init__(self, config: MockConfig, test_case: str):
        self.config = config
        self.test_case = test_case
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def _fallback(self, frame, state):
        return self.fallback.response_for(frame, state) if self.fallback is not None else None

    def response_for(self, frame, state) -> MockedResponse | None:
        """The response for this invocation of a mocked state; None when the state is not mocked."""
        execution = frame.execution
        machine = execution.config.state_machine_name
        states = self.config.machines.get(machine, {}).get(self.test_case)
        if not states or state.name not in states:
            return None
        with self._lock:
            key = (execution.arn, state.name)
            index = self._counts.get(key, 0)
            self._counts[key] = index + 1
        name = states[state.name]
        for entry in self.config.responses[name]:
            if entry.first <= index <= entry.last:
                return None if entry.kind == "PassThrough" else entry
        raise ASLError(RUNTIME, f"The mocked response '{name}' for state '{state.name}' (test case "
                                f"'{self.test_case}') has no entry for invocation {index}; add a key "
                                f"\"{index}\" or a range that covers it")


class StateMocks:
    """`run(mocks={STATE: responses})`: mocked responses for this run's own states, by state name.

    `responses` is a list (index = invocation: retries and loop iterations count) or a dict keyed
    as a MockConfigFile response ("0", "1-2").  Invocations past the last response are an error,
    as in a MockConfigFile.  `fallback` (a MockedTestCase) answers what these mocks pass through.
    """

    def __init__(self, mocks, machine_name: str, state_names_=None, fallback=None):
        if not isinstance(mocks, dict):
            raise MockConfigError("mocks= must be a dict of state name to a list of responses")
        self.machine_name = machine_name
        self.fallback = fallback
        self.responses: dict[str, tuple[MockedResponse, ...]] = {}
        for state, responses in mocks.items():
            where = f"mocks[{state!r}]"
            if state_names_ is not None and state not in state_names_:
                known = ", ".join(sorted(state_names_))
                raise MockConfigError(f"{where}: the state machine has no state '{state}' (states: {known})")
            if isinstance(responses, (list, tuple)):
                if not responses:
                    raise MockConfigError(f"{where}: give at least one response")
                entries = []
                for index, response in enumerate(responses):
                    try:
                        entries.append(_entry("", index, index, response))
                    except _Bad as bad:
                        raise MockConfigError(f"{where}[{index}]{bad.where}: {bad.message}") from None
                self.responses[state] = tuple(entries)
                continue
            try:
                self.responses[state] = parse_response(responses)
            except _Bad as bad:
                raise MockConfigError(f"{where}{bad.where}: {bad.message}") from None
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def _fallback(self, frame, state):
        return self.fallback.response_for(frame, state) if self.fallback is not None else None

    def response_for(self, frame, state) -> MockedResponse | None:
        entries = self.responses.get(state.name)
        execution = frame.execution
        if entries is None or execution.config.state_machine_name != self.machine_name:
            return self._fallback(frame, state)
        with self._lock:
            key = (execution.arn, state.name)
            index = self._counts.get(key, 0)
            self._counts[key] = index + 1
        for entry in entries:
            if entry.first <= index <= entry.last:
                # What passes through meets the test case (or the handler) as its own next call.
                return self._fallback(frame, state) if entry.kind == "PassThrough" else entry
        raise ASLError(RUNTIME, f"mocks= for state '{state.name}' has no response for invocation {index} "
                                f"(it has {entries[-1].last + 1}); add one, or end with "
                                f"{{\"PassThrough\": true}} to run the state for real")


def state_names(definition: dict) -> set[str]:
    """Every state name in a definition, nested branches and item processors included."""
    names = set()
    stack = [definition]
    while stack:
        scope = stack.pop()
        for name, sdef in (scope.get("States") or {}).items():
            names.add(name)
            if not isinstance(sdef, dict):
                continue
            stack.extend(b for b in sdef.get("Branches", ()) if isinstance(b, dict))
            for key in ("ItemProcessor", "Iterator"):
                if isinstance(sdef.get(key), dict):
                    stack.append(sdef[key])
    return names
