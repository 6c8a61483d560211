"""asl lint: the warnings a review of a production workflow gives, each with a rule id and a place."""

import json
import subprocess
import sys

import pytest

from asl_runtime.testing.lint import RULES, lint, longest_path

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:charge"
TRANSIENT_RETRY = {"ErrorEquals": ["Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException",
                                   "Lambda.AWSLambdaException", "Lambda.SdkClientException"],
                   "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2}


def task(**fields):
    return {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 10, "Retry": [TRANSIENT_RETRY],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "End": True, **fields}


def machine(state, **top):
    return {"StartAt": "Charge", "States": {"Charge": state, "Failed": {"Type": "Fail"}}, **top}


def rules(definition, **options):
    return [(p.rule, p.path) for p in lint(definition, **options)]


def test_a_well_guarded_task_has_nothing_to_report():
    assert rules(machine(task())) == []


def test_a_lambda_task_without_a_retry_for_lambdas_transient_errors():
    problems = lint(machine(task(Retry=[{"ErrorEquals": ["Lambda.ServiceException"]}])))
    assert [(p.rule, p.path) for p in problems] == [("retry-transient", "/States/Charge")]
    assert "Lambda.SdkClientException" in problems[0].message and "Lambda.ServiceException" not in problems[0].message


def test_retrying_states_all_covers_the_transient_errors():
    assert rules(machine(task(Retry=[{"ErrorEquals": ["States.ALL"]}]))) == []


def test_a_service_task_without_any_retry():
    state = task(Resource="arn:aws:states:::sqs:sendMessage", Retry=None)
    del state["Retry"]
    assert rules(machine(state)) == [("retry-transient", "/States/Charge")]


def test_a_side_effect_without_catch_but_not_a_read():
    writes = task()
    del writes["Catch"]
    assert ("catch-side-effect", "/States/Charge") in rules(machine(writes))
    reads = task(Resource="arn:aws:states:::dynamodb:getItem", Retry=[{"ErrorEquals": ["States.ALL"]}])
    del reads["Catch"]
    assert rules(machine(reads)) == []


def test_an_http_get_is_a_read_and_a_post_a_side_effect():
    def http(method):
        state = task(Resource="arn:aws:states:::http:invoke", Retry=[{"ErrorEquals": ["States.ALL"]}],
                     Parameters={"ApiEndpoint": "https://api.example.com/x", "Method": method,
                                 "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"}})
        del state["Catch"]
        return machine(state)
    assert rules(http("GET")) == []
    assert rules(http("POST")) == [("catch-side-effect", "/States/Charge")]


def test_a_catch_on_the_enclosing_parallel_covers_the_tasks_inside():
    inner = task()
    del inner["Catch"]
    definition = {"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "Branches": [{"StartAt": "Charge", "States": {"Charge": inner}}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "End": True},
        "Failed": {"Type": "Fail"}}}
    assert rules(definition) == []


def test_a_task_without_timeout_mentions_awss_default():
    state = task()
    del state["TimeoutSeconds"]
    problems = lint(machine(state))
    assert [(p.rule, p.path) for p in problems] == [("task-timeout", "/States/Charge")]
    assert "99,999,999" in problems[0].message


def test_a_callback_without_heartbeat():
    state = task(Resource="arn:aws:states:::sqs:sendMessage.waitForTaskToken", Retry=[{"ErrorEquals": ["States.ALL"]}])
    assert rules(machine(state)) == [("callback-heartbeat", "/States/Charge")]
    assert rules(machine({**state, "HeartbeatSeconds": 60})) == []


