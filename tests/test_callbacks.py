"""The callback pattern (.waitForTaskToken) and activities, in virtual and real time."""

import threading

import pytest

import asl_runtime
from asl_runtime import (StateMachine, get_activity_task, send_task_failure, send_task_heartbeat,
                         send_task_success)
from asl_runtime.integrations.callbacks import InvalidOutput, InvalidToken, TaskDoesNotExist, TaskTimedOut


def callback_machine(**task_fields):
    """A Task that hands its token to the 'worker' function and waits for the answer."""
    return StateMachine.from_json({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token", "job.$": "$.job"}},
                 "End": True, **task_fields}}})


def test_a_token_answered_by_the_handler_completes_the_task():
    def worker(event, context):
        send_task_success(event["token"], {"approved": event["job"]})
        return "queued"  # what the function returns is not the Task's result

    result = callback_machine().run({"job": 7}, handlers={"worker": worker})
    assert result.status == "SUCCEEDED" and result.output == {"approved": 7}
    types = [e["type"] for e in result.history]
    assert types[2:7] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited"]
    submitted = next(e for e in result.history if e["type"] == "TaskSubmitted")["taskSubmittedEventDetails"]
    assert submitted["resource"] == "invoke.waitForTaskToken" and submitted["resourceType"] == "lambda"


def test_output_may_be_json_text():
    def worker(event, context):
        send_task_success(event["token"], '{"n": 1}')

    assert callback_machine().run({"job": 1}, handlers={"worker": worker}).output == {"n": 1}


def test_failure_sent_for_the_token_fails_the_task_and_can_be_caught():
    def worker(event, context):
        send_task_failure(event["token"], "Rejected", "the reviewer said no")

    failed = callback_machine().run({"job": 1}, handlers={"worker": worker})
    assert (failed.status, failed.error, failed.cause) == ("FAILED", "Rejected", "the reviewer said no")
    caught = StateMachine.from_json({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}},
                 "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True}}}).run({}, handlers={"worker": worker})
    assert caught.output == {"Error": "Rejected", "Cause": "the reviewer said no"}


def test_unanswered_token_skips_ahead_to_the_task_timeout():
    result = callback_machine(TimeoutSeconds=3600).run({"job": 1}, handlers={"worker": lambda e, c: None})
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert result.duration == pytest.approx(3600)
    assert [e["type"] for e in result.history][-2] == "TaskTimedOut"


def test_unanswered_token_skips_ahead_to_the_heartbeat():
    result = callback_machine(TimeoutSeconds=3600, HeartbeatSeconds=60).run(
        {"job": 1}, handlers={"worker": lambda e, c: None})
    assert result.error == "States.HeartbeatTimeout" and result.duration == pytest.approx(60)


def test_heartbeats_keep_a_slow_worker_alive_in_virtual_time():
    def worker(event, context):
        for _ in range(5):
            asl_runtime.sleep(50)  # simulated work, under the 60 s heartbeat each time
            send_task_heartbeat(event["token"])
        send_task_success(event["token"], {"done": True})

    result = callback_machine(HeartbeatSeconds=60, TimeoutSeconds=1000).run({"job": 1}, handlers={"worker": worker})
    assert result.output == {"done": True} and result.duration == pytest.approx(250)


def test_an_answer_after_a_missed_heartbeat_is_too_late():
    def worker(event, context):
        asl_runtime.sleep(90)
        send_task_success(event["token"], {"done": True})

    result = callback_machine(HeartbeatSeconds=60).run({"job": 1}, handlers={"worker": worker})
    assert result.error == "States.HeartbeatTimeout" and result.duration == pytest.approx(60)


def test_an_answer_after_the_task_timeout_is_too_late():
    def worker(event, context):
        asl_runtime.sleep(30)
        send_task_heartbeat(event["token"])
        asl_runtime.sleep(30)
        send_task_success(event["token"], {})

    result = callback_machine(TimeoutSeconds=45, HeartbeatSeconds=40).run({"job": 1}, handlers={"worker": worker})
    assert result.error == "States.Timeout" and result.duration == pytest.approx(45)


def test_heartbeat_timeout_is_retried_like_a_timeout():
    calls = []

    def worker(event, context):
        calls.append(event["token"])
        if len(calls) == 2:
            send_task_success(event["token"], {"attempt": 2})

    result = callback_machine(HeartbeatSeconds=10, Retry=[{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1}]
                              ).run({"job": 1}, handlers={"worker": worker})
    assert result.output == {"attempt": 2}
    assert len(set(calls)) == 2  # each attempt gets its own token


def test_a_closed_token_cannot_be_answered_again():
    tokens = []

    def worker(event, context):
        tokens.append(event["token"])
        send_task_success(event["token"], {})

    callback_machine().run({"job": 1}, handlers={"worker": worker})
    with pytest.raises(TaskTimedOut):
        send_task_success(tokens[0], {})
    with pytest.raises(TaskDoesNotExist):
        send_task_heartbeat("AQB-never-issued")
    with pytest.raises(InvalidToken):
        send_task_failure("", "E")


def test_output_that_is_not_json_is_refused():
    def worker(event, context):
        with pytest.raises(InvalidOutput):
            send_task_success(event["token"], "{not json")
        send_task_success(event["token"], [1])

    assert callback_machine().run({"job": 1}, handlers={"worker": worker}).output == [1]


