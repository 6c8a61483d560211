"""Every state type as an example: a definition, an input, the expected output (or error).

Input/output processing (InputPath, Parameters, ResultSelector, ResultPath, OutputPath) is shown on
the states that use it; the wording of runtime errors follows the AWS-recorded cases in
shared/conformance.
"""

from __future__ import annotations

import json

import pytest

from asl_runtime import DefinitionError, StateMachine

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


def run(definition, input=None, **kwargs):
    return StateMachine.from_json(definition).run(input, **kwargs)


def one(state: dict) -> dict:
    """A machine of one state named S."""
    if state.get("Type") not in ("Succeed", "Fail", "Choice"):
        state = {"End": True, **state}
    return {"StartAt": "S", "States": {"S": state}}


def succeeded(definition, input=None, **kwargs):
    result = run(definition, input, **kwargs)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    return result.output


def failed(definition, input=None, **kwargs):
    result = run(definition, input, **kwargs)
    assert result.status == "FAILED", result.output
    return result


def runtime_cause(state: str, entered: int, text: str) -> str:
    return f"An error occurred while executing the state '{state}' (entered at the event id #{entered}). {text}"


# =========================================================================== Pass
def test_pass_passes_its_input_through():
    assert succeeded(one({"Type": "Pass"}), {"a": 1}) == {"a": 1}


def test_pass_result_replaces_the_input():
    assert succeeded(one({"Type": "Pass", "Result": {"x": [1, 2]}}), {"a": 1}) == {"x": [1, 2]}


def test_pass_result_keys_ending_in_dollar_are_literal():
    # recorded: test_state_pass_result_jsonpaths
    result = {"unsupported1.$": "$.jsonpath", "unsupported2.$": "$$"}
    assert succeeded(one({"Type": "Pass", "Result": result}), {}) == result


def test_pass_parameters_select_from_the_input():
    state = {"Type": "Pass", "Parameters": {"static": "v", "id.$": "$.order.id", "first.$": "$.items[0]"}}
    assert succeeded(one(state), {"order": {"id": 7}, "items": ["a", "b"]}) == {
        "static": "v", "id": 7, "first": "a"}


def test_pass_parameters_nest_objects_and_arrays():
    state = {"Type": "Pass", "Parameters": {
        "outer": {"inner.$": "$.v", "list": [1, {"deep.$": "$.v"}, "lit"]},
        "whole.$": "$",
    }}
    assert succeeded(one(state), {"v": True}) == {
        "outer": {"inner": True, "list": [1, {"deep": True}, "lit"]}, "whole": {"v": True}}


def test_pass_parameters_read_the_context_object():
    state = {"Type": "Pass", "Parameters": {"state.$": "$$.State.Name", "input.$": "$$.Execution.Input.k"}}
    assert succeeded(one(state), {"k": "v"}) == {"state": "S", "input": "v"}


def test_pass_parameters_call_intrinsic_functions():
    state = {"Type": "Pass", "Parameters": {"msg.$": "States.Format('Hi {}', $.name)"}}
    assert succeeded(one(state), {"name": "Ada"}) == {"msg": "Hi Ada"}


def test_input_path_selects_the_effective_input():
    assert succeeded(one({"Type": "Pass", "InputPath": "$.a"}), {"a": {"b": 1}, "c": 2}) == {"b": 1}


def test_input_path_null_gives_an_empty_object():
    # recorded: test_state_pass_result_null_input_output_paths
    state = {"Type": "Pass", "InputPath": None, "Parameters": {"got.$": "$"}}
    assert succeeded(one(state), {"a": 1}) == {"got": {}}


def test_input_path_then_parameters():
    state = {"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.b"}}
    assert succeeded(one(state), {"a": {"b": 1}}) == {"b": 1}


@pytest.mark.parametrize("result_path, expected", [
    ("$.r", {"a": 1, "r": "R"}),
    ("$.a", {"a": "R"}),
    ("$.new.deep", {"a": 1, "new": {"deep": "R"}}),
    ("$", "R"),
    (None, {"a": 1}),
])
def test_result_path_places_the_result(result_path, expected):
    state = {"Type": "Pass", "Result": "R", "ResultPath": result_path}
    assert succeeded(one(state), {"a": 1}) == expected


def test_result_path_into_an_array_element():
    state = {"Type": "Pass", "Result": "R", "ResultPath": "$.xs[1]"}
    assert succeeded(one(state), {"xs": [0, 1, 2]}) == {"xs": [0, "R", 2]}


