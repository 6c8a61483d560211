"""Workflow variables in both query languages: what Assign evaluates against, when new values
become visible, how Parallel branches and Map iterations scope them, names, limits and history."""

import json

import pytest

from asl_runtime import DefinitionError, StateMachine

ECHO = "arn:aws:lambda:us-east-1:123456789012:function:Echo"
HANDLERS = {"Echo": lambda event, context: event}


def run(definition, input=None):
    return StateMachine.from_json(definition).run({} if input is None else input, handlers=HANDLERS)


def succeeded(definition, input=None):
    result = run(definition, input)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


def assigned(result) -> list[tuple[str, dict]]:
    """(state name, decoded assignedVariables) for every StateExited event that has them."""
    out = []
    for event in result.history:
        details = event.get("stateExitedEventDetails") or {}
        if "assignedVariables" in details:
            out.append((details["name"], {k: json.loads(v) for k, v in details["assignedVariables"].items()}))
    return out


def chain(*states, jsonata=False) -> dict:
    """A machine running `states` (name, definition) in order."""
    names = [name for name, _ in states]
    built = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Fail", "Succeed"):
            state.update({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True})
        built[name] = state
    definition = {"StartAt": names[0], "States": built}
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
    return definition


# --------------------------------------------------------------------------- what $ is in Assign
def test_jsonpath_assign_constants_paths_and_intrinsics():
    result = run(chain(("A", {"Type": "Pass", "Assign": {
        "n": 1, "s": "$.not.a.path", "obj": {"k.$": "$.v"}, "v.$": "$.v", "len.$": "States.ArrayLength($.list)",
        "jsonata": "{% not evaluated in JSONPath %}"}})), {"v": "x", "list": [1, 2]})
    assert assigned(result) == [("A", {"n": 1, "s": "$.not.a.path", "obj": {"k": "x"}, "v": "x", "len": 2,
                                       "jsonata": "{% not evaluated in JSONPath %}"})]


def test_jsonpath_assign_reads_a_pass_states_result_and_parameters():
    result = run(chain(("WithResult", {"Type": "Pass", "Result": {"r": 1}, "Assign": {"r.$": "$.r"}}),
                       ("WithParameters", {"Type": "Pass", "Parameters": {"p": 2}, "Assign": {"p.$": "$.p"}})))
    assert assigned(result) == [("WithResult", {"r": 1}), ("WithParameters", {"p": 2})]


def test_jsonpath_assign_reads_the_task_result_before_result_selector_and_result_path():
    result = run(chain(("Call", {"Type": "Task", "Resource": ECHO, "Parameters": {"raw": "yes"},
                                 "ResultSelector": {"selected.$": "$.raw"}, "ResultPath": "$.out",
                                 "Assign": {"raw.$": "$.raw", "whole.$": "$"}})), {"in": 1})
    assert result.output == {"in": 1, "out": {"selected": "yes"}}
    assert assigned(result) == [("Call", {"raw": "yes", "whole": {"raw": "yes"}})]


def test_jsonpath_catch_assign_reads_the_error_output():
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "F", "States": {
            "F": {"Type": "Fail", "Error": "Custom", "Cause": "why"}}}],
              "Catch": [{"ErrorEquals": ["Custom"], "Assign": {"err.$": "$.Error", "cause.$": "$.Cause"},
                         "ResultPath": "$.caught", "Next": "Ok"}], "End": True},
        "Ok": {"Type": "Pass", "Parameters": {"err.$": "$err", "cause.$": "$cause"}, "End": True}}}
    assert succeeded(definition) == {"err": "Custom", "cause": "why"}


def test_jsonata_assign_reads_states_input_and_result():
    result = run(chain(("Call", {"Type": "Task", "Resource": ECHO, "Arguments": {"a": 1},
                                 "Assign": {"in": "{% $states.input %}", "out": "{% $states.result %}"}}),
                       jsonata=True), {"x": 0})
    assert assigned(result) == [("Call", {"in": {"x": 0}, "out": {"a": 1}})]


# --------------------------------------------------------------------------- when values change
def test_a_state_reads_the_values_from_before_it_assigned():
    """Every field of a state, and all of its Assign, see the variables as they were on entry."""
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"answer": 42, "question": "?"}}),
        ("Swap", {"Type": "Pass", "InputPath": "$answer", "ResultPath": "$.theAnswer", "OutputPath": "$answer",
                  "Assign": {"answer": "<omitted>", "old.$": "$answer", "q.$": "$question"}}),
        ("After", {"Type": "Pass", "Parameters": {"answer.$": "$answer", "old.$": "$old", "q.$": "$q"}}))
    assert succeeded(definition) == {"answer": "<omitted>", "old": 42, "q": "?"}