def test_real_clock_waits_for_another_thread():
    tokens = []
    ready = threading.Event()

    def worker(event, context):
        tokens.append(event["token"])
        ready.set()

    def answer():
        ready.wait(5)
        send_task_heartbeat(tokens[0])
        send_task_success(tokens[0], {"from": "thread"})

    thread = threading.Thread(target=answer)
    thread.start()
    result = callback_machine(TimeoutSeconds=10).run({"job": 1}, handlers={"worker": worker}, clock="real")
    thread.join()
    assert result.output == {"from": "thread"}


def test_real_clock_heartbeat_timeout():
    result = callback_machine(HeartbeatSeconds=1).run({"job": 1}, handlers={"worker": lambda e, c: None},
                                                         clock="real")
    assert result.error == "States.HeartbeatTimeout"


# --------------------------------------------------------------------------- activities
ACTIVITY = "arn:aws:states:us-east-1:123456789012:activity:Approve"


def activity_machine(**fields):
    return StateMachine.from_json({"StartAt": "Approve", "States": {
        "Approve": {"Type": "Task", "Resource": ACTIVITY, "End": True, **fields}}})


def test_activity_answered_by_an_in_process_worker():
    def approve(task_input, context):
        assert context.task_token and context.activity_arn == ACTIVITY
        return {"approved": task_input["amount"] < 100}

    result = activity_machine().run({"amount": 5}, handlers={"Approve": approve})
    assert result.output == {"approved": True}
    assert [e["type"] for e in result.history][2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]


def test_activity_worker_failure():
    def approve(task_input, context):
        raise PermissionError("over the limit")

    result = activity_machine().run({"amount": 500}, handlers={"Approve": approve})
    assert (result.error, result.cause) == ("PermissionError", "over the limit")


def test_activity_nobody_works_on_times_out_in_virtual_time():
    result = activity_machine(TimeoutSeconds=300).run({})
    assert result.error == "States.Timeout" and result.duration == pytest.approx(300)
    assert [e["type"] for e in result.history][-2] == "ActivityTimedOut"


def test_activity_polled_with_get_activity_task_from_another_thread():
    def poll():
        polled = get_activity_task(ACTIVITY, worker_name="w1", timeout=5)
        token, task_input = polled
        send_task_heartbeat(token)
        send_task_success(token, {"seen": task_input})

    thread = threading.Thread(target=poll)
    thread.start()
    result = activity_machine(TimeoutSeconds=10, HeartbeatSeconds=5).run({"amount": 1}, clock="real")
    thread.join()
    assert result.output == {"seen": {"amount": 1}}
    started = next(e for e in result.history if e["type"] == "ActivityStarted")
    assert started["activityStartedEventDetails"] == {"workerName": "w1"}


def test_get_activity_task_returns_none_when_nothing_is_scheduled():
    assert get_activity_task(ACTIVITY + "-idle", timeout=0.01) is None


# --------------------------------------------------------------------------- a token sent through SQS
def queue_callback_machine(url):
    return StateMachine.from_json({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token", "orderId.$": "$.id"}},
                "TimeoutSeconds": 30, "End": True}}})


@pytest.fixture
def sqs_queue():
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        yield sqs, sqs.create_queue(QueueName="approvals")["QueueUrl"]


def test_a_consumer_thread_answers_the_token_it_read_from_sqs(sqs_queue):
    import json
    sqs, url = sqs_queue

    def consumer():
        for _ in range(100):
            messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
            if messages:
                body = json.loads(messages[0]["Body"])
                send_task_success(body["token"], {"approved": body["orderId"]})
                return
            threading.Event().wait(0.02)

    thread = threading.Thread(target=consumer)
    thread.start()
    result = queue_callback_machine(url).run({"id": "o-5"}, clock="real")
    thread.join()
    assert result.output == {"approved": "o-5"}


def test_a_token_left_in_a_queue_times_out_in_virtual_time(sqs_queue):
    import json
    sqs, url = sqs_queue
    result = queue_callback_machine(url).run({"id": "o-6"})
    assert result.error == "States.Timeout" and result.duration == pytest.approx(30)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    token = json.loads(message["Body"])["token"]
    with pytest.raises(TaskTimedOut):  # too late: the Task is closed
        send_task_success(token, {})


def test_the_machine_timeout_comes_before_an_unanswered_token():
    sm = StateMachine.from_json({"StartAt": "Wait", "TimeoutSeconds": 120, "States": {
        "Wait": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}},
                 "TimeoutSeconds": 3600, "End": True}}})
    result = sm.run({}, handlers={"worker": lambda e, c: None})
    assert result.status == "TIMED_OUT" and result.duration == pytest.approx(120)


# --------------------------------------------------------------------------- answered by a child execution
CHILD_ANSWERS_AFTER_10_S = {"StartAt": "Slow", "States": {
    "Slow": {"Type": "Wait", "Seconds": 10, "Next": "Answer"},
    "Answer": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:answer", "End": True}}}


def _answer(event, context):
    asl_runtime.send_task_success(event["token"], {"ok": True})
    return {}


@pytest.mark.parametrize("timeout, status, duration", [(5, "FAILED", 5), (60, "SUCCEEDED", 10)])
def test_a_token_answered_by_a_child_execution_is_answered_at_the_childs_time(timeout, status, duration):
    parent = StateMachine.from_json({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "TimeoutSeconds": timeout, "End": True,
        "Parameters": {"StateMachineArn": "Child", "Input": {"token.$": "$$.Task.Token"}}}}})
    result = parent.run({}, handlers={"answer": _answer}, state_machines={"Child": CHILD_ANSWERS_AFTER_10_S})
    assert (result.status, result.duration) == (status, duration)
    if status == "FAILED":
        assert result.error == "States.Timeout"
    else:
        assert result.output == {"ok": True}