def test_result_path_merges_into_the_raw_input_not_the_effective_input():
    state = {"Type": "Pass", "InputPath": "$.part", "Result": "R", "ResultPath": "$.r"}
    assert succeeded(one(state), {"part": {"p": 1}, "other": 2}) == {"part": {"p": 1}, "other": 2, "r": "R"}


def test_output_path_selects_from_the_merged_output():
    state = {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "OutputPath": "$.r.x"}
    assert succeeded(one(state), {"a": 1}) == 1


def test_output_path_null_gives_an_empty_object():
    assert succeeded(one({"Type": "Pass", "OutputPath": None}), {"a": 1}) == {}


def test_states_do_not_mutate_the_execution_input():
    data = {"a": {"b": 1}, "xs": [1]}
    machine = {"StartAt": "P1", "States": {
        "P1": {"Type": "Pass", "Result": 2, "ResultPath": "$.a.c", "Next": "P2"},
        "P2": {"Type": "Pass", "Result": 9, "ResultPath": "$.xs[0]", "End": True},
    }}
    assert succeeded(machine, data) == {"a": {"b": 1, "c": 2}, "xs": [9]}
    assert data == {"a": {"b": 1}, "xs": [1]}


def test_a_chain_of_pass_states():
    machine = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, 41)"}, "Next": "C"},
        "C": {"Type": "Pass", "End": True},
    }}
    assert succeeded(machine, {}) == {"sum": 42}


# --------------------------------------------------------------------------- path failures
def test_a_parameters_path_that_matches_nothing_is_states_runtime():
    # recorded (test_invalid_jsonpath_*): AWS reports States.Runtime, not States.ParameterPathFailure
    result = failed(one({"Type": "Pass", "Parameters": {"value.$": "$.no_such"}}), {"a": 1})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "S", 2, "The JSONPath '$.no_such' specified for the field 'value.$' could not be found in the input "
                "'{\"a\":1}'")


def test_a_parameters_context_path_that_matches_nothing_quotes_the_state_input():
    state = {"Type": "Pass", "Parameters": {"value.$": "$$.Execution.Input.no_such_jsonpath"}}
    result = failed(one(state), {"int-literal": 0})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "S", 2, "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not "
                "be found in the input '{\"int-literal\":0}'")


@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_an_input_or_output_path_that_matches_nothing_is_states_runtime(field):
    result = failed(one({"Type": "Pass", field: "$.no.such"}), {"a": 1})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause("S", 2, "Invalid path '$.no.such' : Missing property in path $['no']")


def test_an_indefinite_parameters_path_that_matches_nothing_is_an_empty_list():
    # recorded: test_json_path_array_wildcard_or_slice_with_no_input
    state = {"Type": "Pass", "Parameters": {"all.$": "$.items[*]", "some.$": "$.items[1:]"}}
    assert succeeded(one(state), {}) == {"all": [], "some": []}


@pytest.mark.parametrize("input, result_path", [
    ({"a": 1}, "$.a.b"),
    ({"a": "text"}, "$.a.b"),
    ({"xs": [1]}, "$.xs[3]"),
    ([1, 2], "$.r"),
    ("just a string", "$.r"),
])
def test_result_path_that_cannot_be_applied_is_result_path_match_failure(input, result_path):
    result = failed(one({"Type": "Pass", "Result": "R", "ResultPath": result_path}), input)
    assert result.error == "States.ResultPathMatchFailure"
    assert result_path in result.cause


def test_result_path_match_failure_can_be_caught_on_a_task():
    machine = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN + "echo", "ResultPath": "$.a.b",
              "Catch": [{"ErrorEquals": ["States.ResultPathMatchFailure"], "ResultPath": "$.error",
                         "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True},
    }}
    output = succeeded(machine, {"a": 1}, handlers={"echo": lambda event, context: event})
    assert output["a"] == 1
    assert output["error"]["Error"] == "States.ResultPathMatchFailure"


# =========================================================================== Task
def echo(event, context):
    return event


class PaymentDeclined(Exception):
    pass


def declined(event, context):
    raise PaymentDeclined(f"card {event['card']} declined")


def test_task_calls_the_handler_named_by_the_function_arn():
    out = succeeded(one({"Type": "Task", "Resource": FN + "greet"}), {"name": "Ada"},
                    handlers={"greet": lambda event, context: {"greeting": f"Hello, {event['name']}"}})
    assert out == {"greeting": "Hello, Ada"}


