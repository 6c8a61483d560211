"""`asl graph`, `asl show`, `asl run --save/--timeline/--graph/--show-io/--state`: the views as a
user gets them, piped (no wrapping, no colour) and through rich's recording console."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from asl_runtime.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "state_machines"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def asl(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def twenty_states() -> dict:
    """A 20-state order machine: a Choice with three rules, Catchers, a Parallel and a Map."""
    states = {
        "Validate": {"Type": "Task", "Resource": LAMBDA + "validate", "Next": "Route",
                     "Catch": [{"ErrorEquals": ["Validation.Error"], "Next": "Rejected"}]},
        "Route": {"Type": "Choice", "Default": "Standard", "Choices": [
            {"Variable": "$.total", "NumericGreaterThan": 1000, "Next": "ManualReview"},
            {"And": [{"Variable": "$.country", "StringEquals": "US"}, {"Variable": "$.express", "BooleanEquals": True}],
             "Next": "Express"},
            {"Variable": "$.coupon", "IsPresent": True, "Next": "ApplyCoupon"}]},
        "ManualReview": {"Type": "Task", "Resource": LAMBDA + "review", "Next": "Standard"},
        "Express": {"Type": "Pass", "Next": "Charge"},
        "ApplyCoupon": {"Type": "Pass", "Next": "Standard"},
        "Standard": {"Type": "Pass", "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "Next": "Fulfil",
                   "Retry": [{"ErrorEquals": ["Card.Busy"], "MaxAttempts": 3}],
                   "Catch": [{"ErrorEquals": ["Card.Declined"], "Next": "Rejected"},
                             {"ErrorEquals": ["States.ALL"], "Next": "Refund"}]},
        "Fulfil": {"Type": "Parallel", "Next": "Lines", "ResultPath": None, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
                   "Branches": [
                       {"StartAt": "Pick", "States": {"Pick": {"Type": "Pass", "Next": "Pack"},
                                                      "Pack": {"Type": "Pass", "End": True}}},
                       {"StartAt": "Invoice", "States": {"Invoice": {"Type": "Pass", "End": True}}}]},
        "Lines": {"Type": "Map", "ItemsPath": "$.lines", "Next": "Notify", "ItemProcessor": {
            "StartAt": "Reserve", "States": {"Reserve": {"Type": "Pass", "Next": "Label"},
                                             "Label": {"Type": "Pass", "End": True}}}},
        "Notify": {"Type": "Pass", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Refund": {"Type": "Pass", "Next": "Failed"},
        "Rejected": {"Type": "Fail", "Error": "Order.Rejected"},
        "Failed": {"Type": "Fail", "Error": "Order.Failed"},
    }
    definition = {"StartAt": "Validate", "States": states}
    count = sum(1 for _ in _all_states(definition))
    assert count == 20
    return definition


def _all_states(definition):
    for name, state in definition["States"].items():
        yield name
        for branch in state.get("Branches", []):
            yield from _all_states(branch)
        if "ItemProcessor" in state:
            yield from _all_states(state["ItemProcessor"])


@pytest.fixture
def files(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")
        return str(path)
    return write


def test_graph_of_a_twenty_state_machine_fits_80_columns(files):
    result = asl("graph", files("order.json", twenty_states()), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = result.stdout
    for name in _all_states(twenty_states()):
        assert name in text
    assert "├ ◆ $.total > 1000 ─▶ ManualReview" in text
    assert '├ ◆ ($.country == "US" and $.express == true) ─▶ Express' in text
    assert "├ ◆ $.coupon present ─▶ ApplyCoupon" in text
    assert "╎ ✗ Catch [Card.Declined] ╌▶ Rejected" in text and "╎ ✗ Catch [States.ALL] ╌▶ Refund" in text
    assert "branch 1" in text and "ItemProcessor (each item)" in text
    assert "↻ Retry Card.Busy" in text
    assert not re.search(r"\x1b\[", text)


def test_graph_as_mermaid_and_dot(files):
    path = files("order.json", twenty_states())
    mermaid = asl("graph", path, "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TD\n")
    assert 's_Route -->|"$.total > 1000"| s_ManualReview' in mermaid
    assert 's_Charge -.->|"catch Card.Declined"| s_Rejected' in mermaid
    assert not re.search(r"\bend\b(?!$)", mermaid.replace("  end\n", "\n"))  # `end` only closes subgraphs
    assert 'subgraph s_Fulfil["Parallel: Fulfil"]' in mermaid and 'subgraph b_Fulfil_1_["branch 1"]' in mermaid
    dot = asl("graph", path, "--format", "dot").stdout
    assert dot.startswith("digraph StateMachine {") and dot.rstrip().endswith("}")
    assert 's_Charge -> s_Refund [style=dashed, color=red, label="catch States.ALL"];' in dot
    assert "subgraph cluster_Lines_0_ {" in dot


def test_graph_of_an_invalid_definition_is_a_usage_error(files):
    result = asl("graph", files("bad.json", {"StartAt": "Nope", "States": {"A": {"Type": "Pass", "End": True}}}))
    assert result.exit_code == 2 and "Nope" in result.output
    assert asl("graph", files("x.json", "{not json")).exit_code == 2


def test_run_save_then_show_renders_the_same_tree(files, tmp_path):
    saved = tmp_path / "run.json"
    example = EXAMPLES / "flaky_api_retry"
    run = asl("run", example / "definition.asl.json", "--input-file", example / "input.json",
              "--handlers", example / "handlers.py", "--save", saved)
    doc = json.loads(saved.read_text())
    assert set(doc) >= {"events", "execution", "definition"} and doc["execution"]["status"] in ("SUCCEEDED", "FAILED")
    shown = asl("show", saved)
    assert shown.exit_code == 0, shown.output
    tree = lambda text: [line for line in text.splitlines() if line[:1] in "├└│"]  # noqa: E731
    assert tree(run.stdout) and tree(shown.stdout) == tree(run.stdout)


def test_show_reads_what_the_aws_cli_prints(files):
    """get-execution-history's JSON ({"events": [...]}) and describe-execution's, as the CLI prints them."""
    history = {"events": [
        {"timestamp": "2024-03-06T10:29:14.123000+01:00", "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
         "executionStartedEventDetails": {"input": "{\"orderId\":\"1\"}", "inputDetails": {"truncated": False},
                                          "roleArn": "arn:aws:iam::111111111111:role/R"}},
        {"timestamp": "2024-03-06T10:29:14.150000+01:00", "type": "TaskStateEntered", "id": 2, "previousEventId": 0,
         "stateEnteredEventDetails": {"name": "Charge", "input": "{\"orderId\":\"1\"}",
                                      "inputDetails": {"truncated": False}}},
        {"timestamp": "2024-03-06T10:29:14.160000+01:00", "type": "TaskScheduled", "id": 3, "previousEventId": 2,
         "taskScheduledEventDetails": {"resourceType": "lambda", "resource": "invoke", "region": "us-east-1",
                                       "parameters": "{\"FunctionName\":\"charge\"}"}},
        {"timestamp": "2024-03-06T10:29:14.170000+01:00", "type": "TaskStarted", "id": 4, "previousEventId": 3,
         "taskStartedEventDetails": {"resourceType": "lambda", "resource": "invoke"}},
        {"timestamp": "2024-03-06T10:29:15.170000+01:00", "type": "TaskFailed", "id": 5, "previousEventId": 4,
         "taskFailedEventDetails": {"resourceType": "lambda", "resource": "invoke", "error": "Card.Busy",
                                    "cause": "try later"}},
        {"timestamp": "2024-03-06T10:29:17.170000+01:00", "type": "TaskScheduled", "id": 6, "previousEventId": 5,
         "taskScheduledEventDetails": {"resourceType": "lambda", "resource": "invoke", "region": "us-east-1",
                                       "parameters": "{\"FunctionName\":\"charge\"}"}},
        {"timestamp": "2024-03-06T10:29:17.180000+01:00", "type": "TaskStarted", "id": 7, "previousEventId": 6,
         "taskStartedEventDetails": {"resourceType": "lambda", "resource": "invoke"}},
        {"timestamp": "2024-03-06T10:29:17.500000+01:00", "type": "TaskSucceeded", "id": 8, "previousEventId": 7,
         "taskSucceededEventDetails": {"resourceType": "lambda", "resource": "invoke", "output": "{\"Payload\":1}"}},
        {"timestamp": "2024-03-06T10:29:17.510000+01:00", "type": "TaskStateExited", "id": 9, "previousEventId": 8,
         "stateExitedEventDetails": {"name": "Charge", "output": "{\"Payload\":1}"}},
        {"timestamp": "2024-03-06T10:29:17.520000+01:00", "type": "ExecutionSucceeded", "id": 10, "previousEventId": 9,
         "executionSucceededEventDetails": {"output": "{\"Payload\":1}"}}]}
    describe = {"executionArn": "arn:aws:states:us-east-1:111111111111:execution:Orders:order-1",
                "stateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:Orders",
                "name": "order-1", "status": "SUCCEEDED", "startDate": "2024-03-06T10:29:14.123000+01:00",
                "stopDate": "2024-03-06T10:29:17.520000+01:00", "input": "{\"orderId\":\"1\"}"}
    result = asl("show", files("h.json", history), "--describe", files("d.json", describe), "--timeline")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.splitlines()[0] == "arn:aws:states:us-east-1:111111111111:execution:Orders:order-1"
    assert "Execution SUCCEEDED  3.397s  1 state transition" in text
    assert "✓ Charge  Task  3.360s  2 attempts" in text
    assert "attempt 1  ✗ 1.010s  Card.Busy: try later  retry after 2.000s" in text
    assert "attempt 2  ✓ 0.330s" in text
    assert '"Payload": 1' in text and "█ critical path" in text


@pytest.mark.parametrize("content, message", [
    ("{nope", "is not JSON"), ({"executions": []}, "holds no execution history"),
    ({"events": [{"id": 1}]}, "events[0] is not a history event")])
def test_show_refuses_what_is_not_an_execution_history(files, content, message):
    result = asl("show", files("h.json", content))
    assert result.exit_code == 2 and message in result.output


def test_show_graph_needs_a_definition(files):
    result = asl("show", files("h.json", {"events": []}), "--graph")
    assert result.exit_code == 2 and "--graph DEFINITION" in result.output


def test_piped_output_never_wraps_arns_causes_or_json(files):
    long_cause = "x" * 300
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"k": "v" * 200}, "Next": "F"},
                                             "F": {"Type": "Fail", "Error": "Broken", "Cause": long_cause}}}
    result = asl("run", files("m.json", definition), "--name", "n" * 80, "--show-io")
    lines = result.stdout.splitlines()
    assert any(line.endswith("execution:StateMachine:" + "n" * 80) for line in lines)
    assert "Cause: " + long_cause in lines
    assert any(('"k":"' + "v" * 200 + '"') in line for line in lines)


def test_no_color_and_the_no_color_variable():
    from asl_runtime.views.console import make_console, wants_color

    assert wants_color() is True or "NO_COLOR" in __import__("os").environ
    assert wants_color(no_color=True) is False
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    console = make_console(no_color=True, file=Tty())
    console.print("[red]x[/red]")
    assert "\x1b[31m" not in console.file.getvalue()


def test_run_timeline_graph_and_state(files):
    definition = twenty_states()
    handlers = files("h.py", "def validate(e, c):\n    return e\n\ndef charge(e, c):\n    return e\n"
                             "def review(e, c):\n    return e\n")
    result = asl("run", files("order.json", definition), "--handlers", handlers,
                 "--input", json.dumps({"total": 5, "country": "FR", "express": False, "lines": [1, 2]}), "--timeline", "--graph", "--state", "Label")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "✓ Wait  Wait  1m00.000s" in text
    assert "Lines[1]/Label  visit 2 of 2" in text
    assert "Label  ✓ visited ×2" in text and "Rejected" in text
    assert "█ critical path" in text


def test_show_format_json_is_the_model_for_tools(tmp_path):
    saved = tmp_path / "run.json"
    example = EXAMPLES / "report_pipeline"
    asl("run", example / "definition.asl.json", "--input-file", example / "input.json",
        "--handlers", example / "handlers.py", "--save", saved)
    out = json.loads(asl("show", saved, "--format", "json").stdout)
    assert out["status"] == "SUCCEEDED" and out["transitions"] == 9
    extract_all = out["states"][0]
    assert extract_all["name"] == "ExtractAll" and [c["index"] for c in extract_all["children"]] == [0, 1, 2, 3]
    retried = extract_all["children"][1]["states"][0]
    assert [a["error"] for a in retried["attempts"]] == ["SourceBusy", "SourceBusy", None]
    assert [a["backoff_seconds"] for a in retried["attempts"]] == [2.0, 4.0, None]
    caught = extract_all["children"][2]["states"][0]
    assert caught["status"] == "CAUGHT" and caught["caught"]["next"] == "MarkSkipped"
