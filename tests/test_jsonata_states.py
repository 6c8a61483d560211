"""JSONata states end to end, field by field: a definition, an input, what AWS would produce.

Each JSONata-specific field (Arguments, Output, Items, ItemSelector, Condition, Seconds, Timestamp,
Error, Cause, the number fields and Catch Output/Assign) and what `$states` holds in it."""

import json

import pytest

from asl_runtime import DefinitionError, StateMachine, sleep

ECHO = "arn:aws:lambda:us-east-1:123456789012:function:Echo"
BOOM = "arn:aws:lambda:us-east-1:123456789012:function:Boom"


def Echo(event, context):
    return event


class Kaboom(Exception):
    pass


def Boom(event, context):
    raise Kaboom("it broke")


def Slow(event, context):
    sleep(event.get("takes", 0))
    return {"done": True}


HANDLERS = {"Echo": Echo, "Boom": Boom, "Slow": Slow}


def machine(states: dict, start: str | None = None) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def one(state: dict) -> dict:
    ends = {} if state["Type"] in ("Fail", "Succeed", "Choice") else {"End": True}
    return machine({"A": {**ends, **state}})


def run(definition, input=None, **kw):
    return StateMachine.from_json(definition).run({} if input is None else input, handlers=HANDLERS, **kw)


def succeeded(definition, input=None, **kw):
    result = run(definition, input, **kw)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


def failed(definition, input=None, **kw):
    result = run(definition, input, **kw)
    assert result.status == "FAILED", result.output
    return result.error, result.cause


def prefix(state="A", event=2):
    return f"An error occurred while executing the state '{state}' (entered at the event id #{event}). "


# --------------------------------------------------------------------------- Output
@pytest.mark.parametrize("output, expected", [
    ({"a": 1, "b": [True, None]}, {"a": 1, "b": [True, None]}),
    (None, None),
    (0.5, 0.5),
    ("text", "text"),
    ("{% $states.input.n * 2 %}", 6),
    ({"n": "{% $states.input.n %}", "deep": [{"x": "{% $string($states.input.n) %}"}]},
     {"n": 3, "deep": [{"x": "3"}]}),
    ({"kept.$": "$", "spaced": " {% 1 %} ", "path": "$states.input"},
     {"kept.$": "$", "spaced": " {% 1 %} ", "path": "$states.input"}),
])
def test_pass_output_is_any_json_with_expressions_anywhere(output, expected):
    assert succeeded(one({"Type": "Pass", "Output": output}), {"n": 3}) == expected


def test_without_output_a_pass_passes_its_input_on():
    assert succeeded(one({"Type": "Pass"}), {"n": 3}) == {"n": 3}


def test_output_that_is_undefined_fails_naming_the_field():
    error, cause = failed(one({"Type": "Pass", "Output": {"x": "{% $states.input.missing %}"}}))
    assert error == "States.QueryEvaluationError"
    assert cause == prefix() + ("The JSONata expression '$states.input.missing' specified for the "
                                "field 'Output/x' returned nothing (undefined).")


def test_evaluation_errors_carry_jsonatas_code_and_message():
    error, cause = failed(one({"Type": "Pass", "Output": "{% $states.input.s + 1 %}"}), {"s": "x"})
    assert error == "States.QueryEvaluationError"
    assert cause.startswith(prefix() + "The JSONata expression '$states.input.s + 1' specified for the "
                                       "field 'Output' threw an error during evaluation. T2001")


def test_states_context_is_the_context_object():
    out = succeeded(one({"Type": "Pass", "Output": {
        "state": "{% $states.context.State.Name %}",
        "execution": "{% $states.context.Execution.Name %}",
        "input": "{% $states.context.Execution.Input %}"}}), {"n": 1}, execution_name="run-1")
    assert out == {"state": "A", "execution": "run-1", "input": {"n": 1}}


def test_whole_states_variable_holds_input_and_context():
    out = succeeded(one({"Type": "Pass", "Output": "{% $sort($keys($states)) %}"}))
    assert out == ["context", "input"]