def test_task_handler_receives_the_effective_input_and_a_lambda_context():
    seen = {}

    def handler(event, context):
        seen["event"] = event
        seen["name"] = context.function_name
        seen["arn"] = context.invoked_function_arn
        return "ok"

    state = {"Type": "Task", "Resource": FN + "handler", "InputPath": "$.in", "Parameters": {"x.$": "$.x"}}
    assert succeeded(one(state), {"in": {"x": 1, "y": 2}}, handlers={"handler": handler}) == "ok"
    assert seen == {"event": {"x": 1}, "name": "handler", "arn": FN + "handler"}


def test_task_handler_gets_its_own_copy_of_the_input():
    def mutate(event, context):
        event["added"] = True
        return "done"

    state = {"Type": "Task", "Resource": FN + "mutate", "ResultPath": "$.r"}
    assert succeeded(one(state), {"a": 1}, handlers={"mutate": mutate}) == {"a": 1, "r": "done"}


def test_task_result_selector_then_result_path_then_output_path():
    state = {"Type": "Task", "Resource": FN + "echo", "Parameters": {"n": 5, "tags": ["a"]},
             "ResultSelector": {"count.$": "$.n", "first.$": "$.tags[0]"}, "ResultPath": "$.result",
             "OutputPath": "$.result"}
    assert succeeded(one(state), {"keep": 1}, handlers={"echo": echo}) == {"count": 5, "first": "a"}


@pytest.mark.parametrize("value", ["text", 42, 1.5, True, None, [1, "a"], {"k": "v"}])
def test_task_result_may_be_any_json_value(value):
    assert succeeded(one({"Type": "Task", "Resource": FN + "f"}), {}, handlers={"f": lambda e, c: value}) == value


def test_task_handler_exception_fails_with_the_class_name_and_lambdas_error_document():
    result = failed(one({"Type": "Task", "Resource": FN + "declined"}), {"card": "1234"},
                    handlers={"declined": declined})
    assert result.error == "PaymentDeclined"
    document = json.loads(result.cause)
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "card 1234 declined"
    assert document["errorType"] == "PaymentDeclined"
    assert document["requestId"]
    assert isinstance(document["stackTrace"], list)
    assert any("declined" in line for line in document["stackTrace"])


def test_task_built_in_exception_names():
    def bad(event, context):
        return {}["missing"]

    result = failed(one({"Type": "Task", "Resource": FN + "bad"}), {}, handlers={"bad": bad})
    assert result.error == "KeyError"


def test_task_with_a_missing_handler_names_the_function():
    result = failed(one({"Type": "Task", "Resource": FN + "nowhere"}), {}, handlers={"other": echo})
    assert result.error == "Lambda.ResourceNotFoundException"
    assert result.cause.startswith(f"Function not found: {FN}nowhere:$LATEST (Service: AWSLambda; "
                                   "Status Code: 404; Error Code: ResourceNotFoundException")


def test_lambda_invoke_returns_the_invoke_response_envelope():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "echo", "Payload": {"x.$": "$.x"}}}
    out = succeeded(one(state), {"x": 1}, handlers={"echo": echo})
    assert out["Payload"] == {"x": 1}
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert out["SdkResponseMetadata"]["RequestId"] == out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]


def test_lambda_invoke_with_the_usual_result_selector():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": FN + "echo", "Payload.$": "$"},
             "ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.r"}
    assert succeeded(one(state), {"x": 1}, handlers={"echo": echo}) == {"x": 1, "r": {"body": {"x": 1}}}


def test_lambda_invoke_handler_exception_has_a_compact_error_document():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "declined", "Payload": {"card": "9"}}}
    result = failed(one(state), {}, handlers={"declined": declined})
    assert result.error == "PaymentDeclined"
    assert json.loads(result.cause)["errorMessage"] == "card 9 declined"
    assert ", " not in result.cause.split('"stackTrace"')[0]


def test_lambda_invoke_with_a_missing_handler():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "ghost", "Payload": {}}}
    result = failed(one(state), {}, handlers={})
    assert result.error == "Lambda.ResourceNotFoundException"
    assert f"{FN}ghost:$LATEST" in result.cause


def test_task_arns_follow_the_account_and_region_options():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "ghost", "Payload": {}}}
    result = failed(one(state), {}, handlers={}, account_id="111122223333", region="eu-west-1")
    assert "arn:aws:lambda:eu-west-1:111122223333:function:ghost:$LATEST" in result.cause


