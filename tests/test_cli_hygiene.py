"""What `asl run` and `asl validate` print is what people and tools can rely on.

One JSON object on stdout (a handler's print() goes to stderr), unwrapped copyable text when piped,
no "simulated" under the real clock, AWS's name and region rules (StartExecution would refuse
the others), and the state machine type's own creation rules (`--type EXPRESS`).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TASK = {"StartAt": "T", "States": {"T": {
    "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:chatty", "End": True}}}
CHATTY = ("print('loading the handlers')\n"
          "def chatty(event, context):\n"
          "    print('hello from the handler')\n"
          "    return {'ok': True}\n")
CALLBACK = {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}


def asl(*args, cwd=None):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=cwd or ROOT)


@pytest.fixture
def files(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path
    return write


def test_json_stdout_is_exactly_one_object_while_handler_prints_go_to_stderr(files):
    result = asl("run", files("m.json", TASK), "--handlers", files("h.py", CHATTY), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == {"ok": True}  # parses whole: nothing else on stdout
    assert "hello from the handler" in result.stderr and "loading the handlers" in result.stderr


def test_text_output_keeps_what_handlers_print(files):
    result = asl("run", files("m.json", TASK), "--handlers", files("h.py", CHATTY))
    assert result.returncode == 0 and "hello from the handler" in result.stdout


def test_a_real_clock_run_does_not_call_its_duration_simulated(files):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    real = asl("run", files("m.json", definition), "--clock", "real")
    assert real.returncode == 0 and "simulated" not in real.stdout
    assert "simulated" in asl("run", files("m.json", definition)).stdout


def test_piped_text_keeps_the_execution_arn_and_cause_on_one_line(files):
    cause = "the downstream payment service answered 503 " * 4
    definition = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": cause}}}
    result = asl("run", files("m.json", definition), "--name", "n" * 80,
                 "--state-machine-name", "OrderProcessingStateMachine")
    lines = result.stdout.splitlines()
    assert "arn:aws:states:us-east-1:123456789012:execution:OrderProcessingStateMachine:" + "n" * 80 in lines
    assert "Cause: " + cause.rstrip() in [line.rstrip() for line in lines]


@pytest.mark.parametrize("flag, value, words", [
    ("--name", "", "must not be empty"),
    ("--name", "n" * 81, "81 characters"),
    ("--name", "my run", "whitespace"),
    ("--name", "order#1", "'#'"),
    ("--name", "a/b", "'/'"),
    ("--name", "tab\there", "whitespace"),
    ("--name", "bell\x07", "U+0007"),
    ("--state-machine-name", "Orders:v2", "':'"),
    ("--region", "us-east", "not an AWS region"),
    ("--region", "US-EAST-1", "not an AWS region"),
    ("--region", "moon", "not an AWS region"),
])
def test_names_and_regions_aws_refuses_are_usage_errors(files, flag, value, words):
    result = asl("run", files("m.json", TASK), flag, value)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"asl: error: {flag}: ") and words in result.stderr


@pytest.mark.parametrize("flag, value", [
    ("--name", "n" * 80), ("--name", "order-1_2.3"), ("--name", "zamówienie"),
    ("--region", "eu-central-2"), ("--region", "us-gov-west-1"), ("--region", "ap-southeast-7"),
])
def test_names_and_regions_aws_accepts_run(files, flag, value):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    result = asl("run", files("m.json", definition), flag, value, "--format", "json")
    assert result.returncode == 0, result.stderr


def test_validate_type_express_refuses_callbacks_with_their_location(files):
    path = files("callback.asl.json", CALLBACK)
    assert asl("validate", path).returncode == 0
    express = asl("validate", path, "--type", "EXPRESS", "--format", "json")
    assert express.returncode == 1
    [report] = json.loads(express.stdout)
    assert [e["path"] for e in report["errors"]] == ["/States/Ask/Resource"]
    assert "EXPRESS" in report["errors"][0]["message"]


def test_run_type_express_refuses_to_start_a_callback_machine(files):
    result = asl("run", files("callback.asl.json", CALLBACK), "--type", "EXPRESS", "--format", "json")
    assert result.returncode == 2 and result.stdout == ""
    assert "/States/Ask/Resource" in result.stderr and ".waitForTaskToken" in result.stderr
