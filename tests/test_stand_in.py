"""A handler named after a state stands in for its service call: HTTP Task, optimized, AWS SDK.

It gets the Task's resolved request and returns the Task's result, inside AWS's Task events,
with Retry/Catch, TimeoutSeconds and the callback pattern as for the real call; nothing is sent.
"""

from __future__ import annotations

from asl_runtime import StateMachine, TaskFailed, sleep

HTTP = "arn:aws:states:::http:invoke"
CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/Partners/5f0e4f3c-1111-4c1e-9b4a-0123456789ab"


def _machine(state: dict):
    return StateMachine.from_json({"StartAt": "Call", "States": {"Call": {"End": True, **state}}})


def _http(url: str, **extra) -> dict:
    return {"Type": "Task", "Resource": HTTP, **extra,
            "Parameters": {"ApiEndpoint": url, "Method": "POST", "RequestBody": {"id.$": "$.id"},
                           "Authentication": {"ConnectionArn": CONNECTION}}}


def _types(result):
    return [e["type"] for e in result.history]


def test_a_state_named_handler_answers_an_http_task_and_nothing_is_sent(api):
    seen = []

    def Call(event, context):
        seen.append((event, context.state_name, context.resource))
        return {"StatusCode": 200, "StatusText": "OK", "Headers": {}, "ResponseBody": {"ok": event["RequestBody"]}}

    result = _machine(_http(api.url("/orders"))).run({"id": 7}, handlers={"Call": Call})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["ResponseBody"] == {"ok": {"id": 7}}
    assert seen == [({"ApiEndpoint": api.url("/orders"), "Method": "POST", "RequestBody": {"id": 7},
                      "Authentication": {"ConnectionArn": CONNECTION}}, "Call", HTTP)]
    assert api.received == []  # no connection needed, no request made
    assert _types(result)[2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    assert result.history[2]["taskScheduledEventDetails"]["resourceType"] == "http"


def test_a_stand_in_raises_the_status_code_error_and_retry_backs_off_in_virtual_time():
    calls = []

    def Call(event, context):
        calls.append(1)
        if len(calls) < 3:
            raise TaskFailed("States.Http.StatusCode.503", "Service Unavailable")
        return {"StatusCode": 200}

    state = _http("https://api.example.com/orders",
                  Retry=[{"ErrorEquals": ["States.Http.StatusCode.503"], "IntervalSeconds": 2, "MaxAttempts": 3}])
    result = _machine(state).run({"id": 1}, handlers={"Call": Call})
    assert result.status == "SUCCEEDED" and len(calls) == 3
    assert [a.error for a in result.visits("Call")[0].attempts][:2] == ["States.Http.StatusCode.503"] * 2
    assert result.duration == 6  # 2 s then 4 s of simulated back-off


def test_any_other_exception_fails_the_task_with_its_class_name_and_catch_sees_it():
    class PartnerDown(Exception):
        pass

    def Call(event, context):
        raise PartnerDown("no route to partner")

    state = _http("https://api.example.com/orders", Catch=[{"ErrorEquals": ["PartnerDown"], "Next": "Fallback"}])
    definition = {"StartAt": "Call", "States": {"Call": {**state, "End": True}, "Fallback": {"Type": "Pass", "End": True}}}
    result = StateMachine.from_json(definition).run({"id": 1}, handlers={"Call": Call})
    assert result.status == "SUCCEEDED" and result.path == ["Call", "Fallback"]
    failed = next(e for e in result.history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert (failed["error"], failed["cause"]) == ("PartnerDown", "no route to partner")


def test_timeout_seconds_holds_for_a_stand_in_that_takes_simulated_time():
    def Call(event, context):
        sleep(30)
        return {}

    result = _machine(_http("https://api.example.com/slow", TimeoutSeconds=5)).run({"id": 1}, handlers={"Call": Call})
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert "TaskTimedOut" in _types(result) and result.duration == 5


def test_an_aws_sdk_task_is_answered_offline_by_its_stand_in():
    def Fetch(event, context):
        return {"Body": f"contents of {event['Key']}", "ContentType": "text/plain"}

    definition = {"StartAt": "Fetch", "States": {"Fetch": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket": "reports", "Key.$": "$.key"}, "End": True}}}
    result = StateMachine.from_json(definition).run({"key": "a.txt"}, handlers={"Fetch": Fetch})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["Body"] == "contents of a.txt"


def test_the_callback_pattern_waits_for_the_token_after_the_stand_in_returns():
    from asl_runtime import send_task_success

    def Notify(event, context):
        assert context.task_token == event["MessageBody"]["token"]
        send_task_success(event["MessageBody"]["token"], '{"approved": true}')
        return {"MessageId": "m-1"}

    definition = {"StartAt": "Notify", "States": {"Notify": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                       "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
    result = StateMachine.from_json(definition).run({}, handlers={"Notify": Notify})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"approved": True}
    assert _types(result)[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]


def test_a_stand_in_returning_something_that_is_not_json_fails_clearly():
    result = _machine(_http("https://api.example.com/orders")).run({"id": 1}, handlers={"Call": lambda e, c: {1, 2}})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "handler standing in for state 'Call'" in result.cause and "not JSON" in result.cause


def test_a_lambda_invoke_task_keeps_lambdas_own_handler_lookup():
    """lambda:invoke finds the function's handler (by function, then state name) as before."""
    definition = {"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "charge", "Payload": {"n": 1}}, "OutputPath": "$.Payload", "End": True}}}
    result = StateMachine.from_json(definition).run({}, handlers={"charge": lambda e, c: {"charged": e["n"]}})
    assert result.output == {"charged": 1}


def test_a_handlers_files_resolve_fallback_does_not_capture_service_tasks(tmp_path):
    """resolve(name) answers for Lambda function names only; an HTTP Task without its own handler runs for real."""
    from asl_runtime.integrations.local_lambda import load_handlers

    handlers_file = tmp_path / "handlers.py"
    handlers_file.write_text("def resolve(name):\n    return lambda event, context: {'resolved': name}\n")
    handlers = load_handlers(str(handlers_file))
    result = _machine(_http("https://api.example.com/orders")).run({"id": 1}, handlers=handlers)
    assert result.status == "FAILED" and result.error == "Events.ConnectionResource.ResourceNotFound"