def test_now_is_simulated_time():
    out = succeeded(machine({
        "Start": {"Type": "Pass", "Assign": {"t0": "{% $millis() %}"}, "Next": "Sleep"},
        "Sleep": {"Type": "Wait", "Seconds": 86400, "Next": "End"},
        "End": {"Type": "Pass", "Output": "{% $millis() - $t0 %}", "End": True}}))
    assert 86_400_000 <= out < 86_400_000 + 1000


def test_step_functions_functions_are_available():
    out = succeeded(one({"Type": "Pass", "Output": {
        "partition": "{% $partition([1, 2, 3], 2) %}", "range": "{% $range(0, 6, 3) %}",
        "hash": "{% $hash('a', 'SHA-256') %}", "parse": "{% $parse('{\"a\": [1]}') %}",
        "uuid": "{% $length($uuid()) %}", "random": "{% $random(7) = $random(7) %}"}}))
    assert out == {"partition": [[1, 2], [3]], "range": [0, 3, 6],
                   "hash": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
                   "parse": {"a": [1]}, "uuid": 36, "random": True}


# --------------------------------------------------------------------------- Task
def test_task_arguments_default_to_the_input_and_output_to_the_result():
    assert succeeded(one({"Type": "Task", "Resource": ECHO}), {"a": 1}) == {"a": 1}


def test_task_arguments_output_and_assign_see_input_result_and_variables():
    out = succeeded(machine({
        "Init": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": ECHO,
                 "Arguments": {"scaled": "{% $states.input.n * $factor %}", "fixed": "k"},
                 "Output": {"result": "{% $states.result %}", "input": "{% $states.input %}",
                            "factor": "{% $factor %}"},
                 "Assign": {"factor": "{% $states.result.scaled %}"},
                 "Next": "After"},
        "After": {"Type": "Pass", "Output": {"prev": "{% $states.input %}", "factor": "{% $factor %}"},
                  "End": True}}), {"n": 2})
    # Output saw the variables as they were when Call was entered; After sees the new value.
    assert out == {"prev": {"result": {"scaled": 20, "fixed": "k"}, "input": {"n": 2}, "factor": 10},
                   "factor": 20}


def test_lambda_invoke_arguments_name_the_function():
    out = succeeded(one({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Arguments": {"FunctionName": "Echo", "Payload": {"v": "{% $states.input.v %}"}},
                         "Output": "{% $states.result.Payload %}"}), {"v": [1]})
    assert out == {"v": [1]}


def test_timeout_seconds_may_be_an_expression():
    state = {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Slow",
             "TimeoutSeconds": "{% $states.input.limit %}", "Arguments": {"takes": "{% $states.input.takes %}"}}
    assert succeeded(one(state), {"limit": 5, "takes": 1}) == {"done": True}
    assert failed(one(state), {"limit": 5, "takes": 9})[0] == "States.Timeout"


def test_heartbeat_seconds_may_be_an_expression():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "Echo", "Payload": {}},
             "HeartbeatSeconds": "{% $states.input.beat %}"}
    result = run(one(state), {"beat": 7})
    (scheduled,) = [e["taskScheduledEventDetails"] for e in result.history if e["type"] == "TaskScheduled"]
    assert scheduled["heartbeatInSeconds"] == 7


def test_timeout_expression_must_be_a_number():
    state = {"Type": "Task", "Resource": ECHO, "TimeoutSeconds": "{% $states.input.limit %}"}
    error, cause = failed(one(state), {"limit": "soon"})
    assert error == "States.QueryEvaluationError"
    assert cause == prefix() + ("The JSONata expression '$states.input.limit' specified for the field "
                                "'TimeoutSeconds' returned an unexpected result type. Expected 'number', "
                                "but was 'string' for value: \"soon\"")


