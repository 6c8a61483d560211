"""The definition validator, rule by rule: a definition AWS accepts, one it rejects and where.

Also: every definition of the AWS-recorded corpus is accepted, and `validate` never raises."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from asl_runtime.definition.problems import Problem
from asl_runtime.definition.validator import load_schema, schema_validator, validate

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "localstack"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


# --------------------------------------------------------------------------- building blocks
def machine(states: dict, start: str = "A", **top) -> dict:
    return {"StartAt": start, "States": states, **top}


def one(state: dict, **top) -> dict:
    """A machine whose only state is A."""
    return machine({"A": state}, **top)


def task(**fields) -> dict:
    return {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}


def pass_(**fields) -> dict:
    return {"Type": "Pass", "End": True, **fields}


def choice(*rules, default="Done", **fields) -> dict:
    """A machine: Choice C with `rules` (each going to Done unless it says otherwise)."""
    state = {"Type": "Choice", "Choices": list(rules), **fields}
    if default:
        state["Default"] = default
    return machine({"C": state, "Done": {"Type": "Succeed"}}, start="C")


def rule(**fields) -> dict:
    return {"Next": "Done", **fields}


def map_state(item: str = "Item", **fields) -> dict:
    body = {"StartAt": item, "States": {item: pass_()}}
    return {"Type": "Map", "ItemProcessor": body, "End": True, **fields}


def jsonata(definition: dict) -> dict:
    return {"QueryLanguage": "JSONata", **definition}


def assert_valid(definition):
    assert validate(definition) == []


def assert_problem(definition, path: str, *words: str):
    """Some problem sits at `path` and its message mentions every one of `words`."""
    problems = validate(definition)
    here = [p for p in problems if p.path == path]
    assert here, f"no problem at {path!r}; got {problems}"
    assert any(all(w in p.message for w in words) for p in here), here


def case(valid, invalid, path, *words, id):
    return pytest.param(valid, invalid, path, words, id=id)


def check(valid, invalid, path, words):
    assert_valid(valid)
    assert_problem(invalid, path, *words)


# --------------------------------------------------------------------------- schema rules
SCHEMA_CASES = [
    case(one(pass_()), [], "", "JSON object", id="definition is an object"),
    case(one(pass_()), {"States": {"A": pass_()}}, "", "StartAt", id="StartAt required"),
    case(one(pass_()), {"StartAt": "A"}, "", "States", id="States required"),
    case(one(pass_(), Comment="hi"), one(pass_(), Comment=1), "/Comment", "Comment", "string",
         id="Comment is a string"),
    case(one(pass_(), Version="1.0", TimeoutSeconds=60), one(pass_(), Foo=1), "/Foo", "Foo",
         id="unknown top-level field"),
    case(one(pass_(), TimeoutSeconds=1), one(pass_(), TimeoutSeconds=0), "/TimeoutSeconds",
         "TimeoutSeconds", "at least 1", id="top-level TimeoutSeconds >= 1"),
    case(one(pass_(), QueryLanguage="JSONata"), one(pass_(), QueryLanguage="XPath"),
         "/QueryLanguage", "XPath", id="QueryLanguage is JSONPath or JSONata"),
    case(one(pass_()), one({"Type": "Bogus", "End": True}), "/States/A/Type", "Bogus",
         id="Type is a state type"),
    case(one(pass_()), one({"End": True}), "/States/A", "Type", id="Type required"),
    case(one(pass_()), one(pass_(Resource=LAMBDA)), "/States/A/Resource", "Resource", "Pass",
         id="unknown field of a state type"),
    case(one(pass_(Result={"a": 1})), one(task(Result=1)), "/States/A/Result", "Result", "Task",
         id="Result only on Pass"),
    case(one(task()), one({"Type": "Task", "End": True}), "/States/A", "Resource",
         id="Task needs Resource"),
    case(one(task(TimeoutSeconds=1)), one(task(TimeoutSeconds=0)), "/States/A/TimeoutSeconds",
         "at least 1", id="Task TimeoutSeconds >= 1"),
    case(one(task(TimeoutSeconds=5)), one(task(TimeoutSeconds="5")), "/States/A/TimeoutSeconds",
         "TimeoutSeconds", "integer", id="TimeoutSeconds is an integer or an expression"),
    case(one(task(HeartbeatSeconds=1)), one(task(HeartbeatSeconds=0.5)),
         "/States/A/HeartbeatSeconds", "HeartbeatSeconds", id="HeartbeatSeconds is an integer"),
    case(one(task(Credentials={"RoleArn": "arn:aws:iam::1:role/r"})), one(task(Credentials="r")),
         "/States/A/Credentials", "Credentials", id="Credentials is an object"),
    case(one(task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 0}])),
         one(task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": -1}])),
         "/States/A/Retry/0/MaxAttempts", "MaxAttempts", "at least 0", id="MaxAttempts >= 0"),
    case(one(task(Retry=[{"ErrorEquals": ["E"], "BackoffRate": 1.0}])),
         one(task(Retry=[{"ErrorEquals": ["E"], "BackoffRate": 0.5}])),
         "/States/A/Retry/0/BackoffRate", "BackoffRate", "at least 1", id="BackoffRate >= 1"),
    case(one(task(Retry=[{"ErrorEquals": ["E"], "IntervalSeconds": 1}])),
         one(task(Retry=[{"ErrorEquals": ["E"], "IntervalSeconds": 0}])),
         "/States/A/Retry/0/IntervalSeconds", "IntervalSeconds", id="IntervalSeconds >= 1"),
    case(one(task(Retry=[{"ErrorEquals": ["E"], "MaxDelaySeconds": 5, "JitterStrategy": "FULL"}])),
         one(task(Retry=[{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}])),
         "/States/A/Retry/0/JitterStrategy", "HALF", id="JitterStrategy FULL or NONE"),
    case(one(task(Retry=[{"ErrorEquals": ["E"]}])), one(task(Retry=[{"MaxAttempts": 1}])),
         "/States/A/Retry/0", "ErrorEquals", id="Retrier needs ErrorEquals"),
    case(one(task(Retry=[{"ErrorEquals": ["E"]}])), one(task(Retry=[{"ErrorEquals": []}])),
         "/States/A/Retry/0/ErrorEquals", "empty", id="ErrorEquals not empty"),
    case(one(task(Retry=[{"ErrorEquals": ["E"], "Comment": "c"}])),
         one(task(Retry=[{"ErrorEquals": ["E"], "Next": "A"}])),
         "/States/A/Retry/0/Next", "Next", "Retrier", id="unknown Retrier field"),
    case(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B"}]), "B": pass_()}),
         machine({"A": task(Catch=[{"ErrorEquals": ["E"]}])}),
         "/States/A/Catch/0", "Next", id="Catcher needs Next"),
    case(one(map_state(ToleratedFailurePercentage=100)),
         one(map_state(ToleratedFailurePercentage=101)),
         "/States/A/ToleratedFailurePercentage", "at most 100", id="percentage at most 100"),
    case(one(map_state(MaxConcurrency=0)), one(map_state(MaxConcurrency=-1)),
         "/States/A/MaxConcurrency", "at least 0", id="MaxConcurrency >= 0"),
    case(one(map_state(ItemProcessor={"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                                      "States": {"I": pass_()}})),
         one(map_state(ItemProcessor={"ProcessorConfig": {"Mode": "LOCAL"}, "StartAt": "I",
                                      "States": {"I": pass_()}})),
         "/States/A/ItemProcessor/ProcessorConfig/Mode", "LOCAL", id="ProcessorConfig Mode"),
    case(choice(rule(Variable="$.x", IsPresent=True)), choice(),
         "/States/C/Choices", "empty", id="Choices not empty"),
    case(choice(rule(Variable="$.x", IsPresent=True)),
         choice(rule(Variable="$.x", IsPresent=True), Next="Done"),
         "/States/C/Next", "Next", "Choice", id="Choice has no Next"),
    case(one({"Type": "Succeed"}), one({"Type": "Succeed", "End": True}), "/States/A/End", "End",
         id="Succeed has no End"),
    case(one({"Type": "Fail", "Error": "E"}), one({"Type": "Fail", "Next": "A"}),
         "/States/A/Next", "Next", id="Fail has no Next"),
    case(choice(rule(Variable="$.x", NumericEquals=1)),
         choice(rule(Variable="$.x", NumericEquals="1")),
         "/States/C/Choices/0/NumericEquals", "NumericEquals", "number", id="Numeric operand"),
    case(choice(rule(Variable="$.x", StringEquals="a")),
         choice(rule(Variable="$.x", StringEquals=1)),
         "/States/C/Choices/0/StringEquals", "string", id="String operand"),
    case(choice(rule(Variable="$.x", BooleanEquals=True)),
         choice(rule(Variable="$.x", BooleanEquals="true")),
         "/States/C/Choices/0/BooleanEquals", "boolean", id="Boolean operand"),
    case(choice(rule(Variable="$.x", IsNull=False)), choice(rule(Variable="$.x", IsNull="no")),
         "/States/C/Choices/0/IsNull", "boolean", id="Is* operand"),
    case(choice(rule(Variable="$.x", IsPresent=True)),
         choice(rule(Variable="$.x", IsPresent=True, Color="red")),
         "/States/C/Choices/0/Color", "Color", "choice rule", id="unknown choice-rule field"),
    case(machine({"P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": pass_()}}],
                        "End": True}}, start="P"),
         machine({"P": {"Type": "Parallel", "Branches": [], "End": True}}, start="P"),
         "/States/P/Branches", "empty", id="Branches not empty"),
]


@pytest.mark.parametrize("valid, invalid, path, words", SCHEMA_CASES)
def test_schema_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- transitions
def branch_machine(branch_states: dict, branch_start: str = "B1") -> dict:
    parallel = {"Type": "Parallel", "Next": "X",
                "Branches": [{"StartAt": branch_start, "States": branch_states}]}
    return machine({"P": parallel, "X": {"Type": "Succeed"}}, start="P")


TRANSITION_CASES = [
    case(one(pass_()), one(pass_(), StartAt="Nope"), "/StartAt", "Nope",
         id="StartAt names a state"),
    case(machine({"A": {"Type": "Pass", "Next": "B"}, "B": pass_()}),
         machine({"A": {"Type": "Pass", "Next": "Nope"}}), "/States/A/Next", "Nope",
         id="Next names a state"),
    case(choice(rule(Variable="$.x", IsPresent=True)),
         choice(rule(Variable="$.x", IsPresent=True), default="Nope"),
         "/States/C/Default", "Nope", id="Default names a state"),
    case(choice(rule(Variable="$.x", IsPresent=True)),
         choice(rule(Variable="$.x", IsPresent=True, Next="Nope")),
         "/States/C/Choices/0/Next", "Nope", id="choice rule Next names a state"),
    case(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B"}]), "B": pass_()}),
         machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "Nope"}])}),
         "/States/A/Catch/0/Next", "Nope", id="Catcher Next names a state"),
    case(branch_machine({"B1": {"Type": "Pass", "Next": "B2"}, "B2": pass_()}),
         # X exists, but at the top level: a branch is its own scope
         branch_machine({"B1": {"Type": "Pass", "Next": "X"}}),
         "/States/P/Branches/0/States/B1/Next", "X", id="a branch is its own scope"),
    case(branch_machine({"B1": pass_()}), branch_machine({"B1": pass_()}, branch_start="X"),
         "/States/P/Branches/0/StartAt", "X", id="branch StartAt in its scope"),
    case(one(map_state()),
         one(map_state(ItemProcessor={"StartAt": "A", "States": {"Item": pass_()}})),
         "/States/A/ItemProcessor/StartAt", "A", id="ItemProcessor is its own scope"),
    case(one({"Type": "Map", "End": True, "Iterator": {"StartAt": "I", "States": {"I": pass_()}}}),
         one({"Type": "Map", "End": True,
              "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "A"}}}}),
         "/States/A/Iterator/States/I/Next", "A", id="legacy Iterator is its own scope"),
    case(machine({"A": {"Type": "Pass", "Next": "B"}, "B": pass_()}),
         machine({"A": pass_(), "B": pass_()}), "/States/B", "not reachable",
         id="every state reachable"),
    case(branch_machine({"B1": pass_()}), branch_machine({"B1": pass_(), "B2": pass_()}),
         "/States/P/Branches/0/States/B2", "not reachable", id="reachable within a branch"),
    case(one(pass_()), one({"Type": "Pass"}), "/States/A", "Next", "End",
         id="Next or End required"),
    case(one(pass_()), one({"Type": "Pass", "End": False}), "/States/A", "End: true",
         id="End false is no end"),
    case(machine({"A": {"Type": "Pass", "Next": "B"}, "B": pass_()}),
         machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": pass_()}),
         "/States/A/End", "both", id="not both Next and End"),
    case(choice(rule(Variable="$.x", IsPresent=True)),
         machine({"C": {"Type": "Choice", "Choices": [rule(Variable="$.x", IsPresent=True,
                                                           Next="L")], "Default": "C"},
                  "L": {"Type": "Pass", "Next": "C"}}, start="C"),
         "/States", "terminal", id="a scope has a terminal state"),
    case(branch_machine({"B1": pass_()}),
         machine({"P": {"Type": "Parallel", "End": True, "Branches": [
             {"StartAt": "P", "States": {"P": pass_()}}]}}, start="P"),
         "/States/P/Branches/0/States/P", "unique", id="state names unique across scopes"),
    case(one(pass_()), machine({"S" * 81: pass_()}, start="S" * 81), "/States/" + "S" * 81,
         "80", id="state name at most 80 characters"),
]


@pytest.mark.parametrize("valid, invalid, path, words", TRANSITION_CASES)
def test_transition_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- Choice rules
def jsonata_choice(*rules):
    return jsonata(choice(*rules))


CHOICE_CASES = [
    case(choice(rule(Variable="$.x", IsPresent=True)),
         choice({"Variable": "$.x", "IsPresent": True}),
         "/States/C/Choices/0", "Next", id="top-level rule has Next"),
    case(choice(rule(And=[{"Variable": "$.x", "IsPresent": True}])),
         choice(rule(And=[{"Variable": "$.x", "IsPresent": True, "Next": "Done"}])),
         "/States/C/Choices/0/And/0/Next", "nested", id="nested rule has no Next"),
    case(choice(rule(Not={"Variable": "$.x", "IsNull": True})),
         choice(rule(Not={"Variable": "$.x", "IsNull": True, "Next": "Done"})),
         "/States/C/Choices/0/Not/Next", "Next", id="no Next inside Not"),
    case(choice(rule(Variable="$.x", StringEquals="a")), choice(rule(Variable="$.x")),
         "/States/C/Choices/0", "operator", id="a rule needs an operator"),
    case(choice(rule(Variable="$.x", StringEquals="a")),
         choice(rule(Variable="$.x", StringEquals="a", StringMatches="a*")),
         "/States/C/Choices/0/StringMatches", "exactly one", "StringEquals",
         id="exactly one comparison"),
    case(choice(rule(Or=[{"Variable": "$.x", "IsNull": True}])),
         choice(rule(Or=[{"Variable": "$.x", "IsNull": True}], Not={"Variable": "$.y",
                                                                    "IsNull": True})),
         "/States/C/Choices/0/Not", "exactly one", id="exactly one of And, Or, Not"),
    case(choice(rule(Variable="$.x", NumericGreaterThan=1)), choice(rule(NumericGreaterThan=1)),
         "/States/C/Choices/0", "Variable", id="comparison needs Variable"),
    case(choice(rule(And=[{"Variable": "$.x", "IsNull": True}])),
         choice(rule(Variable="$.x", And=[{"Variable": "$.x", "IsNull": True}])),
         "/States/C/Choices/0/Variable", "Variable", "And", id="And takes no Variable"),
    case(choice(rule(Variable="$$.Execution.Input.x", IsPresent=True)),
         choice(rule(Variable="x", IsPresent=True)),
         "/States/C/Choices/0/Variable", "'x'", id="Variable is a path"),
    case(choice(rule(Variable="$myVar", IsString=True)),
         choice(rule(Variable="$.a[", IsString=True)),
         "/States/C/Choices/0/Variable", "$.a[", id="Variable parses"),
    case(choice(rule(Variable="$.x", StringEqualsPath="$.y")),
         choice(rule(Variable="$.x", StringEqualsPath="y")),
         "/States/C/Choices/0/StringEqualsPath", "StringEqualsPath", id="...Path operand is a path"),
    case(choice(rule(Variable="$.x", TimestampEquals="2016-03-14T01:59:00Z")),
         choice(rule(Variable="$.x", TimestampEquals="yesterday")),
         "/States/C/Choices/0/TimestampEquals", "yesterday", id="Timestamp operand is RFC 3339"),
    case(choice(rule(Variable="$.x", TimestampLessThan="2016-03-14T01:59:00.123+01:00")),
         choice(rule(Variable="$.x", TimestampLessThan="2016-02-30T01:59:00Z")),
         "/States/C/Choices/0/TimestampLessThan", "RFC 3339", id="Timestamp operand is a date"),
    case(choice(rule(Variable="$.x", IsPresent=True, Assign={"seen": True})),
         choice(rule(Variable="$.x", IsPresent=True, Condition="{% true %}")),
         "/States/C/Choices/0/Condition", "Condition", "JSONata", id="no Condition in JSONPath"),
    case(jsonata_choice(rule(Condition="{% $states.input.x > 1 %}")),
         jsonata_choice(rule()), "/States/C/Choices/0", "Condition",
         id="JSONata rule needs Condition"),
    case(jsonata_choice(rule(Condition="{% true %}", Output={"a": 1}, Assign={"v": 1})),
         jsonata_choice(rule(Condition="{% true %}", Variable="$.x")),
         "/States/C/Choices/0/Variable", "Variable", "Condition", id="JSONata rule has no Variable"),
    case(jsonata_choice(rule(Condition="{% true %}")),
         jsonata_choice({"Condition": "{% true %}"}), "/States/C/Choices/0", "Next",
         id="JSONata rule needs Next"),
    case(jsonata_choice(rule(Condition=False)), jsonata_choice(rule(Condition="true")),
         "/States/C/Choices/0/Condition", "JSONata expression",
         id="Condition is a boolean or an expression"),
]


@pytest.mark.parametrize("valid, invalid, path, words", CHOICE_CASES)
def test_choice_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- error names
def retry(*error_lists):
    return one(task(Retry=[{"ErrorEquals": list(names)} for names in error_lists]))


def catch(*error_lists):
    catchers = [{"ErrorEquals": list(names), "Next": "B"} for names in error_lists]
    return machine({"A": task(Catch=catchers), "B": pass_()})


ERROR_NAME_CASES = [
    case(retry(["States.ALL"]), retry(["States.ALL", "MyError"]), "/States/A/Retry/0/ErrorEquals/0",
         "States.ALL", "only", id="States.ALL alone"),
    case(retry(["MyError"], ["States.ALL"]), retry(["States.ALL"], ["MyError"]),
         "/States/A/Retry/0/ErrorEquals/0", "last", "Retry", id="States.ALL in the last Retrier"),
    case(catch(["States.Timeout"], ["States.ALL"]), catch(["States.ALL"], ["States.Timeout"]),
         "/States/A/Catch/0/ErrorEquals/0", "last", "Catch", id="States.ALL in the last Catcher"),
]


@pytest.mark.parametrize("valid, invalid, path, words", ERROR_NAME_CASES)
def test_error_names(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- field combinations
def wait(**fields):
    return one({"Type": "Wait", "End": True, **fields})


def fail(**fields):
    return one({"Type": "Fail", **fields})


def two_maps(first_label, second_label):
    first = map_state(Label=first_label)
    del first["End"]
    return machine({"A": {**first, "Next": "B"}, "B": map_state("Item2", Label=second_label)})


def batched_map(**batcher):
    return one(map_state(ItemBatcher=batcher))


FIELD_CASES = [
    case(one(task(TimeoutSecondsPath="$.t")), one(task(TimeoutSeconds=5, TimeoutSecondsPath="$.t")),
         "/States/A/TimeoutSecondsPath", "TimeoutSeconds", id="TimeoutSeconds or its Path"),
    case(one(task(HeartbeatSecondsPath="$.h")),
         one(task(HeartbeatSeconds=5, HeartbeatSecondsPath="$.h")),
         "/States/A/HeartbeatSecondsPath", "HeartbeatSeconds", id="HeartbeatSeconds or its Path"),
    case(one(task(TimeoutSeconds=10, HeartbeatSeconds=9)),
         one(task(TimeoutSeconds=10, HeartbeatSeconds=10)),
         "/States/A/HeartbeatSeconds", "smaller", "TimeoutSeconds", id="heartbeat below timeout"),
    case(fail(Error="E", CausePath="$.c"), fail(Error="E", ErrorPath="$.e"), "/States/A/ErrorPath",
         "Error", id="Fail Error or ErrorPath"),
    case(fail(ErrorPath="$.e", Cause="c"), fail(Cause="c", CausePath="$.c"), "/States/A/CausePath",
         "Cause", id="Fail Cause or CausePath"),
    case(wait(Seconds=0), wait(), "/States/A", "Seconds", id="Wait needs a duration"),
    case(wait(SecondsPath="$.s"), wait(Seconds=1, TimestampPath="$.t"), "/States/A/TimestampPath",
         "Seconds", id="Wait takes only one duration"),
    case(wait(Timestamp="2016-03-14T01:59:00Z"), wait(Timestamp="2016-03-14 01:59"),
         "/States/A/Timestamp", "RFC 3339", id="Wait Timestamp is RFC 3339"),
    case(one(map_state(MaxConcurrencyPath="$.m")),
         one(map_state(MaxConcurrency=1, MaxConcurrencyPath="$.m")),
         "/States/A/MaxConcurrencyPath", "MaxConcurrency", id="MaxConcurrency or its Path"),
    case(one(map_state(ToleratedFailureCountPath="$.c")),
         one(map_state(ToleratedFailureCount=1, ToleratedFailureCountPath="$.c")),
         "/States/A/ToleratedFailureCountPath", "ToleratedFailureCount",
         id="ToleratedFailureCount or its Path"),
    case(one(map_state(ToleratedFailurePercentagePath="$.p")),
         one(map_state(ToleratedFailurePercentage=5, ToleratedFailurePercentagePath="$.p")),
         "/States/A/ToleratedFailurePercentagePath", "ToleratedFailurePercentage",
         id="ToleratedFailurePercentage or its Path"),
    case(one(map_state(ItemSelector={"v.$": "$$.Map.Item.Value"})),
         one(map_state(ItemSelector={"a": 1}, Parameters={"b": 2})), "/States/A/Parameters",
         "ItemSelector", id="ItemSelector or legacy Parameters"),
    case(one(map_state()),
         one(map_state(Iterator={"StartAt": "I", "States": {"I": pass_()}})), "/States/A/Iterator",
         "ItemProcessor", id="ItemProcessor or legacy Iterator"),
    case(one(map_state()), one({"Type": "Map", "End": True}), "/States/A", "ItemProcessor",
         id="Map needs a processor"),
    case(batched_map(MaxItemsPerBatch=10), batched_map(MaxItemsPerBatch=10,
                                                       MaxItemsPerBatchPath="$.n"),
         "/States/A/ItemBatcher/MaxItemsPerBatchPath", "MaxItemsPerBatch",
         id="MaxItemsPerBatch or its Path"),
    case(one(map_state(ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                          "ExecutionType": "STANDARD"},
                                      "StartAt": "I", "States": {"I": pass_()}})),
         one(map_state(ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED"},
                                      "StartAt": "I", "States": {"I": pass_()}})),
         "/States/A/ItemProcessor/ProcessorConfig", "ExecutionType",
         id="distributed Map sets ExecutionType"),
    case(one(map_state(Label="Batch_1")), one(map_state(Label="L" * 41)), "/States/A/Label", "40",
         id="Label at most 40 characters"),
    case(one(map_state(Label="Batch-1")), one(map_state(Label="my label")), "/States/A/Label",
         "my label", id="Label naming convention"),
    case(two_maps("one", "two"), two_maps("one", "one"),
         "/States/B/Label", "one", "unique", id="labels unique"),
]


@pytest.mark.parametrize("valid, invalid, path, words", FIELD_CASES)
def test_field_combination(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- query languages
LANGUAGE_CASES = [
    case(jsonata(one(pass_(QueryLanguage="JSONata"))), jsonata(one(pass_(QueryLanguage="JSONPath"))),
         "/States/A/QueryLanguage", "JSONPath", id="no JSONPath state in a JSONata machine"),
    case(one(pass_(QueryLanguage="JSONata", Output={"a": "{% $states.input.a %}"})),
         one(pass_(Output={"a": 1})), "/States/A/Output", "Output", "JSONata",
         id="Output only in JSONata states"),
    case(one(task(QueryLanguage="JSONata", Arguments={"x": "{% $states.input %}"})),
         one(task(Arguments={"x": 1})), "/States/A/Arguments", "Arguments",
         id="Arguments only in JSONata states"),
    case(jsonata(one(map_state(Items=[1, 2]))), one(map_state(Items=[1, 2])), "/States/A/Items",
         "Items", id="Items only in JSONata states"),
    case(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "ResultPath": "$.e"}]),
                  "B": pass_()}),
         machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "Output": 1}]),
                  "B": pass_()}),
         "/States/A/Catch/0/Output", "Output", id="Catcher Output only in JSONata"),
    case(jsonata(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "Output": 1}]),
                          "B": pass_()})),
         jsonata(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B",
                                            "ResultPath": "$.e"}]), "B": pass_()})),
         "/States/A/Catch/0/ResultPath", "ResultPath", id="Catcher ResultPath only in JSONPath"),
    case(one(pass_(InputPath="$.a", ResultPath="$.b", OutputPath="$")),
         jsonata(one(pass_(InputPath="$.a"))), "/States/A/InputPath", "InputPath", "JSONata",
         id="InputPath only in JSONPath states"),
    case(one(task(Parameters={"a": 1}, ResultSelector={"b": 2})),
         jsonata(one(task(ResultSelector={"b": 2}))), "/States/A/ResultSelector",
         "ResultSelector", id="ResultSelector only in JSONPath states"),
    case(one(task(TimeoutSecondsPath="$.t")), jsonata(one(task(TimeoutSecondsPath="$.t"))),
         "/States/A/TimeoutSecondsPath", "TimeoutSecondsPath", id="...Path fields only in JSONPath"),
    case(jsonata(one(task(TimeoutSeconds="{% $states.input.t %}"))),
         one(task(TimeoutSeconds="{% $states.input.t %}")), "/States/A/TimeoutSeconds",
         "JSONata", id="expressions for numbers only in JSONata"),
    case(jsonata(wait(Seconds="{% 5 %}")), jsonata(wait(SecondsPath="$.s")), "/States/A/SecondsPath",
         "SecondsPath", id="Wait SecondsPath only in JSONPath"),
    case(fail(ErrorPath="$.e"), jsonata(fail(ErrorPath="$.e")), "/States/A/ErrorPath",
         "ErrorPath", id="Fail ErrorPath only in JSONPath"),
    case(one(map_state(ItemsPath="$.items")), jsonata(one(map_state(ItemsPath="$.items"))),
         "/States/A/ItemsPath", "ItemsPath", id="ItemsPath only in JSONPath"),
    case(jsonata(one(pass_(Assign={"x": "{% $states.input %}"}))),
         jsonata(one(pass_(Output="{% $states.input. %}"))), "/States/A/Output",
         "Pass state 'A'", "'Output'", "is invalid", id="JSONata expressions parse"),
    case(jsonata(one(task(Arguments={"Payload": {"x": "{% $x %}"}}))),
         jsonata(one(task(Arguments={"Payload": {"x": "{% foo( %}"}}))),
         "/States/A/Arguments/Payload/x", "'Arguments/Payload/x'", "is invalid",
         id="nested expressions parse"),
    case(jsonata_choice(rule(Condition="{% $states.input.n > 1 %}")),
         jsonata_choice(rule(Condition="{% $states.input.n > %}")),
         "/States/C/Choices/0/Condition", "'Condition'", "is invalid", id="Condition parses"),
    case(one(pass_(Parameters={"a": "{% not an expression here %}"})),
         jsonata(one(pass_(Output="{%%}"))), "/States/A/Output", "empty",
         id="only JSONata states parse expressions"),
    case(jsonata(one(pass_(Output="{% $parse('[1]') %}"))),
         jsonata(one(pass_(Output="{% $eval('[1]') %}"))), "/States/A/Output", "$eval",
         id="no $eval"),
    case(jsonata(one(pass_(Output={"a": "{% $states.input.a %}"}))),
         jsonata(one(pass_(Output={"a": "{% a %}"}))), "/States/A/Output/a", "top level",
         "$states.input", id="no bare top-level field references"),
    case(jsonata(one(pass_(Output={"a": " {% a %}", "b": "a %}"}))),
         jsonata(one(pass_(Output={"a": "{% $states.input.a"}))), "/States/A/Output/a",
         "does not end", id="an opening {% is closed"),
    case(jsonata(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B",
                                             "Output": "{% $states.errorOutput %}"}]),
                          "B": pass_()})),
         jsonata(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B",
                                             "Output": "{% $states.errorOutput. %}"}]),
                          "B": pass_()})),
         "/States/A/Catch/0/Output", "'Output'", "is invalid", id="Catcher expressions parse"),
    case(jsonata(one(map_state(Items="{% $states.input.list %}"))),
         jsonata(one(map_state(Items="{% list %}"))), "/States/A/Items", "'Items'",
         id="Items expressions compile"),
    case(jsonata(one(pass_(Comment="{% not evaluated", Output=1))),
         jsonata(one(pass_(Result={"a": 1}))), "/States/A/Result", "Result", "JSONata",
         id="Result only in JSONPath states"),
]


@pytest.mark.parametrize("valid, invalid, path, words", LANGUAGE_CASES)
def test_query_language_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


def test_inner_states_inherit_the_machine_language_not_the_enclosing_state():
    inner = {"StartAt": "I", "States": {"I": pass_(Parameters={"v.$": "$"})}}
    valid = one(map_state(QueryLanguage="JSONata", Items="{% [1, 2] %}", ItemProcessor=inner))
    assert_valid(valid)
    inner_jsonata_field = {"StartAt": "I", "States": {"I": pass_(Output=1)}}
    invalid = one(map_state(QueryLanguage="JSONata", ItemProcessor=inner_jsonata_field))
    assert_problem(invalid, "/States/A/ItemProcessor/States/I/Output", "Output", "JSONPath")


def test_inner_states_of_a_jsonata_machine_cannot_declare_jsonpath():
    inner = {"StartAt": "I", "States": {"I": pass_(QueryLanguage="JSONPath")}}
    assert_problem(jsonata(one(map_state(ItemProcessor=inner))),
                   "/States/A/ItemProcessor/States/I/QueryLanguage", "JSONPath")


# --------------------------------------------------------------------------- paths and templates
PATH_CASES = [
    case(one(pass_(InputPath=None, OutputPath=None, ResultPath=None)),
         one(pass_(InputPath="$.a[")), "/States/A/InputPath", "$.a[", id="InputPath parses"),
    case(one(pass_(OutputPath="$$.Execution.Id")), one(pass_(OutputPath="Execution")),
         "/States/A/OutputPath", "OutputPath", id="OutputPath is a path"),
    case(one(pass_(InputPath="$.items[?(@.n > 1)]")), one(pass_(InputPath="$.items[?(@.n >]")),
         "/States/A/InputPath", "InputPath", id="filters parse"),
    case(one(pass_(ResultPath="$.a.b[0]")), one(pass_(ResultPath="$.a[*]")),
         "/States/A/ResultPath", "reference path", id="ResultPath is a reference path"),
    case(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "ResultPath": "$.err"}]),
                  "B": pass_()}),
         machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "ResultPath": "$..err"}]),
                  "B": pass_()}),
         "/States/A/Catch/0/ResultPath", "reference path", id="Catcher ResultPath reference"),
    case(one(map_state(ItemsPath="$.orders")), one(map_state(ItemsPath="$.orders[0:2]")),
         "/States/A/ItemsPath", "reference path", id="ItemsPath is a reference path"),
    case(one(task(TimeoutSecondsPath="$.limits.timeout")),
         one(task(TimeoutSecondsPath="timeout")), "/States/A/TimeoutSecondsPath",
         "TimeoutSecondsPath", id="TimeoutSecondsPath is a path"),
    case(wait(TimestampPath="$.when"), wait(TimestampPath="$.when[*]"), "/States/A/TimestampPath",
         "reference path", id="TimestampPath is a reference path"),
    case(fail(CausePath="States.Format('failed: {}', $.cause)"),
         fail(CausePath="States.Format('failed: {}', $.cause"), "/States/A/CausePath",
         "does not parse", id="CausePath intrinsic parses"),
    case(fail(ErrorPath="$myError"), fail(ErrorPath="error"), "/States/A/ErrorPath", "ErrorPath",
         id="ErrorPath is a path"),
    case(one(pass_(Parameters={"a.$": "$.a", "ctx.$": "$$.Execution.Id", "v.$": "$myVar",
                               "f.$": "States.Format('{}', $.a)", "plain": "$.not-evaluated"})),
         one(pass_(Parameters={"a.$": "a"})), "/States/A/Parameters/a.$", "a.$",
         id="template .$ keys hold paths"),
    case(one(pass_(Parameters={"x": {"y.$": "$.y"}, "list": [{"z.$": "$.z"}]})),
         one(pass_(Parameters={"x": {"list": [{"z.$": "$["}]}})),
         "/States/A/Parameters/x/list/0/z.$", "z.$", id="nested template keys"),
    case(one(pass_(Parameters={"u.$": "States.UUID()"})),
         one(pass_(Parameters={"u.$": "States.Nope()"})), "/States/A/Parameters/u.$",
         "does not parse", id="template intrinsics parse"),
    case(one(pass_(Parameters={"a.$": "$.a"})), one(pass_(Parameters={"a.$": 1})),
         "/States/A/Parameters/a.$", "string", id="template .$ values are strings"),
    case(one(task(ResultSelector={"r.$": "$.Payload"})), one(task(ResultSelector={"r.$": "Payload"})),
         "/States/A/ResultSelector/r.$", "r.$", id="ResultSelector is a template"),
    case(one(map_state(ItemSelector={"i.$": "$$.Map.Item.Index"})),
         one(map_state(ItemSelector={"i.$": "$$.Map.Item.Index["})),
         "/States/A/ItemSelector/i.$", "i.$", id="ItemSelector is a template"),
    case(one(map_state(Parameters={"i.$": "$$.Map.Item.Value"})),
         one(map_state(Parameters={"i.$": "Map.Item.Value"})),
         "/States/A/Parameters/i.$", "i.$", id="legacy Map Parameters is a template"),
]


@pytest.mark.parametrize("valid, invalid, path, words", PATH_CASES)
def test_path_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- variables
VARIABLE_CASES = [
    case(one(pass_(Assign={"count": 1, "_total": 2, "résumé": 3})),
         one(pass_(Assign={"states": 1})), "/States/A/Assign/states", "reserved",
         id="states is reserved"),
    case(one(pass_(Assign={"x1": 1})), one(pass_(Assign={"1x": 1})), "/States/A/Assign/1x", "1x",
         id="variable names are identifiers"),
    case(one(pass_(Assign={"my_var": 1})), one(pass_(Assign={"my-var": 1})),
         "/States/A/Assign/my-var", "my-var", id="no dashes in variable names"),
    case(one(pass_(Assign={"v" * 80: 1})), one(pass_(Assign={"v" * 81: 1})),
         "/States/A/Assign/" + "v" * 81, "80", id="variable names at most 80 characters"),
    case(one(pass_(Assign={"x.$": "$.x", "y.$": "States.ArrayLength($.list)"})),
         one(pass_(Assign={"x.$": "x"})), "/States/A/Assign/x.$", "x.$",
         id="JSONPath Assign .$ values are paths"),
    case(one(pass_(Assign={"o": {"n.$": "$.n"}})), one(pass_(Assign={"o": {"n.$": "n"}})),
         "/States/A/Assign/o/n.$", "n.$", id="nested Assign templates"),
    case(machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "Assign": {"e": 1}}]),
                  "B": pass_()}),
         machine({"A": task(Catch=[{"ErrorEquals": ["E"], "Next": "B", "Assign": {"e f": 1}}]),
                  "B": pass_()}),
         "/States/A/Catch/0/Assign/e f", "e f", id="Catcher Assign names"),
    case(choice(rule(Variable="$.x", IsPresent=True, Assign={"ok": True})),
         choice(rule(Variable="$.x", IsPresent=True, Assign={"states": True})),
         "/States/C/Choices/0/Assign/states", "reserved", id="choice rule Assign names"),
    case(jsonata(one(pass_(Assign={"x": "{% $states.input.x %}"}))),
         jsonata(one(pass_(Assign={"x.$": "$.x"}))), "/States/A/Assign/x.$", "x.$",
         id="JSONata Assign keys have no .$"),
]


@pytest.mark.parametrize("valid, invalid, path, words", VARIABLE_CASES)
def test_variable_rule(valid, invalid, path, words):
    check(valid, invalid, path, words)


# --------------------------------------------------------------------------- the whole
def test_a_rich_definition_is_valid():
    assert_valid(RICH)


def test_problems_are_located_plain_sentences():
    problems = validate(one({"Type": "Task", "TimeoutSeconds": "soon", "Foo": 1}))
    assert problems and all(isinstance(p, Problem) for p in problems)
    assert {p.path for p in problems} >= {"/States/A", "/States/A/Foo", "/States/A/TimeoutSeconds"}
    for p in problems:
        assert p.message[0].isupper() and p.message.endswith("."), p.message


def test_schema_is_draft_2020_12_and_compiled_once():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_validator() is schema_validator()
    state_types = set(schema["$defs"]["stateType"]["enum"])
    assert state_types == {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
    for state_type in state_types:
        assert schema["$defs"][state_type]["additionalProperties"] is False


def _corpus_cases():
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("*/*.json"))


def test_every_corpus_definition_is_accepted():
    files = _corpus_cases()
    if not files:
        pytest.skip(f"conformance corpus not found at {CORPUS}")
    rejected = {}
    for file in files:
        problems = validate(json.loads(file.read_text())["definition"])
        if problems:
            rejected[file.name] = problems
    assert not rejected, f"{len(rejected)} of {len(files)} rejected: {list(rejected.items())[:3]}"


# --------------------------------------------------------------------------- never raises
ASL_WORDS = ["StartAt", "States", "Type", "Next", "End", "Choices", "Variable", "Branches",
             "ItemProcessor", "Iterator", "Retry", "Catch", "ErrorEquals", "Parameters",
             "ResultPath", "QueryLanguage", "Assign", "Output", "Arguments", "Condition",
             "Default", "And", "Not", "Timestamp", "Seconds", "Resource", "a.$", "Label"]
ASL_VALUES = ["Pass", "Task", "Choice", "Map", "Parallel", "JSONata", "JSONPath", "States.ALL",
              "$", "$.a", "$$", "{% $x %}", "{% ( %}", "States.Format('{}', $.a)", "States.X(",
              "A", "B"]

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=8) | st.sampled_from(ASL_VALUES))
keys = st.sampled_from(ASL_WORDS) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=12)


def assert_well_formed(problems, definition):
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and isinstance(p.path, str) and isinstance(p.message, str)
        assert p.path == "" or p.path.startswith("/")
        assert "Internal error" not in p.message and "unexpectedly" not in p.message, p
        _resolve(definition, p.path)  # every pointer names a value that exists


def _resolve(document, path: str):
    value = document
    for token in path.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_never_raises_on_arbitrary_json(value):
    assert_well_formed(validate(value), value)


# Fewer examples than above: each one validates a whole ten-state definition.
@settings(max_examples=120, deadline=None)
@given(st.data())
def test_never_raises_on_mutated_definitions(data):
    definition = copy.deepcopy(RICH)
    holders = list(_containers(definition))
    for _ in range(data.draw(st.integers(1, 2))):
        holder = data.draw(st.sampled_from(holders))
        if isinstance(holder, dict):
            key = data.draw(st.sampled_from(sorted(holder)) | keys) if holder else data.draw(keys)
            holder[key] = data.draw(json_values)
        elif holder:
            holder[data.draw(st.integers(0, len(holder) - 1))] = data.draw(json_values)
    assert_well_formed(validate(definition), definition)


def _containers(value):
    if isinstance(value, (dict, list)):
        yield value
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item)


RICH = {
    "Comment": "every state type, both query languages, nested scopes",
    "StartAt": "Start",
    "TimeoutSeconds": 300,
    "States": {
        "Start": {"Type": "Pass", "Result": {"items": [1, 2, 3]}, "ResultPath": "$.data",
                  "Assign": {"count": 0, "first.$": "$.data.items[0]"}, "Next": "Work"},
        "Work": {
            "Type": "Task", "Resource": LAMBDA, "Parameters": {"items.$": "$.data.items",
                                                               "n.$": "States.ArrayLength($.data.items)"},
            "ResultSelector": {"out.$": "$.Payload"}, "ResultPath": "$.work",
            "TimeoutSeconds": 60, "HeartbeatSeconds": 10,
            "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2,
                       "BackoffRate": 2.0, "MaxDelaySeconds": 5, "JitterStrategy": "FULL"},
                      {"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": "$.error"}],
            "Next": "Route"},
        "Route": {"Type": "Choice", "Default": "Fan", "Choices": [
            {"Variable": "$.work.out", "IsPresent": False, "Next": "Failed"},
            {"And": [{"Variable": "$.work.out.n", "NumericGreaterThan": 2},
                     {"Not": {"Variable": "$.work.out.s", "StringMatches": "skip*"}}],
             "Next": "Later"}]},
        "Later": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "Fan"},
        "Fan": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Each", "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Wait", "Seconds": 1, "End": True}}},
            {"StartAt": "Right", "States": {"Right": {
                "Type": "Pass", "QueryLanguage": "JSONata",
                "Output": "{% $states.input.data %}", "End": True}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.data.items", "MaxConcurrency": 2,
                 "ItemSelector": {"value.$": "$$.Map.Item.Value"},
                 "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Double",
                                   "States": {"Double": {
                                       "Type": "Pass", "QueryLanguage": "JSONata",
                                       "Output": "{% $states.input.value * 2 %}", "End": True}}},
                 "ResultPath": "$.doubled", "Next": "Done"},
        "Done": {"Type": "Succeed", "OutputPath": "$.doubled"},
        "Failed": {"Type": "Fail", "Error": "WorkFailed", "CausePath": "$.error.Cause"},
    },
}
