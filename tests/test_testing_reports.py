"""Reports of the testing toolkit that CI reads: state lines for Cobertura, JUnit XML, cost estimates."""

import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from asl_runtime.testing.cost import PRICES, ZERO, estimate
from asl_runtime.testing.junit import junit_xml
from asl_runtime.testing.source_lines import line_of, pointer_lines, state_lines
from asl_runtime.testing.suite import CaseResult

DEFINITION = {"StartAt": "Fan", "States": {
    "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "Comment": "a \"States\": {} lookalike",
                                                  "End": True}}}]},
    "Each": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Item", "States": {
        "Item": {"Type": "Pass", "End": True}}}}}}


def test_each_state_is_placed_at_the_line_of_its_name_in_json(tmp_path):
    path = tmp_path / "machine.asl.json"
    path.write_text(json.dumps(DEFINITION, indent=2))
    lines = state_lines(path)
    text = path.read_text().splitlines()
    assert set(lines) == {"Fan", "Left", "Right", "Each", "Item"}
    for name, number in lines.items():
        assert text[number - 1].strip().startswith(f'"{name}"'), (name, number)


def test_compact_json_puts_every_state_on_line_one(tmp_path):
    path = tmp_path / "machine.json"
    path.write_text(json.dumps(DEFINITION))
    assert set(state_lines(path).values()) == {1}


def test_each_state_is_placed_at_the_line_of_its_name_in_yaml(tmp_path):
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "machine.asl.yaml"
    path.write_text(yaml.safe_dump(DEFINITION, sort_keys=False))
    lines = state_lines(path)
    text = path.read_text().splitlines()
    assert set(lines) == {"Fan", "Left", "Right", "Each", "Item"}
    for name, number in lines.items():
        assert text[number - 1].strip().startswith(f"{name}:"), (name, number)


def test_a_pointer_falls_back_to_its_nearest_placed_ancestor(tmp_path):
    path = tmp_path / "machine.asl.json"
    path.write_text(json.dumps(DEFINITION, indent=2))
    lines = pointer_lines(path)
    assert line_of("/States/Fan/Branches/1/States/Right/Comment", lines) == \
        lines["/States/Fan/Branches/1/States/Right/Comment"]
    assert line_of("/States/Each/Retry/0", lines) == lines["/States/Each"]


# --------------------------------------------------------------------------- JUnit
def run(path, status="SUCCEEDED"):
    return SimpleNamespace(path=path, status=status, error=None if status == "SUCCEEDED" else "Boom",
                           cause=None, transitions=len(path))


def test_junit_xml_has_a_testcase_per_case_and_says_what_differed():
    cases = [CaseResult("saga/suite", "HappyPath", True, result=run(["A", "B"]), seconds=0.01),
             CaseResult("saga/suite", "Refund", False, ["Status: expected FAILED, got SUCCEEDED"],
                        result=run(["A", "B"]), seconds=0.02),
             CaseResult("saga/suite", "Broken", False, error="cannot load handlers file x.py")]
    root = ET.fromstring(junit_xml([("saga/suite", cases)]))
    assert root.tag == "testsuites" and root.get("tests") == "3"
    assert (root.get("failures"), root.get("errors")) == ("1", "1")
    [suite] = root.findall("testsuite")
    by_name = {c.get("name"): c for c in suite.findall("testcase")}
    assert by_name["HappyPath"].find("failure") is None
    failure = by_name["Refund"].find("failure")
    assert failure.get("message") == "Status: expected FAILED, got SUCCEEDED"
    assert failure.text.splitlines() == ["Status: expected FAILED, got SUCCEEDED", "path taken: A → B (SUCCEEDED)"]
    assert by_name["Broken"].find("error").get("message") == "cannot load handlers file x.py"
    assert by_name["HappyPath"].find("system-out").text == "path taken: A → B"


# --------------------------------------------------------------------------- cost
def visits(n, retries=0):
    return [SimpleNamespace(attempts=[object()] * (1 + (retries if i == 0 else 0))) for i in range(n)]


def test_a_standard_run_costs_its_transitions_and_retries():
    result = SimpleNamespace(visits_all=visits(5, retries=2), duration=42.0)
    cost = estimate(result, "STANDARD")
    assert cost.transitions == 7  # "each retry will be charged as an additional state transition"
    assert cost.cost == pytest.approx(7 * 0.000025)
    assert cost.per_million() == pytest.approx(175.0)
    assert cost.duration == 42.0


def test_an_express_run_costs_a_request_and_its_duration_in_100_ms_steps():
    result = SimpleNamespace(visits_all=visits(3), duration=0.23)
    cost = estimate(result, "EXPRESS")
    assert cost.billed_duration == pytest.approx(0.3)
    assert cost.cost == pytest.approx(1e-6 + 0.3 * (64 / 1024) * 0.00001667)


def test_estimates_add_up_over_a_suite():
    a = estimate(SimpleNamespace(visits_all=visits(2), duration=1.0))
    b = estimate(SimpleNamespace(visits_all=visits(3), duration=2.0))
    total = ZERO + a + b
    assert (total.executions, total.transitions, total.duration) == (2, 5, 3.0)
    assert total.to_dict()["prices"] == {"region": PRICES.region, "as_of": PRICES.as_of}