@pytest.mark.parametrize("retrier, flagged", [
    ({"ErrorEquals": ["States.ALL"], "MaxAttempts": 50}, True),
    ({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 8, "BackoffRate": 2}, True),
    ({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 8, "BackoffRate": 2,
      "MaxDelaySeconds": 60}, False),
    ({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 5, "BackoffRate": 2}, False),
    ({"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 50}, False),
])
def test_states_all_retried_without_a_cap(retrier, flagged):
    found = rules(machine(task(Retry=[TRANSIENT_RETRY, retrier])))
    assert (("retry-all-cap", "/States/Charge/Retry/1") in found) is flagged


def nested(name, child=None):
    states = {"Work": {"Type": "Pass", "End": True}}
    if child:
        states = {"Work": task(Resource="arn:aws:states:::states:startExecution.sync:2",
                               Parameters={"StateMachineArn": f"arn:aws:states:us-east-1:123456789012:stateMachine:{child}"},
                               Retry=[{"ErrorEquals": ["States.ALL"]}]),
                  "Failed": {"Type": "Fail"}}
    return {"StartAt": "Work", "States": states}


def test_nested_executions_deeper_than_two_levels():
    machines = {"a": nested("a", "b"), "b": nested("b", "c"), "c": nested("c", "d"), "d": nested("d")}
    problems = lint(machines["a"], machines=machines, name="a")
    assert [(p.rule, p.path) for p in problems] == [("nested-depth", "/States/Work")]
    assert "b → c → d" in problems[0].message
    assert rules(machines["b"], machines=machines, name="b") == []


def test_a_cycle_of_nested_executions():
    machines = {"a": nested("a", "b"), "b": nested("b", "a")}
    assert [p.rule for p in lint(machines["a"], machines=machines, name="a")] == ["nested-depth"]


def test_an_express_machine_that_could_outlive_five_minutes():
    slow = machine(task(TimeoutSeconds=200))
    assert ("express-duration", "") in rules(slow, type="EXPRESS")  # 7 attempts x 200 s
    assert ("express-duration", "") not in rules(slow, type="STANDARD")
    assert ("express-duration", "") not in rules({**slow, "TimeoutSeconds": 300}, type="EXPRESS")
    fast = machine(task(TimeoutSeconds=3, Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]))
    assert rules(fast, type="EXPRESS") == []


def test_the_longest_path_of_a_polling_loop_is_unbounded():
    loop = {"StartAt": "Wait", "States": {
        "Wait": {"Type": "Wait", "Seconds": 10, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": False, "Next": "Wait"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"}}}
    seconds, why = longest_path(loop)
    assert seconds == float("inf") and "Wait → Check → Wait" in why


def test_each_rule_can_be_disabled():
    state = task(Retry=None)
    del state["Retry"], state["Catch"], state["TimeoutSeconds"]
    everything = {p.rule for p in lint(machine(state), type="EXPRESS")}
    assert {"retry-transient", "catch-side-effect", "task-timeout", "express-duration"} <= everything
    assert lint(machine(state), type="EXPRESS", disable=list(RULES)) == []
    with pytest.raises(ValueError, match="unknown lint rule"):
        lint(machine(state), disable=["no-such-rule"])


# --------------------------------------------------------------------------- the command
def asl(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_asl_lint_json_is_the_validate_shape_with_rule_severity_and_line(tmp_path):
    state = task()
    del state["TimeoutSeconds"]
    path = tmp_path / "charge.asl.json"
    path.write_text(json.dumps(machine(state), indent=2))
    done = asl("lint", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    [report] = json.loads(done.stdout)
    assert report["file"] == str(path) and report["valid"] is False
    [problem] = report["errors"]
    assert problem["rule"] == "task-timeout" and problem["severity"] == "warning"
    assert problem["path"] == "/States/Charge"
    assert path.read_text().splitlines()[problem["line"] - 1].strip().startswith('"Charge"')


def test_asl_lint_strict_fails_on_a_warning_and_disable_silences_it(tmp_path):
    state = task()
    del state["TimeoutSeconds"]
    path = tmp_path / "charge.asl.json"
    path.write_text(json.dumps(machine(state)))
    assert asl("lint", str(path), "--strict").returncode == 1
    done = asl("lint", str(path), "--strict", "--disable", "task-timeout")
    assert done.returncode == 0 and "no problems" in done.stdout
    assert asl("lint", str(path), "--disable", "nope").returncode == 2


def test_asl_lint_text_names_file_line_and_rule(tmp_path):
    state = task()
    del state["TimeoutSeconds"]
    path = tmp_path / "charge.asl.json"
    path.write_text(json.dumps(machine(state), indent=2))
    done = asl("lint", str(path))
    assert f"{path}:4: warning [task-timeout] /States/Charge:" in done.stdout


def test_asl_lint_reports_an_invalid_definition_as_errors(tmp_path):
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": True}}}))
    done = asl("lint", str(path), "--format", "json")
    assert done.returncode == 1
    assert {p["rule"] for p in json.loads(done.stdout)[0]["errors"]} == {"valid"}
    assert asl("lint", str(tmp_path / "missing.json")).returncode == 2


def test_asl_lint_follows_nested_machines_among_its_files(tmp_path):
    for name, child in (("a", "b"), ("b", "c"), ("c", "d"), ("d", None)):
        (tmp_path / f"{name}.asl.json").write_text(json.dumps(nested(name, child)))
    files = [str(tmp_path / f"{n}.asl.json") for n in "abcd"]
    reports = json.loads(asl("lint", *files, "--format", "json").stdout)
    assert [[p["rule"] for p in r["errors"]] for r in reports] == [["nested-depth"], [], [], []]


# --------------------------------------------------------------------------- HTTP Tasks, error names
HTTP = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Parameters": {"ApiEndpoint": "https://api.example.com/v1/orders", "Method": "GET",
                       "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/A/1"}},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]}


