"""Retry and Catch: back-off in virtual time, attempt counting, which retrier and catcher match,
what no catcher can catch, and timeouts of a Task and of the whole machine."""

from __future__ import annotations

from datetime import datetime

import pytest

import asl_runtime
from asl_runtime import StateMachine

FN = "arn:aws:lambda:us-east-1:123456789012:function:"


class Flaky:
    """A handler that raises the given exceptions in turn, then returns its input."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, event, context):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return event


class ErrorA(Exception):
    pass


class ErrorB(Exception):
    pass


class ErrorC(Exception):
    pass


def always(exc_type, n=100):
    return Flaky(*[exc_type("boom") for _ in range(n)])


def task(retry=None, catch=None, **fields):
    state = {"Type": "Task", "Resource": FN + "work", **fields}
    if retry is not None:
        state["Retry"] = retry
    if catch is not None:
        state["Catch"] = catch
        state["Next"] = "Done"
    else:
        state["End"] = True
    return {"StartAt": "Work", "States": {"Work": state, "Handled": {"Type": "Pass", "End": True},
                                          "Done": {"Type": "Succeed"}}} if catch is not None else {
        "StartAt": "Work", "States": {"Work": state}}


def run(definition, input=None, handler=None, **kwargs):
    handlers = {"work": handler} if handler is not None else {}
    return StateMachine.from_json(definition).run(input if input is not None else {}, handlers=handlers, **kwargs)


def attempt_times(result):
    """Simulated seconds since the start at which each attempt of the Lambda was scheduled."""
    start = _ts(result.history[0]["timestamp"])
    return [round(_ts(e["timestamp"]) - start, 3) for e in result.history if e["type"] == "LambdaFunctionScheduled"]


def _ts(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


# --------------------------------------------------------------------------- back-off timing
def test_retry_defaults_one_second_doubling_three_attempts():
    handler = always(ErrorA)
    result = run(task(retry=[{"ErrorEquals": ["ErrorA"]}]), handler=handler)
    assert result.status == "FAILED"
    assert result.error == "ErrorA"
    assert handler.calls == 4
    assert attempt_times(result) == [0, 1, 3, 7]
    assert result.duration == pytest.approx(7)


def test_retry_interval_and_backoff_rate():
    handler = always(ErrorA)
    retry = [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]
    result = run(task(retry=retry), handler=handler)
    assert attempt_times(result) == [0, 2, 8, 26]


def test_retry_backoff_rate_one_keeps_the_interval():
    retry = [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 5, "BackoffRate": 1, "MaxAttempts": 3}]
    assert attempt_times(run(task(retry=retry), handler=always(ErrorA))) == [0, 5, 10, 15]


def test_retry_max_delay_seconds_caps_each_wait():
    retry = [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 10, "BackoffRate": 2, "MaxAttempts": 4,
              "MaxDelaySeconds": 15}]
    assert attempt_times(run(task(retry=retry), handler=always(ErrorA))) == [0, 10, 25, 40, 55]


def test_retry_max_attempts_zero_never_retries():
    handler = always(ErrorA)
    result = run(task(retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]), handler=handler)
    assert result.error == "ErrorA"
    assert handler.calls == 1
    assert result.duration == 0


def test_retry_succeeds_on_a_later_attempt():
    handler = Flaky(ErrorA("1"), ErrorA("2"))
    result = run(task(retry=[{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 3}]), {"v": 1}, handler=handler)
    assert (result.status, result.output) == ("SUCCEEDED", {"v": 1})
    assert handler.calls == 3
    assert result.duration == pytest.approx(3 + 6)


def test_retry_jitter_full_stays_within_the_backoff():
    retry = [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 10, "BackoffRate": 2, "MaxAttempts": 3,
              "JitterStrategy": "FULL"}]
    waits = []
    for _ in range(30):
        times = attempt_times(run(task(retry=retry), handler=always(ErrorA)))
        waits.append([b - a for a, b in zip(times, times[1:])])
    for w in waits:
        assert 0 <= w[0] <= 10 and 0 <= w[1] <= 20 and 0 <= w[2] <= 40
    assert len({tuple(w) for w in waits}) > 1  # jittered, not fixed
    assert any(w[2] < 39 for w in waits)


def test_retry_jitter_none_is_exact():
    retry = [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1,
              "MaxDelaySeconds": 3, "JitterStrategy": "NONE"}]
    assert attempt_times(run(task(retry=retry), handler=always(ErrorA))) == [0, 1, 2]


def test_retry_count_is_visible_in_the_context_object():
    seen = []

    def work(event, context):
        seen.append(event["retry"])
        if len(seen) < 3:
            raise ErrorA("again")
        return event

    definition = task(retry=[{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 1}],
                      Parameters={"retry.$": "$$.State.RetryCount"})
    result = run(definition, handler=work)
    assert result.output == {"retry": 2}
    assert seen == [0, 1, 2]


# --------------------------------------------------------------------------- which retrier
def test_the_first_matching_retrier_is_used_even_if_a_later_one_is_more_specific():
    handler = always(ErrorA)
    retry = [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1, "IntervalSeconds": 1},
             {"ErrorEquals": ["ErrorA"], "MaxAttempts": 5, "IntervalSeconds": 1}]
    run(task(retry=retry), handler=handler)
    assert handler.calls == 2


def test_an_exhausted_retrier_does_not_fall_through_to_the_next():
    handler = always(ErrorA)
    retry = [{"ErrorEquals": ["ErrorA"], "MaxAttempts": 1, "IntervalSeconds": 1},
             {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}]
    result = run(task(retry=retry), handler=handler)
    assert result.error == "ErrorA"
    assert handler.calls == 2


def test_errors_sharing_a_retrier_share_its_attempt_count():
    # as in the AWS guide's "complex retry scenarios": ErrorA, ErrorB then ErrorA exhaust one retrier
    handler = Flaky(ErrorA("1"), ErrorB("2"), ErrorA("3"), ErrorB("4"))
    retry = [{"ErrorEquals": ["ErrorA", "ErrorB"], "MaxAttempts": 2, "IntervalSeconds": 1}]
    result = run(task(retry=retry), handler=handler)
    assert result.error == "ErrorA"
    assert handler.calls == 3


def test_each_retrier_counts_its_own_attempts():
    handler = Flaky(ErrorA("1"), ErrorC("2"), ErrorA("3"), ErrorC("4"))
    retry = [{"ErrorEquals": ["ErrorA"], "MaxAttempts": 2, "IntervalSeconds": 1},
             {"ErrorEquals": ["ErrorC"], "MaxAttempts": 2, "IntervalSeconds": 1}]
    result = run(task(retry=retry), {"ok": True}, handler=handler)
    assert (result.status, result.output) == ("SUCCEEDED", {"ok": True})
    assert handler.calls == 5


def test_a_retrier_for_another_error_does_not_retry():
    handler = always(ErrorB)
    result = run(task(retry=[{"ErrorEquals": ["ErrorA"]}]), handler=handler)
    assert result.error == "ErrorB"
    assert handler.calls == 1


# --------------------------------------------------------------------------- catch
def test_catch_after_the_retrier_is_exhausted():
    handler = always(ErrorA)
    definition = task(retry=[{"ErrorEquals": ["ErrorA"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                      catch=[{"ErrorEquals": ["ErrorA"], "Next": "Handled"}])
    result = run(definition, {"order": 1}, handler=handler)
    assert result.status == "SUCCEEDED"
    assert handler.calls == 3
    assert result.output["Error"] == "ErrorA"
    assert result.duration == pytest.approx(3)


def test_catch_without_result_path_replaces_the_input_with_the_error_output():
    result = run(task(catch=[{"ErrorEquals": ["ErrorA"], "Next": "Handled"}]), {"order": 1},
                 handler=always(ErrorA))
    assert set(result.output) == {"Error", "Cause"}
    assert result.output["Error"] == "ErrorA"


def test_catch_result_path_keeps_the_input():
    definition = task(catch=[{"ErrorEquals": ["ErrorA"], "ResultPath": "$.failure", "Next": "Handled"}])
    result = run(definition, {"order": 1}, handler=always(ErrorA))
    assert result.output["order"] == 1
    assert result.output["failure"]["Error"] == "ErrorA"


def test_catch_result_path_null_discards_the_error():
    definition = task(catch=[{"ErrorEquals": ["ErrorA"], "ResultPath": None, "Next": "Handled"}])
    assert run(definition, {"order": 1}, handler=always(ErrorA)).output == {"order": 1}


def test_the_first_matching_catcher_wins():
    definition = task(catch=[{"ErrorEquals": ["ErrorB"], "ResultPath": "$.b", "Next": "Handled"},
                             {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.any", "Next": "Done"},
                             {"ErrorEquals": ["ErrorA"], "ResultPath": "$.a", "Next": "Handled"}])
    assert set(run(definition, {}, handler=always(ErrorA)).output) == {"any"}


def test_an_error_no_catcher_names_fails_the_execution():
    result = run(task(catch=[{"ErrorEquals": ["ErrorB"], "Next": "Handled"}]), {}, handler=always(ErrorA))
    assert (result.status, result.error) == ("FAILED", "ErrorA")


@pytest.mark.parametrize("error_equals", [["States.ALL"], ["States.TaskFailed"], ["ErrorA"],
                                          ["ErrorB", "ErrorA"]])
def test_wildcards_and_names_that_catch_a_task_error(error_equals):
    definition = task(catch=[{"ErrorEquals": error_equals, "ResultPath": "$.e", "Next": "Handled"}])
    assert run(definition, {}, handler=always(ErrorA)).output["e"]["Error"] == "ErrorA"


def test_states_runtime_is_never_caught():
    # recorded: test_catch_states_runtime
    definition = {"StartAt": "RaiseRuntime", "States": {
        "RaiseRuntime": {"Type": "Task", "Resource": FN + "work", "OutputPath": "$.no.such.result.path",
                         "Retry": [{"ErrorEquals": ["States.ALL"]}],
                         "Catch": [{"ErrorEquals": ["States.Runtime"], "Next": "Caught"},
                                   {"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                         "Next": "Final"},
        "Caught": {"Type": "Pass", "End": True},
        "Final": {"Type": "Pass", "End": True}}}
    handler = Flaky()
    result = run(definition, {}, handler=handler)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert handler.calls == 1  # not retried either
    assert result.cause == ("An error occurred while executing the state 'RaiseRuntime' (entered at the event "
                            "id #2). Invalid path '$.no.such.result.path' : Missing property in path $['no']")


def test_catch_on_a_caught_task_at_the_end_goes_to_the_catchers_next():
    definition = {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": FN + "work", "End": True,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Handled"}]},
        "Handled": {"Type": "Pass", "Result": "handled", "End": True}}}
    assert run(definition, {}, handler=always(ErrorA)).output == "handled"


# --------------------------------------------------------------------------- task timeouts
def slow(seconds):
    def work(event, context):
        asl_runtime.sleep(seconds)
        return {"slept": seconds}
    return work


def test_task_timeout_seconds():
    result = run(task(TimeoutSeconds=5), handler=slow(60))
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert result.duration == pytest.approx(5)


def test_a_timed_out_lambda_records_no_cause():
    # recorded: test_timeouts.TestTimeouts.test_fixed_timeout_lambda
    result = run(task(TimeoutSeconds=5), handler=slow(60))
    timed_out, failed = result.history[-2:]
    assert timed_out["type"] == "LambdaFunctionTimedOut"
    assert timed_out["lambdaFunctionTimedOutEventDetails"] == {"error": "States.Timeout"}
    assert failed["executionFailedEventDetails"] == {"error": "States.Timeout"}
    assert (result.error, result.cause) == ("States.Timeout", None)


def test_a_caught_timeout_still_has_an_empty_cause_in_its_error_output():
    # recorded: a caught lambda:invoke timeout's error output is {"Error": "States.Timeout", "Cause": ""}
    catch = [{"ErrorEquals": ["States.Timeout"], "Next": "Handled"}]
    result = run(task(catch=catch, TimeoutSeconds=5), {}, handler=slow(60))
    assert result.output == {"Error": "States.Timeout", "Cause": ""}


def test_task_within_its_timeout_succeeds_and_takes_simulated_time():
    result = run(task(TimeoutSeconds=60), handler=slow(59))
    assert (result.status, result.output) == ("SUCCEEDED", {"slept": 59})
    assert result.duration == pytest.approx(59)


@pytest.mark.parametrize("timeout, status", [(5, "FAILED"), (120, "SUCCEEDED")])
def test_task_timeout_seconds_path(timeout, status):
    result = run(task(TimeoutSecondsPath="$.timeout"), {"timeout": timeout}, handler=slow(60))
    assert result.status == status
    assert result.duration == pytest.approx(min(timeout, 60))


@pytest.mark.parametrize("field", ["TimeoutSecondsPath", "HeartbeatSecondsPath"])
@pytest.mark.parametrize("value, shown", [("soon", "soon"), ({"s": 1}, '{"s":1}'), (True, "true"),
                                          (-5, "-5"), (0, "0"), (2.5, "2.5")])
def test_a_seconds_path_that_selects_no_positive_integer_fails_the_state(field, value, shown):
    # AWS: "the reference path must select fields whose values are positive integers".
    result = run(task(**{field: "$.t"}), {"t": value}, handler=slow(1))
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert result.cause == (f"An error occurred while executing the state 'Work' (entered at the event id #2). "
                            f'The {field} field refers to value "{shown}" which is not a valid integer: $.t')


def test_a_seconds_path_failure_is_terminal_like_every_states_runtime_error():
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}]
    result = run(task(catch=catch, TimeoutSecondsPath="$.t"), {"t": "x"}, handler=slow(1))
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


def test_task_timeout_is_caught_by_states_timeout_not_by_task_failed():
    catch = [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failed", "Next": "Handled"},
             {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Handled"}]
    result = run(task(catch=catch, TimeoutSeconds=5), {}, handler=slow(60))
    assert result.status == "SUCCEEDED"
    assert list(result.output) == ["timeout"]
    assert result.output["timeout"]["Error"] == "States.Timeout"


def test_states_all_catches_a_timeout():
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Handled"}]
    assert run(task(catch=catch, TimeoutSeconds=5), {}, handler=slow(60)).output["e"]["Error"] == "States.Timeout"


def test_task_timeout_retried_each_attempt_takes_the_full_timeout():
    retry = [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]
    result = run(task(retry=retry, TimeoutSeconds=5), handler=slow(60))
    assert result.error == "States.Timeout"
    assert attempt_times(result) == [0, 6, 12]
    assert result.duration == pytest.approx(17)


def test_a_heartbeat_timeout_is_caught_by_states_timeout():
    definition = {"StartAt": "Wait", "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "HeartbeatSeconds": 30, "TimeoutSeconds": 600,
                 "Parameters": {"FunctionName": "work", "Payload": {"token.$": "$$.Task.Token"}},
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.e", "Next": "Handled"}],
                 "Next": "Handled"},
        "Handled": {"Type": "Pass", "End": True}}}
    result = run(definition, {}, handler=lambda event, context: None)  # never answers the token
    assert result.status == "SUCCEEDED"
    assert result.output["e"]["Error"] == "States.HeartbeatTimeout"
    assert result.duration == pytest.approx(30)


# --------------------------------------------------------------------------- machine timeout
def test_machine_timeout_seconds_times_the_execution_out():
    definition = {"StartAt": "W", "TimeoutSeconds": 5, "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    result = StateMachine.from_json(definition).run({})
    assert (result.status, result.error, result.output) == ("TIMED_OUT", "States.Timeout", None)
    assert result.duration == pytest.approx(5)
    assert result.history[-1]["type"] == "ExecutionTimedOut"


def test_machine_timeout_during_a_handler_that_sleeps():
    definition = {"StartAt": "Work", "TimeoutSeconds": 5,
                  "States": {"Work": {"Type": "Task", "Resource": FN + "work", "End": True}}}
    result = run(definition, {}, handler=slow(10))
    assert result.status == "TIMED_OUT"
    assert result.duration == pytest.approx(5)
    types = [e["type"] for e in result.history]
    assert "LambdaFunctionSucceeded" not in types
    assert types[-1] == "ExecutionTimedOut"


def test_machine_timeout_cannot_be_caught():
    definition = {"StartAt": "Work", "TimeoutSeconds": 5, "States": {
        "Work": {"Type": "Task", "Resource": FN + "work", "Next": "Handled",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]},
        "Handled": {"Type": "Pass", "End": True}}}
    assert run(definition, {}, handler=slow(10)).status == "TIMED_OUT"


def test_machine_timeout_during_retry_back_off():
    definition = {"StartAt": "Work", "TimeoutSeconds": 10, "States": {
        "Work": {"Type": "Task", "Resource": FN + "work", "End": True,
                 "Retry": [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 4, "MaxAttempts": 5}]}}}
    handler = always(ErrorA)
    result = run(definition, {}, handler=handler)
    assert result.status == "TIMED_OUT"
    assert handler.calls == 2  # at 0 and 4; the next wait (8 s) passes the deadline
    assert result.duration == pytest.approx(10)


def test_a_machine_within_its_timeout_succeeds():
    definition = {"StartAt": "W", "TimeoutSeconds": 60, "States": {"W": {"Type": "Wait", "Seconds": 59, "End": True}}}
    assert StateMachine.from_json(definition).run({}).status == "SUCCEEDED"


# --------------------------------------------------------------------------- parallel time
def test_parallel_duration_is_the_critical_path_including_retries():
    def branch(name, seconds):
        return {"StartAt": name, "States": {name: {"Type": "Wait", "Seconds": seconds, "End": True}}}

    retrying = {"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": FN + "work", "End": True,
        "Retry": [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 10, "BackoffRate": 1, "MaxAttempts": 3}]}}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True,
                                                   "Branches": [branch("A", 25), retrying, branch("B", 5)]}}}
    result = run(definition, {}, handler=Flaky(ErrorA("1"), ErrorA("2")))
    assert result.status == "SUCCEEDED"
    assert result.duration == pytest.approx(25)  # the retries end at 20, the longest wait at 25


def test_parallel_duration_when_the_retrying_branch_is_longest():
    quick = {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 5, "End": True}}}
    retrying = {"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": FN + "work", "End": True,
        "Retry": [{"ErrorEquals": ["ErrorA"], "IntervalSeconds": 10, "BackoffRate": 1, "MaxAttempts": 3}]}}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [quick, retrying]}}}
    assert run(definition, {}, handler=Flaky(ErrorA("1"), ErrorA("2"))).duration == pytest.approx(20)