def test_jsonata_output_and_assign_see_the_values_from_before_the_state():
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"n": 1}}),
        ("Bump", {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}", "m": "{% $n * 10 %}"},
                  "Output": "{% $n %}"}),
        ("After", {"Type": "Pass", "Output": {"input": "{% $states.input %}", "n": "{% $n %}", "m": "{% $m %}"}}),
        jsonata=True)
    assert succeeded(definition) == {"input": 1, "n": 2, "m": 10}


@pytest.mark.parametrize("field, value, input, expected", [
    ("InputPath", "$v", {}, [1, 2]),
    ("OutputPath", "$v", {}, [1, 2]),
    ("Parameters", {"v.$": "$v", "n.$": "States.ArrayLength($v)"}, {}, {"v": [1, 2], "n": 2}),
])
def test_jsonpath_fields_read_variables(field, value, input, expected):
    definition = chain(("Init", {"Type": "Pass", "Assign": {"v": [1, 2]}}),
                       ("Use", {"Type": "Pass", field: value}))
    assert succeeded(definition, input) == expected


def test_jsonpath_wait_choice_map_and_fail_read_variables():
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"secs": 30, "limit": 2, "items": [3, 4], "err": "Too", "why": "big"}}),
        ("Sleep", {"Type": "Wait", "SecondsPath": "$secs"}),
        ("Each", {"Type": "Map", "ItemsPath": "$items", "MaxConcurrencyPath": "$limit",
                  "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}),
        ("Check", {"Type": "Choice", "Choices": [{"Variable": "$limit", "NumericGreaterThan": 1, "Next": "Stop"}],
                   "Default": "Stop"}),
        ("Stop", {"Type": "Fail", "ErrorPath": "$err", "CausePath": "$why"}))
    result = run(definition)
    assert (result.status, result.error, result.cause) == ("FAILED", "Too", "big")
    assert 30 <= result.duration < 31


def test_choice_rule_assign_or_the_state_level_assign_on_default():
    rules = [{"Variable": "$.n", "NumericGreaterThan": 1, "Assign": {"path": "rule", "n.$": "$.n"},
              "Next": "Done"}]
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": rules, "Default": "Done", "Assign": {"path": "default"}},
        "Done": {"Type": "Pass", "Parameters": {"path.$": "$path"}, "End": True}}}
    result = run(definition, {"n": 5})
    assert result.output == {"path": "rule"}
    assert assigned(result) == [("C", {"path": "rule", "n": 5})]
    assert succeeded(definition, {"n": 0}) == {"path": "default"}


# --------------------------------------------------------------------------- scopes
def inner(*states):
    return chain(*states)


def test_parallel_branches_read_outer_variables_and_their_assignments_stay_inside():
    def branch(n):
        return inner((f"B{n}", {"Type": "Pass", "Assign": {"x": f"{{% $x + {n} %}}", "mine": True},
                               "Output": "{% $x %}"}),
                     (f"After{n}", {"Type": "Pass", "Output": {"x": "{% $x %}", "mine": "{% $mine %}"}}))
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"x": 1}}),
        ("Fan", {"Type": "Parallel", "Branches": [branch(1), branch(2)]}),
        ("After", {"Type": "Pass", "Output": {"branches": "{% $states.input %}", "x": "{% $x %}",
                                              "leaked": "{% $exists($mine) %}"}}),
        jsonata=True)
    assert succeeded(definition) == {"branches": [{"x": 2, "mine": True}, {"x": 3, "mine": True}],
                                     "x": 1, "leaked": False}


def test_map_iterations_read_outer_variables_and_do_not_see_each_other():
    processor = inner(("Seen", {"Type": "Pass", "Output": {
        "item": "{% $states.input %}", "base": "{% $base %}",
        "previous": "{% $exists($last) ? $last : null %}"},
        "Assign": {"last": "{% $states.input %}"}}))
    definition = chain(
        ("Init", {"Type": "Pass", "Assign": {"base": 10}}),
        ("Each", {"Type": "Map", "Items": [1, 2, 3], "ItemProcessor": processor}),
        ("After", {"Type": "Pass", "Output": {"results": "{% $states.input %}",
                                              "last": "{% $exists($last) ? $last : 'unset' %}"}}),
        jsonata=True)
    out = succeeded(definition)
    assert out["results"] == [{"item": i, "base": 10, "previous": None} for i in (1, 2, 3)]
    assert out["last"] == "unset"