# =========================================================================== Choice
CHOICE = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "book", "Next": "Book"},
                {"And": [{"Variable": "$.price", "NumericGreaterThan": 100},
                         {"Or": [{"Variable": "$.kind", "StringEquals": "tv"},
                                 {"Not": {"Variable": "$.fragile", "BooleanEquals": False}}]}],
                 "Next": "Expensive"},
            ],
            "Default": "Other",
        },
        "Book": {"Type": "Pass", "Result": "book", "End": True},
        "Expensive": {"Type": "Pass", "Result": "expensive", "End": True},
        "Other": {"Type": "Pass", "Result": "other", "End": True},
    },
}


@pytest.mark.parametrize("input, route", [
    ({"kind": "book", "price": 500}, "book"),  # the first matching rule wins
    ({"kind": "tv", "price": 500}, "expensive"),
    ({"kind": "vase", "price": 500, "fragile": True}, "expensive"),
    ({"kind": "vase", "price": 500, "fragile": False}, "other"),
    ({"kind": "tv", "price": 50}, "other"),
])
def test_choice_rules_with_and_or_not(input, route):
    assert succeeded(CHOICE, input) == route


def test_choice_passes_its_input_on_unchanged():
    machine = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "E"}]},
        "E": {"Type": "Succeed"},
    }}
    assert succeeded(machine, {"a": [1]}) == {"a": [1]}


def test_choice_input_path_and_output_path():
    machine = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.v",
              "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Next": "E"}]},
        "E": {"Type": "Succeed"},
    }}
    assert succeeded(machine, {"in": {"v": 1}}) == 1


def test_choice_without_a_match_or_default_fails_with_no_choice_matched():
    machine = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "E"}]},
        "E": {"Type": "Succeed"},
    }}
    result = failed(machine, {"a": 2})
    assert result.error == "States.NoChoiceMatched"


def test_choice_can_loop_back():
    machine = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 3, "Next": "Done"}],
                  "Default": "Inc"},
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Done": {"Type": "Succeed"},
    }}
    assert succeeded(machine, {"n": 0}) == {"n": 3}


