"""The `asl` command's contract: one JSON object for tools, exit codes, input sources, environment
variables, clear one-line errors, and the people-facing text view."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asl_runtime.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
HELLO = ROOT / "state_machines" / "hello_world"

GREET = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet",
                  "ResultPath": "$.greeting", "End": True},
    },
}
CONTEXT = {
    "StartAt": "Ctx",
    "States": {"Ctx": {"Type": "Pass", "End": True, "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "role.$": "$$.Execution.RoleArn",
        "machine.$": "$$.StateMachine.Id"}}},
}
FAILING = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}
TIMING_OUT = {"StartAt": "W", "TimeoutSeconds": 1, "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}}
HANDLERS = 'def greet(event, context):\n    return "Hello, " + event["name"]\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ASL_"):
            monkeypatch.delenv(name)


@pytest.fixture
def files(tmp_path):
    """write(name, content) -> path; dicts are written as JSON."""
    def write(name, content):
        path = tmp_path / name
        path.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")
        return str(path)
    return write


def asl(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def run_json(*args, env=None):
    result = asl("run", *args, "--format", "json", env=env)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # exactly one JSON object on stdout
    return result, json.loads(lines[0])


# =========================================================================== asl run: JSON contract
def test_run_json_prints_one_object_with_the_contract_keys(files):
    result, out = run_json(files("m.json", GREET), "--input", '{"name": "Ada"}', "--handlers",
                           files("h.py", HANDLERS))
    assert result.exit_code == 0
    assert list(out) == ["status", "output", "error", "cause", "executionArn"]
    assert out["status"] == "SUCCEEDED"
    assert out["output"] == {"name": "Ada", "greeting": "Hello, Ada"}
    assert (out["error"], out["cause"]) == (None, None)
    assert out["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:")


def test_run_json_with_history(files):
    result, out = run_json(files("m.json", GREET), "--input", '{"name": "Ada"}', "--handlers",
                           files("h.py", HANDLERS), "--history")
    assert set(out) == {"status", "output", "error", "cause", "executionArn", "history"}
    assert [e["type"] for e in out["history"]] == [
        "ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
        "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in out["history"]] == list(range(1, 8))
    assert out["history"][0]["executionStartedEventDetails"]["input"] == '{"name":"Ada"}'


def test_run_failed_execution_exits_1(files):
    result, out = run_json(files("m.json", FAILING))
    assert result.exit_code == 1
    assert out == {"status": "FAILED", "output": None, "error": "Broken", "cause": "on purpose",
                   "executionArn": out["executionArn"]}


def test_run_timed_out_execution_exits_1(files):
    result, out = run_json(files("m.json", TIMING_OUT))
    assert result.exit_code == 1
    assert (out["status"], out["error"]) == ("TIMED_OUT", "States.Timeout")


def test_run_without_input_starts_with_an_empty_object(files):
    _, out = run_json(files("m.json", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    assert out["output"] == {}


@pytest.mark.parametrize("text, value", [("[1, 2]", [1, 2]), ('"s"', "s"), ("3", 3), ("true", True)])
def test_run_input_may_be_any_json_value(files, text, value):
    _, out = run_json(files("m.json", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
                      "--input", text)
    assert out["output"] == value


def test_run_input_file(files):
    result, out = run_json(files("m.json", GREET), "--input-file", files("in.json", {"name": "Lin"}),
                           "--handlers", files("h.py", HANDLERS))
    assert out["output"]["greeting"] == "Hello, Lin"


def test_run_output_keeps_unicode(files):
    _, out = run_json(files("m.json", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
                      "--input", '{"name": "Zoë ✓"}')
    assert out["output"] == {"name": "Zoë ✓"}


# =========================================================================== usage errors: exit 2
def assert_usage_error(result, *fragments):
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("asl: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_input_and_input_file_together(files):
    result = asl("run", files("m.json", GREET), "--input", "{}", "--input-file", files("in.json", {}))
    assert_usage_error(result, "--input", "--input-file")


@pytest.mark.parametrize("text", ["{bad", "{'single': 'quotes'}", "", "[1,", "NaN-ish"])
def test_malformed_input_is_one_clear_line(files, text):
    result = asl("run", files("m.json", GREET), "--input", text)
    assert_usage_error(result, "not valid JSON")
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_input_file(files):
    result = asl("run", files("m.json", GREET), "--input-file", files("in.json", "{oops"))
    assert_usage_error(result, "not valid JSON", "in.json")


def test_unreadable_definition_file(tmp_path):
    assert_usage_error(asl("run", tmp_path / "nowhere.json"), "nowhere.json")


def test_unreadable_input_file(files, tmp_path):
    assert_usage_error(asl("run", files("m.json", GREET), "--input-file", tmp_path / "missing.json"), "missing.json")


def test_malformed_definition(files):
    assert_usage_error(asl("run", files("m.json", '{"StartAt": ')), "not valid JSON")


def test_invalid_definition_lists_json_pointers(files):
    definition = {"StartAt": "Missing", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    result = asl("run", files("m.json", definition))
    assert_usage_error(result, "/StartAt", "/States/A/Next", "not a valid state machine definition")


def test_input_over_256_kib(files):
    big = json.dumps({"pad": "x" * 262_144})
    assert_usage_error(asl("run", files("m.json", GREET), "--input-file", files("big.json", big)), "262,144")


def test_missing_handlers_file(files, tmp_path):
    assert_usage_error(asl("run", files("m.json", GREET), "--handlers", tmp_path / "gone.py"), "gone.py")


def test_handlers_file_that_fails_to_import(files):
    broken = files("broken.py", "import this_module_does_not_exist\n")
    assert_usage_error(asl("run", files("m.json", GREET), "--handlers", broken), "broken.py")


def test_files_that_are_not_utf8_text_are_usage_errors(files, tmp_path):
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    definition = files("m.json", GREET)
    assert_usage_error(asl("run", binary), "binary.json", "not valid JSON")
    assert_usage_error(asl("run", definition, "--input-file", binary), "binary.json", "not valid JSON")
    assert_usage_error(asl("run", definition, "--mock-config", binary, "--test-case", "T"), "binary.json")
    assert_usage_error(asl("run", definition, "--handlers", binary), "binary.json")
    result = asl("validate", "--format", "json", binary)
    assert result.exit_code == 2
    assert json.loads(result.stdout)[0]["valid"] is False


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[-Infinity]"])
def test_input_with_nan_or_infinity_is_not_json(files, text):
    assert_usage_error(asl("run", files("m.json", GREET), "--input", text), "not valid JSON")


def test_handlers_file_without_a_py_suffix(files):
    result, out = run_json(files("m.json", GREET), "--input", '{"name": "Ada"}',
                           "--handlers", files("handlers", HANDLERS))
    assert out["status"] == "SUCCEEDED", out
    assert out["output"]["greeting"] == "Hello, Ada"


def test_unknown_option():
    assert asl("run", "--no-such-flag").exit_code == 2


def test_a_missing_handler_is_an_execution_failure_with_a_hint(files):
    result, out = run_json(files("m.json", GREET), "--input", '{"name": "Ada"}')
    assert result.exit_code == 1
    assert out["error"] == "Lambda.ResourceNotFoundException"
    assert "function:greet" in out["cause"]
    assert "--handlers" in result.stderr


# =========================================================================== context from flags and env
def test_context_flags(files):
    _, out = run_json(files("m.json", CONTEXT), "--name", "run-1", "--state-machine-name", "Orders",
                      "--account-id", "111122223333", "--region", "eu-west-1",
                      "--role-arn", "arn:aws:iam::111122223333:role/Runner")
    assert out["output"] == {
        "id": "arn:aws:states:eu-west-1:111122223333:execution:Orders:run-1", "name": "run-1",
        "role": "arn:aws:iam::111122223333:role/Runner",
        "machine": "arn:aws:states:eu-west-1:111122223333:stateMachine:Orders"}
    assert out["executionArn"] == out["output"]["id"]


ENV = {"ASL_EXECUTION_NAME": "env-run", "ASL_STATE_MACHINE_NAME": "EnvMachine", "ASL_ACCOUNT_ID": "444455556666",
       "ASL_REGION": "us-west-2", "ASL_ROLE_ARN": "arn:aws:iam::444455556666:role/EnvRole"}


def test_context_from_environment_variables(files):
    _, out = run_json(files("m.json", CONTEXT), env=ENV)
    assert out["output"] == {
        "id": "arn:aws:states:us-west-2:444455556666:execution:EnvMachine:env-run", "name": "env-run",
        "role": "arn:aws:iam::444455556666:role/EnvRole",
        "machine": "arn:aws:states:us-west-2:444455556666:stateMachine:EnvMachine"}


def test_flags_win_over_environment_variables(files):
    _, out = run_json(files("m.json", CONTEXT), "--name", "flag-run", "--region", "ap-south-1", env=ENV)
    assert out["output"]["id"] == "arn:aws:states:ap-south-1:444455556666:execution:EnvMachine:flag-run"


def test_express_type_from_flag_and_environment(files):
    _, out = run_json(files("m.json", CONTEXT), "--type", "EXPRESS", "--name", "e1",
                      env={"ASL_EXPRESS_EXECUTION_ID": "xid-1"})
    assert out["executionArn"] == "arn:aws:states:us-east-1:123456789012:express:StateMachine:e1:xid-1"
    _, out = run_json(files("m.json", CONTEXT), "--name", "e2",
                      env={"ASL_STATE_MACHINE_TYPE": "EXPRESS", "ASL_EXPRESS_EXECUTION_ID": "xid-2"})
    assert out["executionArn"].endswith(":express:StateMachine:e2:xid-2")
    _, out = run_json(files("m.json", CONTEXT), "--type", "STANDARD", "--name", "s",
                      env={"ASL_STATE_MACHINE_TYPE": "EXPRESS"})
    assert ":execution:StateMachine:s" in out["executionArn"]


def test_handlers_from_environment_and_flag_wins(files):
    env_handlers = files("env_h.py", 'def greet(event, context):\n    return "from env"\n')
    flag_handlers = files("flag_h.py", 'def greet(event, context):\n    return "from flag"\n')
    definition = files("m.json", GREET)
    _, out = run_json(definition, "--input", "{}", env={"ASL_HANDLERS": env_handlers})
    assert out["output"]["greeting"] == "from env"
    _, out = run_json(definition, "--input", "{}", "--handlers", flag_handlers, env={"ASL_HANDLERS": env_handlers})
    assert out["output"]["greeting"] == "from flag"


def test_several_handlers_files(files):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:first",
              "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:second",
              "ResultPath": "$.b", "End": True}}}
    _, out = run_json(files("m.json", definition), "--input", "{}",
                      "--handlers", files("one.py", "def first(e, c):\n    return 1\n"),
                      "--handlers", files("two.py", "def second(e, c):\n    return 2\n"))
    assert out["output"] == {"a": 1, "b": 2}


def test_virtual_clock_is_the_default(files):
    definition = files("m.json", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}})
    import time
    started = time.monotonic()
    _, out = run_json(definition)
    assert out["status"] == "SUCCEEDED"
    assert time.monotonic() - started < 30


# =========================================================================== text format
def test_text_format_renders_the_execution_tree(files):
    definition = {"StartAt": "First", "States": {"First": {"Type": "Pass", "Next": "Second"},
                                                 "Second": {"Type": "Wait", "Seconds": 2, "End": True}}}
    result = asl("run", files("m.json", definition), "--input", '{"k": "v"}')
    assert result.exit_code == 0
    text = result.stdout
    assert "SUCCEEDED" in text
    assert "├── ✓ First  Pass" in text and "└── ✓ Second  Wait  2.000s" in text
    for cell in ("First", "Second", "Pass", "Wait"):
        assert cell in text
    assert '"k"' in text and '"v"' in text


def test_text_format_shows_error_and_cause(files):
    result = asl("run", files("m.json", FAILING))
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "Broken" in result.stdout and "on purpose" in result.stdout


def test_text_format_with_history(files):
    result = asl("run", files("m.json", FAILING), "--history")
    assert "ExecutionStarted" in result.stdout and "FailStateEntered" in result.stdout


# =========================================================================== asl validate
VALID = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
INVALID = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Nowhere"}}}


def test_validate_valid_files_exit_0(files):
    result = asl("validate", files("a.json", VALID), files("b.json", VALID))
    assert result.exit_code == 0
    assert "a.json" in result.stdout and "b.json" in result.stdout and "valid" in result.stdout


def test_validate_text_names_the_problem_location(files):
    result = asl("validate", files("a.json", VALID), files("bad.json", INVALID))
    assert result.exit_code == 1
    assert "/States/P/Next" in result.stdout
    assert "Nowhere" in result.stdout


def test_validate_json_format(files):
    good, bad = files("a.json", VALID), files("bad.json", INVALID)
    result = asl("validate", good, bad, "--format", "json")
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert reports[0] == {"file": good, "valid": True, "errors": []}
    assert reports[1]["file"] == bad and reports[1]["valid"] is False
    assert reports[1]["errors"] and all(set(e) == {"path", "message"} for e in reports[1]["errors"])
    assert "/States/P/Next" in [e["path"] for e in reports[1]["errors"]]


def test_validate_json_all_valid(files):
    result = asl("validate", "--format", "json", files("a.json", VALID))
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["valid"] is True


def test_validate_malformed_json_is_reported_not_raised(files):
    # DESIGN.md: malformed JSON and unreadable files exit 2; the report still lists the file.
    result = asl("validate", "--format", "json", files("bad.json", "{not json"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert json.loads(result.stdout)[0]["valid"] is False


def test_validate_unreadable_file_exits_2(files, tmp_path):
    result = asl("validate", "--format", "json", files("a.json", VALID), str(tmp_path / "missing.json"))
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert reports[0]["valid"] is True and reports[1]["valid"] is False


def test_validate_needs_a_file():
    assert asl("validate").exit_code == 2


# =========================================================================== the installed command
@pytest.mark.skipif(shutil.which("asl") is None, reason="the asl console script is not installed")
def test_the_installed_asl_command_runs_the_hello_world_example():
    completed = subprocess.run(
        ["asl", "run", str(HELLO / "definition.asl.json"), "--input-file", str(HELLO / "input.json"),
         "--handlers", str(HELLO / "handlers.py"), "--format", "json"],
        capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                          if not k.startswith("ASL_")})
    assert completed.returncode == 0, completed.stderr
    out = json.loads(completed.stdout)
    assert out["status"] == "SUCCEEDED"
    assert out["output"] == {"greeting": "Hello, Ada!!!"}


def test_python_m_runs_the_cli():
    completed = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "validate", "--format", "json",
                                str(HELLO / "definition.asl.json")], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)[0]["valid"] is True
