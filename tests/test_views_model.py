"""The views' execution model: the same tree from our run and from an AWS history, nesting,
retries, Catch targets, and every recorded AWS history of the conformance corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from asl_runtime import StateMachine
from asl_runtime.views.graph_text import graph_text
from asl_runtime.views.model import ExecutionModel, parse_timestamp
from asl_runtime.views.text import render_execution_view
from asl_runtime.views.timeline import critical_path, timeline

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "localstack"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"

NESTED = {
    "StartAt": "Fan",
    "States": {
        "Fan": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Each", "Branches": [
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 5, "End": True}}},
            {"StartAt": "Quick", "States": {"Quick": {"Type": "Pass", "Next": "Quicker"},
                                            "Quicker": {"Type": "Pass", "End": True}}}]},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Charge",
                 "ItemProcessor": {"StartAt": "Item", "States": {
                     "Item": {"Type": "Wait", "SecondsPath": "$", "End": True}}}},
        "Charge": {"Type": "Task", "Resource": LAMBDA + "charge",
                   "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}], "End": True},
        "Refund": {"Type": "Pass", "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "Order.Failed", "Cause": "charge never went through"},
    },
}


class Busy(Exception):
    pass


def charge(event, context):
    raise Busy("card processor busy")


@pytest.fixture(scope="module")
def nested_result():
    return StateMachine.from_json(NESTED).run({"items": [3, 1, 2]}, handlers={"charge": charge})


def render(model, width=100, **options) -> str:
    console = Console(record=True, width=width, color_system=None)
    render_execution_view(console, model, **options)
    return console.export_text()


def test_map_iterations_and_parallel_branches_nest_under_their_state(nested_result):
    model = ExecutionModel.from_history(nested_result.history)
    fan, each = model.root[0], model.root[1]
    assert [c.label for c in fan.ordered_children()] == ["branch 0", "branch 1"]
    assert [v.name for v in fan.children[1].states] == ["Quick", "Quicker"]
    assert [c.index for c in each.ordered_children()] == [0, 1, 2]
    assert [c.states[0].input for c in each.ordered_children()] == [3, 1, 2]
    assert each.children[0].states[0].qualified_name == "Each[0]/Item"
    assert each.children[0].states[0].duration == pytest.approx(3.0, abs=0.01)


def test_each_retry_attempt_keeps_its_error_and_back_off_then_the_catch_target(nested_result):
    charge_visit = ExecutionModel.from_history(nested_result.history).visits("Charge")[0]
    assert [a.error for a in charge_visit.attempts] == ["Busy", "Busy", "Busy"]
    assert [a.backoff_seconds for a in charge_visit.attempts] == pytest.approx([1.0, 2.0, None], abs=0.01)
    assert charge_visit.status == "CAUGHT"
    assert charge_visit.caught.error == "Busy" and charge_visit.caught.next == "Refund"


def test_the_fail_state_fails_with_the_executions_error(nested_result):
    model = ExecutionModel.from_history(nested_result.history)
    assert model.status == "FAILED" and model.error == "Order.Failed"
    failed = model.visits("Failed")[0]
    assert failed.status == "FAILED" and failed.error == "Order.Failed"
    assert model.transitions == 1 + 3 + 1 + 3 + 1 + 1 + 1


def test_tree_shows_outcomes_durations_indices_attempts_and_catch(nested_result):
    text = render(ExecutionModel.from_history(nested_result.history))
    assert "✓ Fan  Parallel  5.000s  2 branches" in text
    assert "✓ branch 1" in text and "✓ Quicker  Pass" in text
    assert "✓ Each  Map  3.000s  3 items: 3 ✓" in text
    assert "✓ [2]  2.000s" in text
    assert "⚠ Charge  Task  3.000s  3 attempts  caught Busy → Refund" in text
    assert "attempt 1  ✗ 0.000s  Busy: card processor busy  retry after 1.000s" in text
    assert "attempt 3  ✗ 0.000s  Busy: card processor busy  Catch → Refund" in text
    assert "✗ Failed  Fail" in text and "Error: Order.Failed" in text and "Cause: charge never went through" in text


def test_timeline_marks_the_slowest_branch_and_iteration_as_critical(nested_result):
    model = ExecutionModel.from_history(nested_result.history)
    marked = critical_path(model)
    on_path = {v.qualified_name for _, v in model.walk() if v.seq in marked}
    assert {"Fan[0]/Slow", "Each[0]/Item", "Charge"} <= on_path
    assert "Fan[1]/Quick" not in on_path and "Each[1]/Item" not in on_path
    console = Console(record=True, width=80, color_system=None)
    console.print(timeline(model, 80))
    lines = console.export_text().splitlines()
    slow = next(line for line in lines if "Slow" in line)
    quick = next(line for line in lines if "Quick " in line)
    assert "█" in slow and "▒" in quick and all(len(line) <= 80 for line in lines)


def test_show_io_and_one_state(nested_result):
    model = ExecutionModel.from_history(nested_result.history)
    text = render(model, show_io=True)
    assert 'input {"items":[3,1,2]}' in text
    one = render(model, state="Item")
    assert "Each[1]/Item  visit 2 of 3" in one and "Each[2]/Item  visit 3 of 3" in one
    assert "No state named" in render(model, state="Nope")


def test_long_io_is_cut_with_a_note_never_silently():
    big = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * 5000, "End": True}}}
    model = ExecutionModel.from_history(StateMachine.from_json(big).run({}).history)
    text = " ".join(render(model, show_io=True).split())
    assert "(4,702 more characters; --format json has it all)" in text
    assert "… 15,002 more characters not shown (--format json prints it all)" not in text


def test_big_maps_show_a_few_iterations_and_say_how_many_more():
    many = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}}
    model = ExecutionModel.from_history(StateMachine.from_json(many).run(list(range(50))).history)
    text = render(model)
    assert "… 39 more iterations not shown (all 50 ✓)" in text and "✓ [49]" in text


# ------------------------------------------------------------------ AWS-shaped input
def _as_aws_cli_prints(history):
    """Our history with the AWS CLI's ISO timestamps (with an offset), as `aws ... --output json`."""
    from datetime import datetime, timedelta, timezone

    out = []
    for event in history:
        ts = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
        event = dict(event, timestamp=ts.astimezone(timezone(timedelta(hours=1))).isoformat())
        out.append(event)
    return out