# --------------------------------------------------------------------------- Parallel
def test_parallel_arguments_feed_every_branch_and_output_sees_the_results():
    branch = lambda name, expr: {"StartAt": name, "States": {name: {  # noqa: E731
        "Type": "Pass", "Output": expr, "End": True}}}
    out = succeeded(one({"Type": "Parallel", "Arguments": {"v": "{% $states.input.v + 1 %}"},
                         "Branches": [branch("Double", "{% $states.input.v * 2 %}"),
                                      branch("Same", "{% $states.input %}")],
                         "Output": {"results": "{% $states.result %}", "was": "{% $states.input.v %}"}}),
                    {"v": 1})
    assert out == {"results": [4, {"v": 2}], "was": 1}


# --------------------------------------------------------------------------- Map
PROCESSOR = {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}


def map_state(**fields):
    return one({"Type": "Map", "ItemProcessor": PROCESSOR, **fields})


@pytest.mark.parametrize("items, input, expected", [
    ([1, "{% $states.input.two %}", {"x": "{% 3 %}"}], {"two": 2}, [1, 2, {"x": 3}]),
    ("{% $states.input.list %}", {"list": ["a", "b"]}, ["a", "b"]),
    ("{% [] %}", {}, []),
    (None, [7, 8], [7, 8]),
])
def test_map_items_literal_expression_or_the_input(items, input, expected):
    fields = {} if items is None else {"Items": items}
    assert succeeded(map_state(**fields), input) == expected


@pytest.mark.parametrize("items, type_, shown", [
    ("{% 1 %}", "number", "1"), ("{% 'x' %}", "string", '"x"'), ("{% {'a': 1} %}", "object", '{"a":1}'),
    ("{% null %}", "null", "null"), ("{% true %}", "boolean", "true"),
])
def test_map_items_expression_must_give_an_array(items, type_, shown):
    error, cause = failed(map_state(Items=items))
    assert error == "States.QueryEvaluationError"
    assert cause == prefix() + (f"The JSONata expression '{items[2:-2].strip()}' specified for the field "
                                f"'Items' returned an unexpected result type. Expected 'array', but was "
                                f"'{type_}' for value: {shown}")


def test_map_input_must_be_an_array_without_items():
    error, cause = failed(map_state(), {"not": "a list"})
    assert (error, cause) == ("States.QueryEvaluationError",
                              prefix() + 'Map state input must be an array but was: {"not":"a list"}')


def test_map_item_selector_sees_the_item_its_index_the_input_and_variables():
    out = succeeded(machine({
        "Init": {"Type": "Pass", "Assign": {"tag": "t"}, "Next": "M"},
        "M": {"Type": "Map", "Items": "{% $states.input.xs %}", "ItemProcessor": PROCESSOR,
              "ItemSelector": {"i": "{% $states.context.Map.Item.Index %}",
                               "v": "{% $states.context.Map.Item.Value %}",
                               "n": "{% $count($states.input.xs) %}", "tag": "{% $tag %}"},
              "Output": {"all": "{% $states.result %}"}, "End": True}}), {"xs": ["a", "b"]})
    assert out == {"all": [{"i": 0, "v": "a", "n": 2, "tag": "t"}, {"i": 1, "v": "b", "n": 2, "tag": "t"}]}


FLAKY = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input < 0 %}", "Next": "Bad"}],
              "Default": "Good"},
    "Bad": {"Type": "Fail", "Error": "Negative"},
    "Good": {"Type": "Pass", "End": True}}}


@pytest.mark.parametrize("field, value, status", [
    ("ToleratedFailureCount", "{% $states.input.tolerate %}", "SUCCEEDED"),
    ("ToleratedFailurePercentage", "{% $states.input.tolerate * 50 %}", "SUCCEEDED"),
    ("ToleratedFailureCount", "{% $states.input.tolerate - 1 %}", "FAILED"),
])
def test_map_tolerated_failures_may_be_expressions(field, value, status):
    definition = one({"Type": "Map", "Items": [1, -1], "ItemProcessor": FLAKY, field: value,
                      "MaxConcurrency": "{% $states.input.tolerate %}"})
    result = run(definition, {"tolerate": 1})
    assert result.status == status
    if status == "FAILED":
        assert result.error == "States.ExceedToleratedFailureThreshold"


