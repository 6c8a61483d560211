"""Service limits (payload size, history length) and the execution history: event types per state
type, ids and previousEventId links as AWS records them, details as JSON text."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from asl_runtime import StateMachine
from conformance_support import available as corpus_available
from conformance_support import case_files
from conformance_support import handlers as corpus_handlers

FN = "arn:aws:lambda:us-east-1:123456789012:function:"
LIMIT = 262_144


def run(definition, input=None, **kwargs):
    return StateMachine.from_json(definition).run(input if input is not None else {}, **kwargs)


def types(result):
    return [e["type"] for e in result.history]


def links(result):
    return [(e["id"], e["previousEventId"], e["type"]) for e in result.history]


def details(event):
    return next(v for k, v in event.items() if k.endswith("EventDetails"))


# =========================================================================== payload limit
def test_a_state_output_over_256_kib_fails_with_data_limit_exceeded():
    # recorded: test_start_large_input
    definition = {"StartAt": "State_1", "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "a" * LIMIT},
                                                               "End": True}}}
    result = run(definition)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    assert result.cause == ("The state/task 'State_1' returned a result with a size exceeding the maximum number "
                            "of bytes service limit.")
    assert types(result) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def test_an_output_just_under_the_limit_passes():
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "a" * (LIMIT - 100), "End": True}}})
    assert result.status == "SUCCEEDED"


def test_the_limit_counts_utf8_bytes_not_characters():
    # 100,000 two-byte characters: well under the limit in characters, over it in bytes
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "é" * 140_000, "End": True}}})
    assert result.error == "States.DataLimitExceeded"
    assert run({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "é" * 120_000, "End": True}}}).succeeded


def test_an_oversized_state_output_cannot_be_caught():
    definition = {"StartAt": "Grow", "States": {
        "Grow": {"Type": "Task", "Resource": FN + "pad", "ResultPath": "$.more", "Next": "Done",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "End": True},
        "Done": {"Type": "Pass", "End": True}}}
    # the handler's result is small enough alone; merged into the input, the state output is too big
    result = run(definition, {"pad": "x" * 200_000}, handlers={"pad": lambda event, context: "y" * 100_000})
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    assert "TaskStateExited" not in types(result)


# =========================================================================== history length
RUNAWAY = {"StartAt": "Spin", "States": {
    "Spin": {"Type": "Pass", "Next": "Again"},
    "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "End"}],
              "Default": "Spin"},
    "End": {"Type": "Succeed"}}}


def test_a_runaway_loop_fails_at_25000_history_events():
    result = run(RUNAWAY)
    assert result.status == "FAILED"
    assert "25000" in result.cause and "history events" in result.cause  # says why, whatever the error name
    history = result.history
    assert len(history) == 25_000
    assert history[-1]["type"] == "ExecutionFailed"
    assert history[-1]["previousEventId"] == history[-2]["id"]


def test_a_long_but_finite_loop_is_fine():
    definition = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 1000,
                                                 "Next": "Done"}], "Default": "Inc"},
        "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
        "Done": {"Type": "Succeed"}}}
    result = run(definition, {"n": 0})
    assert (result.status, result.output) == ("SUCCEEDED", {"n": 1000})
    assert len(result.history) == 1 + 4 * 1000 + 2 + 2 + 1


# =========================================================================== ids and links
def test_ids_are_sequential_and_each_event_links_to_the_one_before():
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "D"}], "Default": "D"},
        "D": {"Type": "Succeed"}}}
    assert links(run(definition)) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),  # AWS links the first state to 0, not to ExecutionStarted
        (3, 2, "PassStateExited"),
        (4, 3, "WaitStateEntered"),
        (5, 4, "WaitStateExited"),
        (6, 5, "ChoiceStateEntered"),
        (7, 6, "ChoiceStateExited"),
        (8, 7, "SucceedStateEntered"),
        (9, 8, "SucceedStateExited"),
        (10, 9, "ExecutionSucceeded"),
    ]


def test_a_fail_state_has_no_exited_event():
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "F"},
                                             "F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}
    result = run(definition)
    assert links(result) == [(1, 0, "ExecutionStarted"), (2, 0, "PassStateEntered"), (3, 2, "PassStateExited"),
                             (4, 3, "FailStateEntered"), (5, 4, "ExecutionFailed")]
    assert details(result.history[-1]) == {"error": "E", "cause": "C"}


def test_a_task_calling_a_lambda_function():
    result = run({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "echo", "TimeoutSeconds": 30,
                                                   "End": True}}},
                 {"a": 1}, handlers={"echo": lambda event, context: {"b": 2}})
    assert links(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"), (3, 2, "LambdaFunctionScheduled"),
        (4, 3, "LambdaFunctionStarted"), (5, 4, "LambdaFunctionSucceeded"), (6, 5, "TaskStateExited"),
        (7, 6, "ExecutionSucceeded")]
    scheduled = details(result.history[2])
    assert scheduled["resource"] == FN + "echo"
    assert scheduled["input"] == '{"a":1}'
    assert scheduled["timeoutInSeconds"] == 30
    assert details(result.history[4])["output"] == '{"b":2}'


def test_a_failing_lambda_retried_records_each_attempt():
    # recorded: test_retry_interval_features
    def boom(event, context):
        raise ValueError("no")

    result = run({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN + "boom", "End": True,
                                                   "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]}}},
                 handlers={"boom": boom})
    assert links(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"),
        (3, 2, "LambdaFunctionScheduled"), (4, 3, "LambdaFunctionStarted"), (5, 4, "LambdaFunctionFailed"),
        (6, 5, "LambdaFunctionScheduled"), (7, 6, "LambdaFunctionStarted"), (8, 7, "LambdaFunctionFailed"),
        (9, 8, "LambdaFunctionScheduled"), (10, 9, "LambdaFunctionStarted"), (11, 10, "LambdaFunctionFailed"),
        (12, 11, "ExecutionFailed")]
    failed = details(result.history[4])
    assert failed["error"] == "ValueError"
    assert json.loads(failed["cause"])["errorMessage"] == "no"


def test_a_lambda_invoke_task_records_task_events():
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
             "Parameters": {"FunctionName": "echo", "Payload.$": "$"}}
    result = run({"StartAt": "T", "States": {"T": state}}, {"a": 1},
                 handlers={"echo": lambda event, context: event})
    assert types(result) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                             "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    scheduled = details(result.history[2])
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["region"]) == ("lambda", "invoke", "us-east-1")
    assert json.loads(scheduled["parameters"]) == {"FunctionName": "echo", "Payload": {"a": 1}}


def test_a_caught_task_exits_normally():
    state = {"Type": "Task", "Resource": FN + "boom", "Next": "Done",
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]}
    result = run({"StartAt": "T", "States": {"T": state, "Done": {"Type": "Succeed"}}},
                 handlers={"boom": lambda event, context: 1 / 0})
    assert types(result) == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                             "LambdaFunctionStarted", "LambdaFunctionFailed", "TaskStateExited",
                             "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]
    assert json.loads(details(result.history[5])["output"])["Error"] == "ZeroDivisionError"


def test_map_iterations():
    # recorded: test_map_state (same shape, fewer items)
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}}}}
    result = run(definition, [1, "two"])
    assert links(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"),
        (4, 3, "MapIterationStarted"), (5, 4, "PassStateEntered"), (6, 5, "PassStateExited"),
        (7, 6, "MapIterationSucceeded"),
        (8, 6, "MapIterationStarted"),  # links past MapIterationSucceeded, as AWS records it
        (9, 8, "PassStateEntered"), (10, 9, "PassStateExited"), (11, 10, "MapIterationSucceeded"),
        (12, 11, "MapStateSucceeded"),
        (13, 11, "MapStateExited"),  # links to the event before MapStateSucceeded
        (14, 13, "ExecutionSucceeded")]
    assert details(result.history[2]) == {"length": 2}
    assert details(result.history[3]) == {"index": 0, "name": "M"}
    assert details(result.history[7]) == {"index": 1, "name": "M"}
    assert details(result.history[8])["input"] == '"two"'


def test_map_iteration_failure():
    # recorded: test_map_state_break_condition
    body = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Break"}],
                  "Default": "Ok"},
        "Break": {"Type": "Fail", "Error": "SomeFailure"},
        "Ok": {"Type": "Pass", "End": True}}}
    result = run({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": body}}}, [1, 2])
    assert links(result)[8:] == [
        (9, 8, "MapIterationSucceeded"), (10, 8, "MapIterationStarted"), (11, 10, "ChoiceStateEntered"),
        (12, 11, "ChoiceStateExited"), (13, 12, "FailStateEntered"),
        (14, 13, "MapIterationFailed"),
        (15, 13, "MapStateFailed"),  # shares its predecessor with MapIterationFailed
        (16, 15, "ExecutionFailed")]


def test_map_retried_records_a_new_start_and_no_failure_in_between():
    # recorded: test_map_state_retry
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "Retry": [{"ErrorEquals": ["ItemFailed"], "MaxAttempts": 1}],
        "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ItemFailed"}}}}}}
    assert links(run(definition, [1])) == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"),
        (3, 2, "MapStateStarted"), (4, 3, "MapIterationStarted"), (5, 4, "FailStateEntered"),
        (6, 5, "MapIterationFailed"),
        (7, 5, "MapStateStarted"), (8, 7, "MapIterationStarted"), (9, 8, "FailStateEntered"),
        (10, 9, "MapIterationFailed"),
        (11, 9, "MapStateFailed"), (12, 11, "ExecutionFailed")]


def test_map_tolerated_failure_path_errors_come_after_map_state_started():
    # recorded: test_map_state_tolerated_failure_count_path_NoNumber
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ItemsPath": "$.Items", "ToleratedFailureCountPath": "$.Count",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}
    result = run(definition, {"Items": [0], "Count": "NoNumber"})
    assert links(result) == [(1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"),
                             (4, 3, "ExecutionFailed")]


def test_distributed_map_records_a_map_run_not_iterations():
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}
    assert links(run(definition, [1, 2])) == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"),
        (4, 3, "MapRunStarted"), (5, 4, "MapRunSucceeded"), (6, 5, "MapStateSucceeded"), (7, 5, "MapStateExited"),
        (8, 7, "ExecutionSucceeded")]


def test_parallel_branches():
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}}}
    result = run(definition)
    assert types(result) == ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted",
                             "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited",
                             "ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]
    assert links(result)[-3:] == [(8, 7, "ParallelStateSucceeded"), (9, 7, "ParallelStateExited"),
                                  (10, 9, "ExecutionSucceeded")]


def test_parallel_branch_failure():
    # recorded: test_parallel_state_fail
    definition = {"StartAt": "ParallelState", "States": {"ParallelState": {
        "Type": "Parallel", "End": True,
        "Branches": [{"StartAt": "Branch1", "States": {"Branch1": {"Type": "Fail", "Error": "FailureType"}}}]}}}
    assert links(run(definition)) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"), (5, 4, "ParallelStateFailed"), (6, 5, "ExecutionFailed")]


def test_execution_timed_out_is_the_last_event():
    result = run({"StartAt": "W", "TimeoutSeconds": 1, "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})
    assert links(result) == [(1, 0, "ExecutionStarted"), (2, 0, "WaitStateEntered"), (3, 2, "ExecutionTimedOut")]


# =========================================================================== details
def test_inputs_and_outputs_are_compact_json_text():
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": [1, {"b": "é"}], "End": True}}},
                 {"a": "x y"}, role_arn="arn:aws:iam::123456789012:role/R")
    started, entered, exited, succeeded = result.history
    assert details(started) == {"input": '{"a":"x y"}', "inputDetails": {"truncated": False},
                                "roleArn": "arn:aws:iam::123456789012:role/R"}
    assert details(entered) == {"name": "P", "input": '{"a":"x y"}', "inputDetails": {"truncated": False}}
    assert details(exited) == {"name": "P", "output": '[1,{"b":"é"}]', "outputDetails": {"truncated": False}}
    assert details(succeeded) == {"output": '[1,{"b":"é"}]', "outputDetails": {"truncated": False}}


def test_scalar_inputs_are_json_text_too():
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "hello")
    assert details(result.history[1])["input"] == '"hello"'


def test_timestamps_are_iso_milliseconds_and_follow_simulated_time():
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
                                             "P": {"Type": "Pass", "End": True}}}
    history = run(definition).history
    stamps = [datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ") for e in history]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["timestamp"]) for e in history)
    assert stamps == sorted(stamps)
    assert (stamps[-1] - stamps[0]).total_seconds() == pytest.approx(3600)


def test_the_entered_event_id_in_a_runtime_error_cause_is_the_failing_states_entered_event():
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
        "C": {"Type": "Pass", "OutputPath": "$.missing", "End": True}}}
    result = run(definition)
    entered = next(e for e in result.history if e["type"] == "PassStateEntered" and details(e)["name"] == "C")
    assert f"(entered at the event id #{entered['id']})" in result.cause
    assert entered["id"] == 6
    assert details(result.history[-1])["cause"] == result.cause


def test_history_in_the_api_result_and_the_cli_shape_agree():
    result = run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    assert result.to_dict(history=True)["history"] == result.history
    assert "history" not in result.to_dict()


# =========================================================================== against AWS recordings
# AWS's own recordings disagree on one link of a distributed Map: MapStateExited follows MapRunSucceeded in
# most of them and MapRunStarted in these (a race inside the service); we follow the majority.
SCENARIOS = "scenarios.test_base_scenarios.TestBaseScenarios."
RACY = {
    SCENARIOS + "test_map_state_config_distributed_item_selector_parameters-9d4500",
    SCENARIOS + "test_map_state_config_distributed_items_path_from_previous-41dcac",
    SCENARIOS + "test_map_state_nested_config_distributed-1192ad",
    SCENARIOS + "test_map_state_nested_config_distributed_no_max_max_concurrenc-ee82be",
    "assign.test_assign_reference_variables.TestAssignReferenceVariables."
    "test_reference_in_map_state_MAP_STATE_REFE-b1d11d",
}


def _recorded_cases():
    out = []
    for path in case_files():
        case = json.loads(path.read_text())
        numbered = case["events"] and all(isinstance(e["id"], int) for e in case["events"])
        if numbered and not case.get("mocks") and "JSONata" not in json.dumps(case["definition"]):
            out.append(pytest.param(case, id=case["id"]))
    return out


@pytest.fixture(scope="module")
def lambda_handlers():
    return corpus_handlers()


@pytest.mark.skipif(not corpus_available(), reason="shared/conformance corpus not present")
@pytest.mark.parametrize("case", _recorded_cases())
def test_event_ids_and_links_match_the_aws_recording(case, lambda_handlers):
    if case["id"] in RACY:
        pytest.skip("AWS recordings of this shape disagree with each other")
    ctx = case["context"]
    result = StateMachine.from_json(case["definition"]).run(
        case["input"], handlers=lambda_handlers, execution_name=ctx["execution_name"],
        state_machine_name=ctx["state_machine_name"], account_id=ctx["account_id"], region=ctx["region"],
        role_arn=ctx["role_arn"], state_machine_type=ctx.get("state_machine_type", "STANDARD"))
    assert links(result) == [(e["id"], e["previousEventId"], e["type"]) for e in case["events"]]


def test_start_refuses_input_aws_would_refuse():
    """StartExecution refuses input over 256 KiB or that is not JSON; so does run()."""
    import datetime

    import pytest

    from asl_runtime import InvalidExecutionInput, StateMachine

    sm = StateMachine.from_json({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    for bad in ({"a": "x" * 262_144}, {"when": datetime.date(2026, 1, 1)}, {"n": float("nan")}):
        with pytest.raises(InvalidExecutionInput):
            sm.run(bad)
    assert sm.run({"a": "x" * 262_000}).status == "SUCCEEDED"


def _evaluation_failed_cases():
    out = []
    for path in case_files():
        case = json.loads(path.read_text())
        if case["events"] and any(e["type"] == "EvaluationFailed" for e in case["events"]):
            out.append(pytest.param(case, id=case["id"]))
    return out


@pytest.mark.skipif(not corpus_available(), reason="shared/conformance corpus not present")
@pytest.mark.parametrize("case", _evaluation_failed_cases())
def test_a_jsonata_evaluation_failure_records_evaluation_failed_as_aws_does(case, lambda_handlers):
    # e.g. test_wait_timestamp_jsonata_INVALID_ISO: EvaluationFailed {error, cause, location, state}
    # before ExecutionFailed (or MapStateFailed / MapIterationFailed), linked as AWS links it.
    ctx = case["context"]
    result = StateMachine.from_json(case["definition"]).run(
        case["input"], handlers=lambda_handlers, execution_name=ctx["execution_name"],
        state_machine_name=ctx["state_machine_name"], account_id=ctx["account_id"], region=ctx["region"],
        role_arn=ctx["role_arn"])
    assert links(result) == [(e["id"], e["previousEventId"], e["type"]) for e in case["events"]]
    ours = [details(e) for e in result.history if e["type"] == "EvaluationFailed"]
    assert ours == [details(e) for e in case["events"] if e["type"] == "EvaluationFailed"]



@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_a_runaway_distributed_map_child_fails_at_its_own_25000_events_under_either_clock(clock):
    """A Standard child workflow execution has AWS's history limit too, whichever way iterations run."""
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **RUNAWAY}}}}
    result = StateMachine.from_json(definition).run([{}], clock=clock)
    assert result.status == "FAILED"
    assert "25000" in result.cause and "history events" in result.cause
    assert [e["type"] for e in result.history][-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]
