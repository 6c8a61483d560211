"""`asl serve` as a command, driven by the AWS CLI and boto3, with handlers and MockConfigFile cases."""

import json
import shutil
from pathlib import Path

import pytest

from server_support import ROLE, aws_cli, client, serve_process, wait_done

SAGA = Path(__file__).resolve().parents[1] / "state_machines" / "order_saga"
HELLO = Path(__file__).resolve().parents[1] / "state_machines" / "hello_world"
needs_cli = pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed (test extra)")


@needs_cli
def test_the_aws_cli_runs_a_mocked_test_case_against_asl_serve():
    with serve_process("--handlers", str(SAGA / "handlers.py"), "--mock-config", str(SAGA / "mocks.json")) \
            as (_, url):
        created = aws_cli(url, "create-state-machine", "--name", "OrderSaga", "--role-arn", ROLE,
                          "--definition", (SAGA / "definition.asl.json").read_text())
        arn = created["stateMachineArn"]
        started = aws_cli(url, "start-execution", "--state-machine-arn", arn + "#LogisticsDown",
                          "--input", (SAGA / "input.json").read_text())
        assert started["executionArn"].startswith(arn.replace(":stateMachine:", ":execution:"))
        described = wait_done(client(url), started["executionArn"])
        assert (described["status"], described["error"]) == ("FAILED", "SQS.QueueDoesNotExistException")
        history = aws_cli(url, "get-execution-history", "--execution-arn", started["executionArn"])
        entered = [e["stateEnteredEventDetails"]["name"] for e in history["events"] if "stateEnteredEventDetails" in e]
        assert "HandToLogistics" in entered and "RefundPayment" in entered


def test_asl_serve_runs_local_handlers_and_reads_sfn_mock_config_from_the_environment():
    with serve_process("--handlers", str(HELLO / "handlers.py"), env={"SFN_MOCK_CONFIG": str(SAGA / "mocks.json")}) \
            as (_, url):
        sfn = client(url)
        arn = sfn.create_state_machine(name="Hello", roleArn=ROLE,
                                       definition=(HELLO / "definition.asl.json").read_text())["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input=(HELLO / "input.json").read_text())["executionArn"]
        assert json.loads(wait_done(sfn, execution)["output"]) == {"greeting": "Hello, Ada!!!"}
        saga = sfn.create_state_machine(name="OrderSaga", roleArn=ROLE,
                                        definition=(SAGA / "definition.asl.json").read_text())["stateMachineArn"]
        unknown = pytest.raises(Exception, sfn.start_execution, stateMachineArn=saga + "#NoSuchCase")
        assert unknown.value.response["Error"]["Code"] == "ValidationException"


def test_binding_beyond_the_loopback_address_warns():
    with serve_process("--host", "127.0.0.2") as (process, url):
        assert client(url).list_state_machines()["stateMachines"] == []
        process.terminate()
        process.wait(10)
        assert "warning: listening on 127.0.0.2" in process.stderr.read()


def test_a_port_in_use_is_a_usage_error():
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "serve", "--port", str(port)],
                                   capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in completed.stderr


def _moto_server():
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([shutil.which("moto_server"), "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("moto_server did not start")


def _moto_server_installed() -> bool:
    import importlib.util
    return shutil.which("moto_server") is not None and importlib.util.find_spec("flask") is not None


@pytest.mark.skipif(not _moto_server_installed(), reason="moto's server (moto[server], a test extra) is not installed")
@pytest.mark.parametrize("how", ["SQS_ENDPOINT", "--aws-endpoint-url"])
def test_tasks_reach_the_configured_endpoint(how):
    import boto3

    moto, moto_url = _moto_server()
    try:
        sqs = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="t",
                           aws_secret_access_key="t")
        queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
        args, env = (("--aws-endpoint-url", moto_url), {}) if how.startswith("--") else ((), {how: moto_url})
        with serve_process(*args, env=env) as (_, url):
            sfn = client(url)
            arn = sfn.create_state_machine(name="Send", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Send", "States": {"Send": {
                    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": queue, "MessageBody.$": "$.body"}, "End": True}}}))["stateMachineArn"]
            execution = sfn.start_execution(stateMachineArn=arn, input='{"body": "hello"}')["executionArn"]
            described = wait_done(sfn, execution)
            assert described["status"] == "SUCCEEDED", described
            assert "MessageId" in json.loads(described["output"])
        messages = sqs.receive_message(QueueUrl=queue)["Messages"]
        assert [m["Body"] for m in messages] == ["hello"]
    finally:
        moto.terminate()
        moto.wait(10)


def test_wait_time_scale_from_the_environment_shortens_waits_and_back_offs():
    """WAIT_TIME_SCALE=0, as Step Functions Local reads it: an hour's Wait and a 10-minute retry
    back-off take no real time, while the history keeps real timestamps."""
    definition = {"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Flaky"},
        "Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:missing",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 600, "MaxAttempts": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "End": True},
        "Done": {"Type": "Succeed"}}}
    with serve_process(env={"WAIT_TIME_SCALE": "0"}) as (_, url):
        sfn = client(url)
        arn = sfn.create_state_machine(name="Naps", roleArn=ROLE, definition=json.dumps(definition))["stateMachineArn"]
        described = wait_done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"], timeout=20)
        assert described["status"] == "SUCCEEDED", described
        events = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
        assert sum(e["type"] == "LambdaFunctionFailed" for e in events) == 2  # retried once, then caught


def test_a_negative_wait_time_scale_is_a_usage_error():
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "serve", "--port", "0",
                                "--wait-time-scale", "-1"], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "--wait-time-scale" in completed.stderr