# =========================================================================== Wait
def test_wait_seconds_takes_simulated_time_and_passes_the_input_on():
    result = run(one({"Type": "Wait", "Seconds": 86_400}), {"a": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == {"a": 1}
    assert result.duration == pytest.approx(86_400)


@pytest.mark.parametrize("seconds", [0, 1, 30])
def test_wait_seconds_path(seconds):
    result = run(one({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}), {"input": {"waitSeconds": seconds}})
    assert result.status == "SUCCEEDED"
    assert result.duration == pytest.approx(seconds)


def test_waits_add_up():
    machine = {"StartAt": "W1", "States": {
        "W1": {"Type": "Wait", "Seconds": 10, "Next": "W2"},
        "W2": {"Type": "Wait", "SecondsPath": "$.s", "End": True},
    }}
    assert run(machine, {"s": 5}).duration == pytest.approx(15)


@pytest.mark.parametrize("value, message", [
    (-1, "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"),
    (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"),
    (-1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"),
])
def test_wait_seconds_path_invalid_values(value, message):
    # recorded: base.test_wait.TestSfnWait.test_base_wait_seconds_path_*
    result = failed(one({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"}), {"input": {"waitSeconds": value}})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause("S", 2, message)


def test_wait_seconds_path_that_matches_nothing():
    result = failed(one({"Type": "Wait", "SecondsPath": "$.nope"}), {})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause("S", 2, "Invalid path '$.nope' : No results for path: $['nope']")


def test_wait_timestamp_in_the_past_does_not_wait():
    result = run(one({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z"}), {"a": 1})
    assert result.status == "SUCCEEDED"
    assert result.output == {"a": 1}
    assert result.duration == 0


def test_wait_timestamp_in_the_future_waits_until_then():
    from datetime import datetime, timedelta, timezone

    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    result = run(one({"Type": "Wait", "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ")}), {})
    assert result.status == "SUCCEEDED"
    assert 2 * 86_400 - 5 < result.duration <= 2 * 86_400


def test_wait_timestamp_path_with_an_offset_and_fraction():
    from datetime import datetime, timedelta, timezone

    when = (datetime.now(timezone.utc) + timedelta(hours=3)).astimezone(timezone(timedelta(hours=2)))
    text = when.strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")
    result = run(one({"Type": "Wait", "TimestampPath": "$.at"}), {"at": text})
    assert result.status == "SUCCEEDED"
    assert 3 * 3600 - 5 < result.duration <= 3 * 3600


@pytest.mark.parametrize("value", [
    "2016-12-05",  # no time
    "05-12-2016T21:29:29Z",  # not ISO order
    "2016-12-05T25:29:29Z",  # no such hour
    "2016-12-05 21:29:29Z",  # no T
    "2016-12-05T21:29:29",  # no offset
])
def test_wait_timestamp_path_invalid_values(value):
    # recorded: test_wait_timestamp_path_INVALID_*, test_wait_timestamppath
    result = failed(one({"Type": "Wait", "TimestampPath": "$.TimestampValue"}), {"TimestampValue": value})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "S", 2, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                f"format string: $.TimestampValue == {value}")


def test_wait_output_path():
    assert succeeded(one({"Type": "Wait", "Seconds": 1, "OutputPath": "$.keep"}), {"keep": 1, "drop": 2}) == 1


@pytest.mark.parametrize("days, status", [(24_855, "TIMED_OUT"), (24_856, "FAILED")])
def test_wait_timestamp_boundary_far_in_the_future(days, status):
    # AWS (localstack's AWS-validated test_timestamp_too_far_in_future_boundary): 24,855 days ahead
    # (under 2**31 s) is waited for, so the execution ends at its 1-year limit; 24,856 days fails.
    from datetime import datetime, timedelta, timezone
    when = (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S") + ".000Z"
    result = run(one({"Type": "Wait", "TimestampPath": "$.start_at"}), {"start_at": when})
    assert result.status == status
    if status == "FAILED":
        assert result.error == "States.Runtime"
        assert result.cause == runtime_cause(
            "S", 2, f"The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                    f"date-time format string: $.start_at == {when}")
    else:
        assert result.duration == 365 * 24 * 3600


def test_wait_output_path_selects_from_what_input_path_selected():
    # Wait has InputPath and OutputPath: its output is OutputPath applied to the effective input.
    wait = {"Type": "Wait", "Seconds": 1, "InputPath": "$.a", "OutputPath": "$.b"}
    assert succeeded(one(wait), {"a": {"b": 1}}) == 1


def test_wait_seconds_path_reads_the_effective_input():
    wait = {"Type": "Wait", "SecondsPath": "$.s", "InputPath": "$.a"}
    result = run(one(wait), {"a": {"s": 30}})
    assert (result.output, result.duration) == ({"s": 30}, 30)


# =========================================================================== Succeed
def test_succeed_ends_the_execution_with_its_input():
    machine = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    assert succeeded(machine, {"a": 1}) == {"a": 1}


def test_succeed_with_input_and_output_path():
    machine = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}
    assert succeeded(machine, {"a": {"b": 2}}) == 2


# =========================================================================== Fail
def test_fail_with_error_and_cause():
    result = failed({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "OrderRejected",
                                                       "Cause": "stock is empty"}}}, {})
    assert (result.error, result.cause, result.output) == ("OrderRejected", "stock is empty", None)


def test_fail_without_error_or_cause():
    # recorded: test_state_fail_empty
    result = failed({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}, {})
    assert (result.error, result.cause) == (None, None)


def test_fail_error_path_and_cause_path():
    machine = {"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e.name", "CausePath": "$.e.why"}}}
    result = failed(machine, {"e": {"name": "Bad", "why": "because"}})
    assert (result.error, result.cause) == ("Bad", "because")


def test_fail_paths_may_read_the_context_object():
    # recorded: test_error_cause_path
    machine = {"StartAt": "StartState", "States": {
        "StartState": {"Type": "Fail", "ErrorPath": "$$.State.Name", "CausePath": "$$.StateMachine.Name"}}}
    result = failed(machine, {}, state_machine_name="Orders")
    assert (result.error, result.cause) == ("StartState", "Orders")


def test_fail_paths_may_be_intrinsic_functions():
    machine = {"StartAt": "F", "States": {"F": {
        "Type": "Fail", "ErrorPath": "States.Format('{}Error', $.kind)",
        "CausePath": "States.Format('item {} of {} failed', $.i, $.n)"}}}
    result = failed(machine, {"kind": "Stock", "i": 2, "n": 5})
    assert (result.error, result.cause) == ("StockError", "item 2 of 5 failed")


def test_fail_error_path_that_matches_nothing():
    # recorded: test_invalid_jsonpath_INVALID_JSONPATH_IN_ERRORPATH
    machine = {"StartAt": "pass", "States": {
        "pass": {"Type": "Pass", "Next": "fail", "Parameters": {"Error": "error-value"}},
        "fail": {"Type": "Fail", "ErrorPath": "$.ErrorX"}}}
    result = failed(machine, {"int-literal": 0})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "fail", 4, "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input "
                   "'{\"Error\":\"error-value\"}'")


# =========================================================================== Parallel
def branch(*states):
    """A branch of Pass states chained in order; each is (name, fields)."""
    names = [name for name, _ in states]
    body = {}
    for i, (name, fields) in enumerate(states):
        nxt = {"Next": names[i + 1]} if i + 1 < len(names) else {"End": True}
        body[name] = {"Type": "Pass", **fields, **nxt}
    return {"StartAt": names[0], "States": body}


def test_parallel_outputs_are_in_branch_order():
    state = {"Type": "Parallel", "Branches": [
        branch(("A", {"Result": "a"})), branch(("B", {"Result": "b"})), branch(("C", {}))]}
    assert succeeded(one(state), {"in": 1}) == ["a", "b", {"in": 1}]


def test_parallel_branches_each_get_the_effective_input():
    state = {"Type": "Parallel", "Parameters": {"x.$": "$.x"},
             "Branches": [branch(("A", {"InputPath": "$.x"})), branch(("B", {}))]}
    assert succeeded(one(state), {"x": 1, "y": 2}) == [1, {"x": 1}]


def test_parallel_result_selector_and_result_path():
    state = {"Type": "Parallel", "ResultSelector": {"first.$": "$[0]", "n.$": "States.ArrayLength($)"},
             "ResultPath": "$.r",
             "Branches": [branch(("A", {"Result": 1})), branch(("B", {"Result": 2}))]}
    assert succeeded(one(state), {"keep": True}) == {"keep": True, "r": {"first": 1, "n": 2}}


def test_parallel_nested():
    inner = {"StartAt": "Inner", "States": {"Inner": {
        "Type": "Parallel", "End": True, "Branches": [branch(("X", {"Result": "x"})), branch(("Y", {}))]}}}
    state = {"Type": "Parallel", "Branches": [inner, branch(("Z", {"Result": "z"}))]}
    assert succeeded(one(state), 0) == [["x", 0], "z"]


def test_parallel_branch_failure_fails_the_state_with_the_branchs_error():
    failing = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "FailureType", "Cause": "it broke"}}}
    state = {"Type": "Parallel", "Branches": [branch(("A", {})), failing]}
    result = failed(one(state), {})
    assert (result.error, result.cause) == ("FailureType", "it broke")


def test_parallel_catch():
    failing = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "FailureType", "Cause": "it broke"}}}
    machine = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [branch(("A", {})), failing], "Next": "Unreached",
              "Catch": [{"ErrorEquals": ["FailureType"], "ResultPath": "$.error", "Next": "Recover"}]},
        "Unreached": {"Type": "Fail", "Error": "ShouldNotHappen"},
        "Recover": {"Type": "Pass", "End": True},
    }}
    assert succeeded(machine, {"order": 1}) == {"order": 1, "error": {"Error": "FailureType", "Cause": "it broke"}}


