"""asl test: the example suites pass, write JUnit and Cobertura XML, and failure injection reports
what each failure leads to."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from asl_runtime.testing.source_lines import state_lines
from asl_runtime.testing.suite import SuiteError, load_suite, run_suite

ROOT = Path(__file__).resolve().parents[1]
SUITES = sorted(p for p in (ROOT / "state_machines").glob("*/suite.*"))
SAGA = ROOT / "state_machines" / "order_saga" / "suite.json"


def asl(*args, cwd=ROOT):
    # This checkout's asl_runtime, whatever the working directory.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def test_every_example_has_a_suite():
    examples = {p.parent.name for p in (ROOT / "state_machines").glob("*/definition.asl.json")}
    assert {p.parent.name for p in SUITES} == examples


@pytest.mark.parametrize("suite_path", SUITES, ids=lambda p: p.parent.name)
def test_every_case_of_the_example_suite_passes(suite_path):
    cases = run_suite(load_suite(suite_path))
    assert cases
    for case in cases:
        assert case.passed, f"{case.name}:\n{case.report}"


def test_asl_test_runs_every_suite_and_writes_junit_and_cobertura(tmp_path):
    junit, cobertura, cov_json = tmp_path / "junit.xml", tmp_path / "coverage.xml", tmp_path / "coverage.json"
    done = asl("test", *map(str, SUITES), "--junit-xml", str(junit), "--coverage-xml", str(cobertura),
               "--coverage-json", str(cov_json), "--coverage")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout and "transitions" in done.stdout

    root = ET.parse(junit).getroot()
    cases = root.findall("testsuite/testcase")
    assert int(root.get("tests")) == len(cases) > 20 and root.get("failures") == "0"
    assert {c.get("classname") for c in cases} >= {"order_saga/suite", "hello_world/suite"}

    coverage = ET.parse(cobertura).getroot()
    assert coverage.tag == "coverage" and float(coverage.get("line-rate")) > 0.8
    classes = coverage.findall("packages/package/classes/class")
    by_file = {c.get("filename"): c for c in classes}
    saga_file = "state_machines/order_saga/definition.asl.json"
    lines = state_lines(ROOT / saga_file)
    saga_lines = {int(l.get("number")): int(l.get("hits")) for l in by_file[saga_file].findall("lines/line")}
    assert set(saga_lines) == set(lines.values())  # one line per state, at its name
    text = (ROOT / saga_file).read_text().splitlines()
    for number in saga_lines:
        assert text[number - 1].strip().split(":")[0].strip('"') in lines
    assert saga_lines[lines["RefundPayment"]] >= 2  # fraud and logistics paths both refunded

    summary = json.loads(cov_json.read_text())
    for kind in ("states", "transitions", "choice_rules", "retriers", "catchers"):
        assert set(summary[kind]) == {"covered", "total", "missed"}
        assert 0 < summary[kind]["covered"] <= summary[kind]["total"]


def test_a_failing_case_says_what_differed_and_exits_1(tmp_path):
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({
        "StateMachine": str(ROOT / "state_machines/hello_world/definition.asl.json"),
        "Handlers": str(ROOT / "state_machines/hello_world/handlers.py"),
        "Tests": {"Wrong": {"Input": {"name": "Ada", "loud": False},
                            "Expect": {"Path": ["Greet", "IsLoud", "Shout", "Done"], "Output": {"greeting": "Hi"}}}}}))
    junit = tmp_path / "junit.xml"
    done = asl("test", str(suite), "--junit-xml", str(junit))
    assert done.returncode == 1
    assert "Path: at step 3 expected 'Shout', got 'Done'" in done.stdout
    assert "Output at /greeting: expected 'Hi', got 'Hello, Ada' (written by state 'Greet')" in done.stdout
    assert "path taken: Greet → IsLoud → Done (SUCCEEDED)" in done.stdout
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert failure is not None and "expected 'Shout'" in failure.get("message")


def test_json_output_lists_tests_coverage_and_estimates():
    done = asl("test", str(ROOT / "state_machines/hello_world/suite.yaml"), "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [t["name"] for t in out["tests"]] == ["Loud", "Quiet", "GreeterDown"]
    assert all(t["passed"] and t["differences"] == [] for t in out["tests"])
    assert out["coverage"]["choice_rules"]["total"] == 3  # rule #0 taken / not taken, Default
    assert out["coverage"]["choice_rules"]["missed"] == []
    assert out["injections"] == []
    assert out["estimates"]["hello_world/suite"]["executions"] == 3


@pytest.mark.parametrize("suite, message", [
    ({"Tests": {}}, "/StateMachine: required"),
    ({"StateMachine": "definition.asl.json", "Tests": {"T": {"Expect": {"Stauts": "FAILED"}}}},
     "/Tests/T/Expect/Stauts: unknown field"),
    ({"StateMachine": "definition.asl.json", "Tests": {"T": {"Mocks": {"Nope": [{"Return": 1}]}}}},
     "/Tests/T/Mocks: mocks['Nope']: the state machine has no state 'Nope'"),
    ({"StateMachine": "definition.asl.json", "Tests": {"T": {"Expect": {"Visited": ["Nope"]}}}},
     "the state machine has no state 'Nope'"),
    ({"StateMachine": "definition.asl.json", "Tests": {"T": {"TestCase": "X"}}}, "needs a MockConfig"),
    ({"StateMachine": "missing.json", "Tests": {"T": {}}}, "cannot read"),
    ({"StateMachine": "definition.asl.json"}, "no tests"),
])
def test_a_bad_suite_is_one_located_error_and_exit_2(tmp_path, suite, message):
    (tmp_path / "definition.asl.json").write_text((ROOT / "state_machines/hello_world/definition.asl.json").read_text())
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(suite))
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert message in str(info.value) and str(path) in str(info.value)
    done = asl("test", str(path))
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_malformed_yaml_names_the_line(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "suite.yaml"
    path.write_text("StateMachine: x.json\nTests:\n  A: [unclosed\n")
    with pytest.raises(SuiteError, match="not valid YAML at line"):
        load_suite(path)


# --------------------------------------------------------------------------- failure injection
def test_inject_lists_every_injection_of_the_saga_and_which_are_unhandled():
    done = asl("test", str(SAGA), "--inject", "--format", "json")
    assert done.returncode == 0, done.stderr  # without --fail-on-unhandled the suite's verdict stands
    injections = json.loads(done.stdout)["injections"]
    assert {i["state"] for i in injections} == {"ReserveInventory", "ChargePayment", "FraudCheck", "NotifyCustomer",
                                                "HandToLogistics", "RefundPayment", "ReleaseInventory",
                                                "NotifyFailure"}
    for injection in injections:
        assert set(injection) >= {"state", "error", "attempt", "outcome", "catch_target", "path", "status"}
        assert injection["outcome"] in ("recovered", "caught", "unhandled")
    # A compensation that keeps failing has no Catch: the saga is left half undone.
    left = {(i["state"], i["error"]) for i in injections if i["outcome"] == "unhandled"}
    assert {s for s, _ in left} == {"RefundPayment", "ReleaseInventory"}


def test_fail_on_unhandled_makes_an_unhandled_injection_fail_the_run():
    done = asl("test", str(SAGA), "--inject", "--fail-on-unhandled")
    assert done.returncode == 1
    assert "unhandled:" in done.stdout and "RefundPayment ✗" in done.stdout


def test_fail_on_unhandled_passes_when_every_failure_is_handled(tmp_path):
    root = ROOT / "state_machines/hello_world"
    definition = json.loads((root / "definition.asl.json").read_text())
    definition["States"]["Greet"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                                               "Next": "Done"}]
    (tmp_path / "definition.asl.json").write_text(json.dumps(definition))
    (tmp_path / "suite.json").write_text(json.dumps({
        "StateMachine": "definition.asl.json", "Handlers": str(root / "handlers.py"),
        "Tests": {"Quiet": {"Input": {"name": "Ada", "loud": False}, "Expect": {"Status": "SUCCEEDED"}}}}))
    done = asl("test", str(tmp_path / "suite.json"), "--inject", "--fail-on-unhandled", "--format", "json")
    assert done.returncode == 0, done.stdout
    outcomes = {(i["error"], i["outcome"], i["catch_target"]) for i in json.loads(done.stdout)["injections"]}
    assert outcomes == {("States.TaskFailed", "caught", "Done"), ("States.Timeout", "caught", "Done"),
                        ("Lambda.ServiceException", "caught", "Done")}
    assert asl("test", str(tmp_path / "suite.json"), "--fail-on-unhandled").returncode == 2


def test_a_yaml_definition_gets_cobertura_lines_in_the_yaml_source(tmp_path):
    yaml = pytest.importorskip("yaml")
    root = ROOT / "state_machines/hello_world"
    definition = json.loads((root / "definition.asl.json").read_text())
    (tmp_path / "hello.asl.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump({
        "StateMachine": "hello.asl.yaml", "Handlers": str(root / "handlers.py"),
        "Tests": {"Quiet": {"Input": {"name": "Ada", "loud": False}, "Expect": {"NotVisited": ["Shout"]}}}}))
    done = asl("test", "suite.yaml", "--coverage-xml", "coverage.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    [cls] = ET.parse(tmp_path / "coverage.xml").getroot().iter("class")
    assert cls.get("filename") == "hello.asl.yaml"
    text = (tmp_path / "hello.asl.yaml").read_text().splitlines()
    hits = {text[int(l.get("number")) - 1].strip().rstrip(":"): int(l.get("hits")) for l in cls.iter("line")}
    assert hits == {"Greet": 1, "IsLoud": 1, "Shout": 0, "Done": 1}