def test_an_http_task_without_timeout_is_bounded_by_its_60_seconds():
    state = {**HTTP, "Retry": [{"ErrorEquals": ["States.Http.StatusCode.503"]}]}
    assert rules(machine(state)) == []


def test_an_http_task_timeout_above_60_seconds_never_applies():
    state = {**HTTP, "TimeoutSeconds": 300, "Retry": [{"ErrorEquals": ["States.Http.StatusCode.429"]}]}
    problems = lint(machine(state))
    assert [(p.rule, p.path) for p in problems] == [("task-timeout", "/States/Charge/TimeoutSeconds")]
    assert "60 s" in problems[0].message


def test_an_http_task_that_retries_no_transient_status():
    state = {**HTTP, "Retry": [{"ErrorEquals": ["States.Http.StatusCode.404"]}]}
    problems = lint(machine(state))
    assert [(p.rule, p.path) for p in problems] == [("retry-transient", "/States/Charge")]
    assert "States.Http.StatusCode.503" in problems[0].message


@pytest.mark.parametrize("name, flagged", [
    ("States.Http.StatusCode.404", False), ("States.Timeout", False), ("States.Http.Socket", False),
    ("States.TimeOut", True), ("States.Http.StatusCode.4xx", True), ("States.QuorumMet", True),
    ("MyApp.Declined", False),
])
def test_unknown_states_error_names_are_a_warning(name, flagged):
    state = task(Catch=[{"ErrorEquals": [name], "Next": "Failed"}, {"ErrorEquals": ["States.ALL"], "Next": "Failed"}])
    found = [p for p in lint(machine(state)) if p.rule == "error-names"]
    assert bool(found) == flagged
    if flagged:
        assert found[0].path == "/States/Charge/Catch/0/ErrorEquals/0" and name in found[0].message


def test_asl_lint_reads_yaml_and_points_at_its_lines(tmp_path):
    path = tmp_path / "call.asl.yaml"
    path.write_text("StartAt: Call\nStates:\n  Call:\n    Type: Task\n"
                    "    Resource: arn:aws:lambda:us-east-1:123456789012:function:f\n    End: true\n")
    [report] = json.loads(asl("lint", str(path), "--format", "json").stdout)
    lines = {p["rule"]: p["line"] for p in report["errors"]}
    assert lines == {"retry-transient": 3, "catch-side-effect": 3, "task-timeout": 3}