def test_parallel_branch_time_overlaps():
    slow = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 30, "End": True}}}
    quick = {"StartAt": "Q1", "States": {"Q1": {"Type": "Wait", "Seconds": 10, "Next": "Q2"},
                                         "Q2": {"Type": "Wait", "Seconds": 5, "End": True}}}
    result = run(one({"Type": "Parallel", "Branches": [slow, quick]}), {})
    assert result.status == "SUCCEEDED"
    assert result.duration == pytest.approx(30)


# =========================================================================== Map
def processor(*states):
    return branch(*states) if states else branch(("Item", {}))


def test_map_runs_the_processor_for_each_item_in_order():
    state = {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor(("Double", {
        "Parameters": {"v.$": "States.MathAdd($, $)"}}))}
    assert succeeded(one(state), {"xs": [1, 2, 3]}) == [{"v": 2}, {"v": 4}, {"v": 6}]


def test_map_without_items_path_iterates_the_effective_input():
    state = {"Type": "Map", "InputPath": "$.arr", "ItemProcessor": processor()}
    assert succeeded(one(state), {"arr": [1, "Hello", {}, None, 3.3]}) == [1, "Hello", {}, None, 3.3]


def test_map_item_selector_with_context_index_and_value():
    state = {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor(),
             "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "shared.$": "$.shared"}}
    assert succeeded(one(state), {"xs": ["a", "b"], "shared": 9}) == [
        {"index": 0, "value": "a", "shared": 9}, {"index": 1, "value": "b", "shared": 9}]


def test_map_legacy_iterator_and_parameters():
    state = {"Type": "Map", "ItemsPath": "$.xs",
             "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
             "Parameters": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"}}
    assert succeeded(one(state), {"xs": [5, 6]}) == [{"i": 0, "v": 5}, {"i": 1, "v": 6}]


def test_map_result_path_and_result_selector():
    state = {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor(),
             "ResultSelector": {"n.$": "States.ArrayLength($)"}, "ResultPath": "$.summary"}
    assert succeeded(one(state), {"xs": [1, 2]}) == {"xs": [1, 2], "summary": {"n": 2}}


def test_map_result_path_null_keeps_the_input():
    state = {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor(), "ResultPath": None}
    assert succeeded(one(state), {"xs": [1]}) == {"xs": [1]}


def test_map_over_an_empty_array():
    assert succeeded(one({"Type": "Map", "ItemProcessor": processor()}), []) == []


def test_map_nested():
    inner = {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "ItemProcessor": processor(), "End": True}}}
    assert succeeded(one({"Type": "Map", "ItemProcessor": inner}), [[1, 2], [3]]) == [[1, 2], [3]]