def test_map_max_concurrency_expression_must_be_a_non_negative_integer():
    error, cause = failed(map_state(Items=[1], MaxConcurrency="{% -1 %}"))
    assert error == "States.QueryEvaluationError"
    assert "MaxConcurrency" in cause and "-1" in cause


# --------------------------------------------------------------------------- Choice
def choice(rules, default="Other", **fields):
    states = {"C": {"Type": "Choice", "Choices": rules, **({"Default": default} if default else {}),
                    **fields},
              "Picked": {"Type": "Pass", "End": True},
              "Other": {"Type": "Pass", "Output": "other", "End": True}}
    if "Other" not in (default, *[r["Next"] for r in rules]):
        del states["Other"]
    return machine(states)


def test_choice_condition_picks_the_first_true_rule():
    rules = [{"Condition": "{% $states.input.n > 10 %}", "Next": "Other"},
             {"Condition": "{% $states.input.n > 1 %}", "Next": "Picked"}]
    assert succeeded(choice(rules), {"n": 5}) == {"n": 5}
    assert succeeded(choice(rules), {"n": 0}) == "other"


def test_choice_condition_may_be_a_literal_boolean():
    assert succeeded(choice([{"Condition": True, "Next": "Picked"}]), {"a": 1}) == {"a": 1}
    assert succeeded(choice([{"Condition": False, "Next": "Picked"}]), {"a": 1}) == "other"


def test_choice_rule_output_and_assign_apply_when_it_matches_state_level_ones_on_default():
    rules = [{"Condition": "{% $states.input.n > 1 %}", "Next": "Picked",
              "Output": {"rule": "{% $states.input.n %}"}, "Assign": {"how": "rule"}}]
    definition = choice(rules, default="Picked", Output={"default": True}, Assign={"how": "default"})
    result = run(definition, {"n": 5})
    assert result.output == {"rule": 5}
    result = run(definition, {"n": 0})
    assert result.output == {"default": True}
    exited = [e["stateExitedEventDetails"] for e in result.history if e["type"] == "ChoiceStateExited"]
    assert exited[0]["assignedVariables"] == {"how": '"default"'}


def test_choice_condition_must_be_boolean():
    error, cause = failed(choice([{"Condition": "{% $states.input.n %}", "Next": "Picked"}]), {"n": 1})
    assert error == "States.QueryEvaluationError"
    assert cause == prefix("C") + ("The JSONata expression '$states.input.n' specified for the field "
                                   "'Condition' returned an unexpected result type. Expected 'boolean', "
                                   "but was 'number' for value: 1")


def test_choice_without_match_or_default_fails():
    error, _ = failed(choice([{"Condition": "{% false %}", "Next": "Picked"}], default=None))
    assert error == "States.NoChoiceMatched"


# --------------------------------------------------------------------------- Wait
def test_wait_seconds_expression_advances_simulated_time():
    result = run(one({"Type": "Wait", "Seconds": "{% $states.input.s * 60 %}"}), {"s": 90})
    assert result.status == "SUCCEEDED" and result.output == {"s": 90}
    assert 5400 <= result.duration < 5401


def test_wait_timestamp_expression():
    definition = one({"Type": "Wait", "Timestamp": "{% $fromMillis($millis() + 3600000) %}"})
    result = run(definition)
    assert result.status == "SUCCEEDED" and 3599 < result.duration < 3601


@pytest.mark.parametrize("field, value, cause", [
    ("Timestamp", "2016-12-05T25:29:29Z", "The Timestamp field cannot be parsed as an ISO-8601 extended "
                                          "offset date-time format string: 2016-12-05T25:29:29Z"),
    ("Seconds", -1, "The Seconds field references a negative value: -1"),
    ("Seconds", "x", "The Seconds field cannot be parsed as a long value: \"x\""),
])
def test_wait_values_are_checked(field, value, cause):
    error, got = failed(one({"Type": "Wait", field: "{% $states.input.v %}"}), {"v": value})
    assert (error, got) == ("States.QueryEvaluationError", prefix() + cause)


