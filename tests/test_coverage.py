"""Coverage of a state machine: what the runs exercised, item by item, and the Cobertura view."""

import json
import xml.etree.ElementTree as ET

import pytest

from asl_runtime import StateMachine
from asl_runtime.testing.coverage import Coverage

ROUTER = {"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [
        {"Variable": "$.kind", "StringEquals": "book", "Next": "Books"},
        {"Variable": "$.kind", "StringEquals": "lamp", "Next": "Lamps"}], "Default": "Other"},
    "Books": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:books",
              "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2},
                        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Other"}], "ResultPath": None, "Next": "Both"},
    "Lamps": {"Type": "Pass", "Next": "Both"},
    "Both": {"Type": "Parallel", "ResultPath": None, "Next": "Each", "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}}]},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
             "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}},
    "Other": {"Type": "Succeed"}}}


@pytest.fixture
def router():
    return StateMachine.from_json(ROUTER)


def covered(coverage, kind):
    summary = coverage.to_dict()[kind]
    return summary["covered"], summary["total"], summary["missed"]


def test_choice_rules_count_taken_and_not_taken_and_default(router):
    coverage = Coverage()
    coverage.add("router", ROUTER, router.run({"kind": "lamp", "items": []}))
    # rule #1 matched, so rule #0 was evaluated and not taken; Default not taken; rule #1 never false.
    assert covered(coverage, "choice_rules") == (2, 5, [
        "Route rule #0 ($.kind == \"book\") taken", "Route rule #1 ($.kind == \"lamp\") not taken",
        "Route Default taken"])
    coverage.add("router", ROUTER, router.run({"kind": "chair", "items": []}))
    assert covered(coverage, "choice_rules")[:2] == (4, 5)


def test_retriers_catchers_and_bodies(router):
    coverage = Coverage()
    calls = []

    class Busy(Exception):
        pass

    def books(event, context):
        calls.append(1)
        if len(calls) == 1:
            raise Busy("later")
        return {}

    coverage.add("router", ROUTER, router.run({"kind": "book", "items": [1, 2]}, handlers={"books": books}))
    assert covered(coverage, "retriers") == (1, 2, ["Books Retry #1 (States.ALL)"])
    assert covered(coverage, "catchers") == (0, 1, ["Books Catch #0 (States.ALL)"])
    assert covered(coverage, "bodies") == (3, 3, [])
    assert covered(coverage, "states")[2] == ["Lamps", "Other"]
    coverage.add("router", ROUTER, router.run({"kind": "book", "items": []},
                                              handlers={"books": lambda e, c: 1 / 0}))
    assert covered(coverage, "catchers")[:2] == (1, 1)
    assert "Books → Other (Catch #0)" not in covered(coverage, "transitions")[2]


def test_cobertura_marks_each_state_at_its_line_with_its_branches(router, tmp_path):
    path = tmp_path / "router.asl.json"
    path.write_text(json.dumps(ROUTER, indent=2))
    coverage = Coverage()
    coverage.add("router", ROUTER, router.run({"kind": "lamp", "items": [1]}), str(path))
    root = ET.fromstring(coverage.cobertura(str(tmp_path)))
    [cls] = root.iter("class")
    assert cls.get("filename") == "router.asl.json"
    text = path.read_text().splitlines()
    lines = {text[int(l.get("number")) - 1].strip().split('"')[1]: l for l in cls.iter("line")}
    assert set(lines) == {"Route", "Books", "Lamps", "Both", "Left", "Right", "Each", "Item", "Other"}
    assert lines["Books"].get("hits") == "0" and lines["Lamps"].get("hits") == "1"
    assert lines["Route"].get("branch") == "true" and lines["Route"].get("condition-coverage") == "40% (2/5)"
    assert lines["Both"].get("condition-coverage") == "100% (2/2)"
    assert root.get("lines-valid") == "9" and root.get("lines-covered") == "7"
    assert float(root.get("line-rate")) == pytest.approx(7 / 9, abs=1e-4)


def test_the_terminal_table_lists_what_was_missed(router):
    coverage = Coverage()
    coverage.add("router", ROUTER, router.run({"kind": "chair", "items": []}))
    table = coverage.table()
    assert table.splitlines()[0].split() == ["machine", "states", "transitions", "choice", "rules", "retriers",
                                             "catchers", "bodies"]
    assert "router: not covered: Books; Lamps;" in table