@pytest.mark.parametrize("value, shown", [({"a": 1}, '{"a":1}'), ("text", '"text"'), (1, "1"), (None, "null")])
def test_map_over_a_non_array_fails(value, shown):
    result = failed(one({"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor()}), {"xs": value})
    assert result.cause == runtime_cause("S", 2, f"Map state input must be an array but was: {shown}")


def test_map_items_path_that_matches_nothing():
    result = failed(one({"Type": "Map", "ItemsPath": "$.nope", "ItemProcessor": processor()}), {})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause("S", 2, "Invalid path '$.nope' : No results for path: $['nope']")


def test_map_iteration_failure_fails_the_map_with_the_iterations_error():
    body = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 3, "Next": "Break"}],
                  "Default": "Ok"},
        "Break": {"Type": "Fail", "Error": "SomeFailure", "Cause": "three"},
        "Ok": {"Type": "Pass", "End": True}}}
    result = failed(one({"Type": "Map", "ItemProcessor": body}), [1, 2, 3, 4])
    assert (result.error, result.cause) == ("SomeFailure", "three")


WAIT_ITEM = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$", "End": True}}}


@pytest.mark.parametrize("max_concurrency, duration", [
    (0, 4),  # unlimited: all at once
    (1, 12),  # one after another
    (2, 8),  # two slots: the third item starts when the first finishes
    (3, 4),
    (10, 4),
])
def test_map_max_concurrency_shapes_simulated_time(max_concurrency, duration):
    state = {"Type": "Map", "MaxConcurrency": max_concurrency, "ItemProcessor": WAIT_ITEM}
    result = run(one(state), [4, 4, 4])
    assert result.status == "SUCCEEDED"
    assert result.output == [4, 4, 4]
    assert result.duration == pytest.approx(duration)


def test_map_max_concurrency_starts_items_in_order_as_slots_free():
    # slots: [5 | 2 then 1 at t=2 ends t=3 | ...] -> item 4 (3s) starts at t=3 and ends at t=6
    state = {"Type": "Map", "MaxConcurrency": 2, "ItemProcessor": WAIT_ITEM}
    assert run(one(state), [5, 2, 1, 3]).duration == pytest.approx(6)


def test_map_max_concurrency_path():
    # recorded: test_max_concurrency_path_1
    state = {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrencyPath": "$.MaxConcurrencyValue",
             "ItemProcessor": processor()}
    assert succeeded(one(state), {"MaxConcurrencyValue": 1, "Values": ["HelloWorld"]}) == ["HelloWorld"]


@pytest.mark.parametrize("value, shown", [("NoNumber", "NoNumber"), ({}, "{}")])
def test_map_max_concurrency_path_invalid(value, shown):
    # recorded: test_max_concurrency_path_NoNumber, ..._max_concurrency_value0
    state = {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrencyPath": "$.MaxConcurrencyValue",
             "ItemProcessor": processor()}
    result = failed(one(state), {"MaxConcurrencyValue": value, "Values": ["HelloWorld"]})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "S", 2, f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid integer: '
                "$.MaxConcurrencyValue")


def distributed(body, **fields):
    body = {**body, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}
    return {"Type": "Map", "ItemProcessor": body, **fields}


