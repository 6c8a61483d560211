"""A run owns its values and leaves the process as it found it: what a caller does with one
result cannot change the next run, the definition or the recorded history, and the library does
not move interpreter-wide settings or grow without bound."""

from __future__ import annotations

import gc
import sys
import threading

from asl_runtime import StateMachine
from asl_runtime.query.intrinsics import compile_intrinsic
from asl_runtime.query.jsonpath import compile_path

DEFINITION = {"StartAt": "Result", "States": {
    "Result": {"Type": "Pass", "Result": {"list": [1]}, "ResultPath": "$.result", "Next": "Params"},
    "Params": {"Type": "Pass", "Parameters": {"constant": {"k": [1]}, "result.$": "$.result"},
               "Assign": {"var": {"w": [1]}}, "Next": "Jsonata"},
    "Jsonata": {"Type": "Pass", "QueryLanguage": "JSONata",
                "Output": {"constant": {"z": [1]}, "input": "{% $states.input %}", "var": "{% $var %}"},
                "End": True}}}
EXPECTED = {"constant": {"z": [1]}, "input": {"constant": {"k": [1]}, "result": {"list": [1]}},
            "var": {"w": [1]}}


def test_mutating_an_output_changes_neither_the_next_run_nor_the_definition():
    import copy
    sm = StateMachine.from_json(copy.deepcopy(DEFINITION))
    first = sm.run({})
    assert first.output == EXPECTED
    first.output["constant"]["z"].append(2)
    first.output["input"]["constant"]["k"].append(2)
    first.output["input"]["result"]["list"].append(2)
    first.output["var"]["w"].append(2)
    assert sm.run({}).output == EXPECTED
    assert sm.definition == DEFINITION


def test_mutating_the_input_after_the_run_leaves_the_recorded_history_alone():
    sm = StateMachine.from_json(DEFINITION)
    value = {"a": [1]}
    result = sm.run(value)
    value["a"].append(99)
    started = result.history[0]["executionStartedEventDetails"]["input"]
    assert started == '{"a":[1]}'


def test_loading_and_running_jsonata_leaves_the_recursion_limit_alone():
    before = sys.getrecursionlimit()
    StateMachine.from_json(DEFINITION).run({})
    assert sys.getrecursionlimit() == before


def test_concurrent_runs_put_the_gc_thresholds_back():
    before = gc.get_threshold()
    sm = StateMachine.from_json(DEFINITION)
    errors = []

    def work():
        try:
            for _ in range(15):
                assert sm.run({}, clock="real").status == "SUCCEEDED"
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert gc.get_threshold() == before


def test_the_compile_caches_are_bounded():
    for i in range(10_000):
        compile_path(f"$.field{i}")
        compile_intrinsic(f"States.Format('{{}}', $.v{i})")
    assert compile_path.cache_info().currsize <= compile_path.cache_info().maxsize
    assert compile_intrinsic.cache_info().currsize <= compile_intrinsic.cache_info().maxsize
    assert compile_intrinsic.cache_info().maxsize is not None
