"""The benchmark workloads: each builds its definition and input in code, at a given size.

A workload is plain data (definition dict, input, run options) so every engine runs exactly the
same machine; only the size differs where an engine is too slow for the full one (moto).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

REGION, ACCOUNT = "us-east-1", "123456789012"


def lambda_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


@dataclass
class Case:
    """One runnable instance of a workload."""

    definition: dict
    input: Any
    state_machine_type: str = "STANDARD"
    handlers: dict[str, Callable] = field(default_factory=dict)


@dataclass
class Workload:
    name: str
    summary: str
    build: Callable[[int], Case]
    size: int  # the size, used by asl and the yardstick
    moto_size: int | None  # smaller size for moto (None: moto cannot run it)
    unit: str  # what `size` counts
    jsonata: bool = False
    moto_note: str = ""


# --------------------------------------------------------------------------- 1. Pass chain
def pass_chain(n: int) -> Case:
    states = {}
    for i in range(n):
        state = {"Type": "Pass", "Parameters": {"value.$": "$.value", "step": i}, "ResultPath": "$.last"}
        if i + 1 < n:
            state["Next"] = f"P{i + 1}"
        else:
            state["End"] = True
        states[f"P{i}"] = state
    return Case({"StartAt": "P0", "States": states}, {"value": 42})


# --------------------------------------------------------------------------- 2. Choice loop
def choice_loop(n: int) -> Case:
    return Case({
        "StartAt": "Increment",
        "States": {
            "Increment": {"Type": "Pass", "Parameters": {"counter.$": "States.MathAdd($.counter, 1)"},
                          "Next": "Check"},
            "Check": {"Type": "Choice",
                      "Choices": [{"Variable": "$.counter", "NumericLessThan": n, "Next": "Increment"}],
                      "Default": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }, {"counter": 0}, state_machine_type="EXPRESS")  # ~40,000 events: past STANDARD's 25,000


# --------------------------------------------------------------------------- 3. inline Map
def inline_map(n: int) -> Case:
    # Small items so input and output stay under AWS's 256 KiB payload limit.
    return Case({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "Item",
                        "States": {"Item": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True}}}},
        },
    }, {"items": list(range(n))}, state_machine_type="EXPRESS")


def inline_map_tiny(n: int) -> Case:
    """100,000 items must fit 256 KiB both ways: one-digit items, an identity Pass."""
    return Case({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "End": True,
                    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}},
        },
    }, [i % 10 for i in range(n)], state_machine_type="EXPRESS")


# --------------------------------------------------------------------------- 4. Parallel
def parallel(branches: int, per_branch: int = 20) -> Case:
    def branch(b):
        states = {}
        for i in range(per_branch):
            state = {"Type": "Pass", "Parameters": {"value.$": "$.value", "branch": b, "step": i},
                     "ResultPath": "$.last"}
            if i + 1 < per_branch:
                state["Next"] = f"B{b}S{i + 1}"
            else:
                state["End"] = True
            states[f"B{b}S{i}"] = state
        return {"StartAt": f"B{b}S0", "States": states}

    return Case({
        "StartAt": "Fan",
        "States": {"Fan": {"Type": "Parallel", "Branches": [branch(b) for b in range(branches)], "End": True}},
    }, {"value": 42})


# --------------------------------------------------------------------------- 5. intrinsics
def intrinsics(n: int) -> Case:
    return Case({
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Pass", "Next": "Check", "Parameters": {
                "counter.$": "States.MathAdd($.counter, 1)",
                "name.$": "$.name", "csv.$": "$.csv", "items.$": "$.items", "a.$": "$.a", "b.$": "$.b",
                "out": {
                    "greeting.$": "States.Format('Hello, {}! Round {}', $.name, $.counter)",
                    "parts.$": "States.ArrayPartition($.items, 3)",
                    "hash.$": "States.Hash($.name, 'SHA-256')",
                    "merged.$": "States.JsonMerge($.a, $.b, false)",
                    "split.$": "States.StringSplit($.csv, ',')",
                    "id.$": "States.UUID()",
                    "length.$": "States.ArrayLength($.items)",
                    "encoded.$": "States.Base64Encode($.name)",
                    "text.$": "States.JsonToString($.a)",
                }}},
            "Check": {"Type": "Choice",
                      "Choices": [{"Variable": "$.counter", "NumericLessThan": n, "Next": "Work"}],
                      "Default": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }, {"counter": 0, "name": "world", "csv": "a,b,c,d,e", "items": list(range(10)),
        "a": {"x": 1, "y": {"z": 2}}, "b": {"y": 3, "w": [1, 2]}})


# --------------------------------------------------------------------------- 6. Task invocations
def bump(event, context):
    return {"n": event["n"] + 1}


def tasks(n: int) -> Case:
    return Case({
        "StartAt": "Map",
        "States": {
            "Map": {"Type": "Map", "End": True,
                    "ItemProcessor": {"StartAt": "Bump", "States": {
                        "Bump": {"Type": "Task", "Resource": lambda_arn("bump"),
                                 "Parameters": {"n.$": "$"}, "End": True}}}},
        },
    }, list(range(n)), handlers={"bump": bump})


# --------------------------------------------------------------------------- 7. JSONata
def pass_chain_jsonata(n: int) -> Case:
    states = {}
    for i in range(n):
        state = {"Type": "Pass", "Output": {"value": "{% $states.input.value %}",
                                            "last": {"value": "{% $states.input.value %}", "step": i}}}
        if i + 1 < n:
            state["Next"] = f"P{i + 1}"
        else:
            state["End"] = True
        states[f"P{i}"] = state
    return Case({"QueryLanguage": "JSONata", "StartAt": "P0", "States": states}, {"value": 42})


def choice_loop_jsonata(n: int) -> Case:
    return Case({
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"counter": 0}, "Next": "Increment"},
            "Increment": {"Type": "Pass", "Assign": {"counter": "{% $counter + 1 %}"}, "Next": "Check"},
            "Check": {"Type": "Choice",
                      "Choices": [{"Condition": "{% $counter < " + str(n) + " %}", "Next": "Increment"}],
                      "Default": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }, {}, state_machine_type="EXPRESS")


# --------------------------------------------------------------------------- 8. start-up
def three_states(_n: int = 1) -> Case:
    return Case({
        "StartAt": "Hello",
        "States": {
            "Hello": {"Type": "Pass", "Result": {"greeting": "hello"}, "ResultPath": "$.hello", "Next": "Shape"},
            "Shape": {"Type": "Pass", "Parameters": {"message.$": "$.hello.greeting", "who.$": "$.who"},
                      "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }, {"who": "world"})


WORKLOADS = [
    Workload("pass-chain", "chain of Pass states, Parameters + ResultPath", pass_chain, 1000, 50, "states"),
    Workload("choice-loop", "Pass(States.MathAdd) -> Choice NumericLessThan loop", choice_loop, 10_000, 50,
             "iterations"),
    Workload("map", "inline Map, one Pass in the processor (EXPRESS)", inline_map, 10_000, 100, "items"),
    Workload("parallel", "Parallel of N branches x 20 Pass states", parallel, 50, 5, "branches"),
    Workload("intrinsics", "Pass calling 9 intrinsics, looped by a Choice", intrinsics, 1000, 5, "iterations"),
    Workload("tasks", "Map of Task states calling a Python handler", tasks, 1000, 50, "invocations"),
    Workload("pass-chain-jsonata", "pass-chain in JSONata (Output)", pass_chain_jsonata, 1000, 50, "states",
             jsonata=True),
    Workload("choice-loop-jsonata", "choice-loop in JSONata (Assign, Condition)", choice_loop_jsonata, 10_000,
             50, "iterations", jsonata=True),
    Workload("startup", "`asl run` of a three-state machine in a fresh process", three_states, 1, 1, "process"),
    Workload("map-100k", "inline Map over 100,000 one-digit items: peak RSS, fresh process", inline_map_tiny,
             100_000, None, "items", moto_note="~6 ms a transition in moto: over ten minutes a run"),
]

BY_NAME = {w.name: w for w in WORKLOADS}