FAIL_ON_ODD = {"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Boom"}],
              "Default": "Ok"},
    "Boom": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
    "Ok": {"Type": "Pass", "End": True}}}
ITEMS = [{"odd": False}, {"odd": True}, {"odd": False}, {"odd": True}]  # 2 of 4 fail


@pytest.mark.parametrize("fields", [{"ToleratedFailureCount": 2}, {"ToleratedFailurePercentage": 50},
                                    {"ToleratedFailureCount": 10}, {"ToleratedFailurePercentage": 100}])
def test_map_tolerated_failures_within_the_threshold(fields):
    result = run(one(distributed(FAIL_ON_ODD, **fields)), ITEMS)
    assert result.status == "SUCCEEDED"
    assert len(result.output) == 4
    assert result.output[0] == {"odd": False}


@pytest.mark.parametrize("fields", [{"ToleratedFailureCount": 1}, {"ToleratedFailurePercentage": 49},
                                    {"ToleratedFailureCount": 0}, {"ToleratedFailurePercentage": 0}])
def test_map_exceeding_the_tolerated_failures(fields):
    result = failed(one(distributed(FAIL_ON_ODD, **fields)), ITEMS)
    assert result.error == "States.ExceedToleratedFailureThreshold"


def test_map_tolerated_failure_count_path():
    # recorded: test_map_state_tolerated_failure_count_path_0 / _1
    state = distributed(processor(), ItemsPath="$.Items", ToleratedFailureCountPath="$.ToleratedFailureCount")
    assert succeeded(one(state), {"Items": [0], "ToleratedFailureCount": 0}) == [0]
    result = failed(one(state), {"Items": [0], "ToleratedFailureCount": "NoNumber"})
    assert result.error == "States.Runtime"
    assert result.cause == runtime_cause(
        "S", 2, 'The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: '
                "$.ToleratedFailureCount")


@pytest.mark.parametrize("value, ok", [(0, True), (100, True), (0.5, True), (-1.1, False), (100.1, False)])
def test_map_tolerated_failure_percentage_path_bounds(value, ok):
    # recorded: test_map_state_tolerated_failure_percentage_path_*
    state = distributed(processor(), ItemsPath="$.Items",
                        ToleratedFailurePercentagePath="$.ToleratedFailurePercentage")
    result = run(one(state), {"Items": [0], "ToleratedFailurePercentage": value})
    if ok:
        assert (result.status, result.output) == ("SUCCEEDED", [0])
    else:
        assert result.error == "States.Runtime"
        assert result.cause == runtime_cause("S", 2, "ToleratedFailurePercentage must be between 0 and 100.")


def test_map_tolerated_failure_percentage_path_not_a_number():
    state = distributed(processor(), ItemsPath="$.Items",
                        ToleratedFailurePercentagePath="$.ToleratedFailurePercentage")
    result = failed(one(state), {"Items": [0], "ToleratedFailurePercentage": "NoNumber"})
    assert result.cause == runtime_cause(
        "S", 2, 'The ToleratedFailurePercentagePath field refers to value "NoNumber" which is not a valid float: '
                "$.ToleratedFailurePercentage")


def test_map_catch():
    machine = {"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": FAIL_ON_ODD, "ResultPath": "$.results",
              "End": True, "Catch": [{"ErrorEquals": ["Odd"], "ResultPath": "$.error", "Next": "Handled"}]},
        "Handled": {"Type": "Pass", "End": True}}}
    assert succeeded(machine, {"items": ITEMS}) == {"items": ITEMS, "error": {"Error": "Odd", "Cause": "odd item"}}


# =========================================================================== definitions
def test_an_invalid_definition_is_refused_with_located_problems():
    with pytest.raises(DefinitionError) as info:
        StateMachine.from_json({"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}})
    assert any(problem.path == "/StartAt" for problem in info.value.errors)


def test_handler_exit_and_non_json_results_fail_the_task_as_lambda_reports_them():
    import sys

    from asl_runtime import StateMachine

    sm = StateMachine.from_json({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True}}})
    exited = sm.run({}, handlers={"f": lambda event, ctx: sys.exit(3)})
    assert (exited.status, exited.error) == ("FAILED", "Runtime.ExitError")
    assert "exit status 3" in exited.cause
    nan = sm.run({}, handlers={"f": lambda event, ctx: {"x": float("nan")}})
    assert (nan.status, nan.error) == ("FAILED", "Runtime.MarshalError")