# --------------------------------------------------------------------------- Fail
def test_fail_error_and_cause_may_be_expressions():
    error, cause = failed(one({"Type": "Fail", "Error": "{% $states.input.kind %}",
                               "Cause": "{% 'failed: ' & $states.input.why %}"}),
                          {"kind": "Oops", "why": "no reason"})
    assert (error, cause) == ("Oops", "failed: no reason")


def test_fail_cause_must_be_a_string():
    error, cause = failed(one({"Type": "Fail", "Error": "E", "Cause": "{% 42 %}"}))
    assert error == "States.QueryEvaluationError"
    assert cause.endswith("Expected 'string', but was 'number' for value: 42")


# --------------------------------------------------------------------------- Catch
def catching(catcher):
    return machine({"Call": {"Type": "Task", "Resource": BOOM, "Next": "Done",
                             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", **catcher}]},
                    "Handled": {"Type": "Pass", "Output": {"in": "{% $states.input %}",
                                                          "seen": "{% $exists($seen) ? $seen : null %}"},
                                "End": True},
                    "Done": {"Type": "Succeed"}})


def test_catch_output_defaults_to_the_error_output():
    out = succeeded(catching({}), {"a": 1})
    assert out["in"]["Error"] == "Kaboom"
    assert json.loads(out["in"]["Cause"])["errorMessage"] == "it broke"
    assert out["seen"] is None


def test_catch_output_and_assign_see_error_output_and_input():
    out = succeeded(catching({"Output": {"err": "{% $states.errorOutput.Error %}", "was": "{% $states.input %}"},
                              "Assign": {"seen": "{% $states.errorOutput.Error & '!' %}"}}), {"a": 1})
    assert out == {"in": {"err": "Kaboom", "was": {"a": 1}}, "seen": "Kaboom!"}


def test_query_evaluation_errors_can_be_caught():
    definition = machine({
        "A": {"Type": "Task", "Resource": ECHO, "Output": "{% $states.result.missing %}", "End": True,
              "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "B"}]},
        "B": {"Type": "Pass", "Output": "{% $states.input.Error %}", "End": True}})
    assert succeeded(definition) == "States.QueryEvaluationError"


# --------------------------------------------------------------------------- languages side by side
def test_jsonata_and_jsonpath_states_pass_data_and_variables_to_each_other():
    definition = {"StartAt": "Path", "States": {
        "Path": {"Type": "Pass", "Parameters": {"v.$": "$.v"}, "Assign": {"fromPath.$": "$.v"},
                 "Next": "Ata"},
        "Ata": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"w": "{% $states.input.v + $fromPath %}"},
                "Assign": {"fromAta": "{% $states.input.v * 10 %}"}, "Next": "Back"},
        "Back": {"Type": "Pass", "Parameters": {"w.$": "$.w", "a.$": "$fromAta"}, "End": True}}}
    assert succeeded(definition, {"v": 2}) == {"w": 4, "a": 20}


# --------------------------------------------------------------------------- refused at load
@pytest.mark.parametrize("state, words", [
    ({"Type": "Pass", "Output": "{% $eval('1') %}"}, "$eval"),
    ({"Type": "Pass", "Output": "{% $states.input.a ?: 0 %}"}, "'?:'"),
    ({"Type": "Pass", "Output": {"a": "{% input.a %}"}}, "top level"),
    ({"Type": "Pass", "Output": "{% $states.input. %}"}, "is invalid"),
    ({"Type": "Pass", "Output": "{% $states.input"}, "does not end"),
    ({"Type": "Pass", "InputPath": "$.a"}, "InputPath"),
    ({"Type": "Pass", "Result": {"a": 1}}, "Result"),
])
def test_definitions_aws_refuses_are_refused_with_state_and_field(state, words):
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_json(one(state))
    (problem,) = info.value.errors
    assert problem.path.startswith("/States/A")
    assert words in problem.message