def test_an_aws_cli_history_renders_the_same_tree_as_our_run(nested_result):
    ours = render(ExecutionModel.from_history(nested_result.history))
    theirs = render(ExecutionModel.from_history(_as_aws_cli_prints(nested_result.history)))
    assert ours == theirs


@pytest.mark.parametrize("value, expected", [
    ("2024-03-06T10:29:14.123000+01:00", 1709717354.123), ("2024-03-06T09:29:14.123Z", 1709717354.123),
    (1709717354.123, 1709717354.123), (1709717354123, 1709717354.123), ("timestamp", None), (None, None)])
def test_timestamps_as_aws_tools_print_them(value, expected):
    assert parse_timestamp(value) == (pytest.approx(expected) if expected else None)


def _corpus_cases():
    if not CORPUS.is_dir():
        return []
    cases = []
    for path in sorted(CORPUS.glob("*/*.json")):
        case = json.loads(path.read_text())
        if case.get("events"):
            cases.append(pytest.param(case, id=path.stem[-40:]))
    return cases


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/conformance is not beside the checkout")
@pytest.mark.parametrize("with_definition", [False, True])
def test_every_recorded_aws_history_renders_with_each_state_in_the_view(with_definition):
    cases = _corpus_cases()
    assert len(cases) > 300
    for param in cases:
        case = param.values[0]
        definition = case["definition"] if with_definition else None
        model = ExecutionModel.from_history(case["events"], definition=definition)
        text = render(model, width=160, show_timeline=True, graph_definition=definition)
        entered = {e["stateEnteredEventDetails"]["name"] for e in case["events"] if "stateEnteredEventDetails" in e}
        missing = {name for name in entered if f" {name}  " not in text}
        assert not missing, (param.id, missing)
        assert model.status == case["expected"]["status"] or model.status == "RUNNING", param.id
        assert model.transitions == sum(1 for e in case["events"] if e["type"].endswith("StateEntered"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/conformance is not beside the checkout")
def test_a_normalised_parallel_history_takes_its_branches_from_the_definition():
    path = next(CORPUS.glob("parallel/*test_parallel_state_PARALLEL_STATE-*.json"))
    case = json.loads(path.read_text())
    model = ExecutionModel.from_history(case["events"], definition=case["definition"])
    branches = model.root[1].ordered_children()
    assert [[v.name for v in b.states] for b in branches] == [
        ["Branch1"], ["Branch21", "Branch22"], ["Branch31", "Branch32", "Branch33"]]


def test_graph_with_the_path_taken(nested_result):
    model = ExecutionModel.from_history(nested_result.history)
    console = Console(record=True, width=80, color_system=None)
    console.print(graph_text(NESTED, 80, path=model.state_names(), visits={"Item": 3}))
    text = console.export_text()
    assert "Item  ✓ visited ×3" in text and "Charge  ✓ visited" in text


EXAMPLES = Path(__file__).resolve().parents[1] / "state_machines"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "definition.asl.json").is_file()))
def test_every_example_renders_in_every_view(example):
    from asl_runtime.integrations.local_lambda import load_handlers
    from asl_runtime.views.report import report_html
    from asl_runtime.views.svg import svg
    from asl_runtime.views.graph_model import graph_of

    folder = EXAMPLES / example
    definition = json.loads((folder / "definition.asl.json").read_text())
    handlers = load_handlers(str(folder / "handlers.py")) if (folder / "handlers.py").is_file() else None
    options = {}
    if (folder / "mocks.json").is_file():
        mocks = json.loads((folder / "mocks.json").read_text())
        machine_name, cases = next(iter(mocks["StateMachines"].items()))
        options = {"mock_config": str(folder / "mocks.json"), "test_case": next(iter(cases["TestCases"]))}
    result = StateMachine.from_json(definition).run(json.loads((folder / "input.json").read_text()),
                                                    handlers=handlers, **options)
    model = ExecutionModel.from_history(result.history, definition=definition)
    text = render(model, width=80, show_timeline=True, show_io=True, graph_definition=definition)
    for name in {e["stateEnteredEventDetails"]["name"] for e in result.history if "stateEnteredEventDetails" in e}:
        assert f" {name}  " in text
    assert all(len(line) <= 80 for line in text.splitlines() if "█" in line or "▒" in line)
    html = report_html(model, definition)
    assert html.count("<svg") == 1 and svg(graph_of(definition)).startswith("<svg")


def test_child_executions_show_under_the_task_that_started_them():
    child = {"StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}
    parent = {"StartAt": "Bill", "States": {"Bill": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True,
        "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Billing",
                       "Input": {"n": 2}}}}}
    from asl_runtime.views.live import LiveModel

    live = LiveModel()
    result = StateMachine.from_json(parent).run({}, state_machines={"Billing": child}, observers=[live])
    arn = result.output["ExecutionArn"]
    for model in (ExecutionModel.from_history(result.history), live.model):
        assert model.root[0].child_executions == [{"arn": arn, "status": "SUCCEEDED", "kind": "execution"}]
        assert f"↳ child execution {arn}  SUCCEEDED" in render(model, width=200)