def test_nested_maps_read_every_enclosing_scope():
    innermost = inner(("Sum", {"Type": "Pass", "Parameters": {
        "sum.$": "States.MathAdd(States.MathAdd($outer, $middle), $)"}}))
    middle = inner(("Set", {"Type": "Pass", "Assign": {"middle.$": "$[0]"}}),
                   ("Inner", {"Type": "Map", "ItemsPath": "$", "ItemProcessor": innermost}))
    definition = chain(("Init", {"Type": "Pass", "Assign": {"outer": 100}, "Result": [[1, 2], [3]]}),
                       ("Outer", {"Type": "Map", "ItemProcessor": middle}))
    assert succeeded(definition) == [[{"sum": 102}, {"sum": 103}], [{"sum": 106}]]


def test_a_distributed_map_iteration_is_a_workflow_of_its_own():
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                 **inner(("Look", {"Type": "Pass", "Output": "{% $exists($outer) %}"}))}
    definition = chain(("Init", {"Type": "Pass", "Assign": {"outer": 1}}),
                       ("Each", {"Type": "Map", "Items": [1], "ItemProcessor": processor,
                                 "ItemSelector": {"fromOuter": "{% $outer %}"}}),
                       jsonata=True)
    assert succeeded(definition) == [False]


# --------------------------------------------------------------------------- undefined, names, limits
def test_an_undefined_variable_in_jsonata_fails_with_the_recorded_wording():
    result = run(chain(("S", {"Type": "Pass", "Assign": {"r": "{% $doesNotExist %}"}}), jsonata=True))
    assert result.error == "States.QueryEvaluationError"
    assert result.cause == ("An error occurred while executing the state 'S' (entered at the event id #2). "
                            "The JSONata expression '$doesNotExist' specified for the field 'Assign/r' "
                            "returned nothing (undefined).")


def test_an_undefined_variable_in_a_jsonpath_field_is_a_runtime_error():
    result = run(chain(("S", {"Type": "Pass", "InputPath": "$nothing"})))
    assert result.error == "States.Runtime"
    assert "$nothing" in result.cause


@pytest.mark.parametrize("assign, words", [
    ({"states": 1}, "reserved"),
    ({"1st": 1}, "not a valid variable name"),
    ({"a-b": 1}, "not a valid variable name"),
    ({"v" * 81: 1}, "80"),
])
def test_variable_names_are_checked_at_load(assign, words):
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_json(chain(("S", {"Type": "Pass", "Assign": assign})))
    assert any(words in p.message for p in info.value.errors), info.value.errors


def test_valid_names_include_unicode_and_underscores():
    assert succeeded(chain(("S", {"Type": "Pass", "Assign": {"_x": 1, "résumé": 2, "v" * 80: 3}}),
                           ("T", {"Type": "Pass", "Parameters": {"r.$": "$résumé"}}))) == {"r": 2}


def test_a_variable_over_256_kib_fails_the_execution():
    big = "{% $pad('', 262144, 'x') %}"
    result = run(chain(("S", {"Type": "Pass", "Assign": {"big": big}}), jsonata=True))
    assert result.error == "States.DataLimitExceeded"
    assert "'big'" in result.cause and "262144" in result.cause


def test_one_assign_may_not_store_more_than_256_kib_in_total():
    half = "{% $pad('', 140000, 'x') %}"
    ok = run(chain(("S", {"Type": "Pass", "Assign": {"a": half}}), jsonata=True))
    assert ok.status == "SUCCEEDED"
    result = run(chain(("S", {"Type": "Pass", "Assign": {"a": half, "b": half}}), jsonata=True))
    assert result.error == "States.DataLimitExceeded"


def test_assigned_variables_are_recorded_as_json_text_in_history():
    result = run(chain(("S", {"Type": "Pass", "Assign": {"n": 42, "s": "x", "o": {"a": [1]}, "z": None}})))
    exited = [e for e in result.history if e["type"] == "PassStateExited"][0]["stateExitedEventDetails"]
    assert exited["assignedVariables"] == {"n": "42", "s": '"x"', "o": '{"a":[1]}', "z": "null"}
    assert exited["assignedVariablesDetails"] == {"truncated": False}


def test_an_empty_assign_records_nothing():
    result = run(chain(("S", {"Type": "Pass", "Assign": {}})))
    exited = [e for e in result.history if e["type"] == "PassStateExited"][0]["stateExitedEventDetails"]
    assert "assignedVariables" not in exited
