"""The pytest plugin, as a team uses it: the `asl` fixture, assertion messages, --asl-cov."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SAGA = ROOT / "state_machines" / "order_saga"
# Inner runs load only this plugin (no entry-point autoload): fast, and the same whether or not the
# installed package already registers it.
PLUGIN = ["-p", "asl_runtime.testing.plugin"]


@pytest.fixture(autouse=True)
def _only_this_plugin(monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def test_the_plugin_is_a_pytest11_entry_point_of_the_package():
    import tomllib
    from importlib.metadata import entry_points
    installed = [ep for ep in entry_points(group="pytest11") if ep.name == "asl"]
    assert all(ep.value == "asl_runtime.testing.plugin" for ep in installed)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["entry-points"]["pytest11"] == {"asl": "asl_runtime.testing.plugin"}


@pytest.fixture
def saga_dir(pytester):
    for name in ("definition.asl.json", "handlers.py", "mocks.json", "input.json"):
        (pytester.path / name).write_text((SAGA / name).read_text())
    return pytester


SAGA_TESTS = '''
import json
from pathlib import Path

ORDER = json.loads((Path(__file__).parent / "input.json").read_text())
BUSY = {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}}
DOWN = {"Throw": {"Error": "SQS.QueueDoesNotExistException", "Cause": "gone"}}
PUBLISHED = {"Return": {"MessageId": "m-1"}}


def saga(asl):
    return asl.machine("definition.asl.json", handlers="handlers.py", name="OrderSaga")


def test_happy_path(asl):
    result = saga(asl).run(ORDER, mocks={"NotifyCustomer": [PUBLISHED], "HandToLogistics": [{"Return": {"MessageId": "s"}}]})
    asl.assert_succeeded(result)
    asl.assert_path(result, ["ReserveInventory", "ChargePayment", "FraudCheck", "NotifyCustomer", "HandToLogistics",
                             "OrderConfirmed"])


def test_logistics_down_refunds_then_releases(asl):
    machine = saga(asl)
    result = machine.run(ORDER, mocks={"NotifyCustomer": [PUBLISHED], "HandToLogistics": [DOWN],
                                       "NotifyFailure": [PUBLISHED]})
    asl.assert_failed(result, error="SQS.QueueDoesNotExistException")
    asl.assert_caught(result, "HandToLogistics", next="RefundPayment")
    asl.assert_path_includes(result, "RefundPayment", "ReleaseInventory", "NotifyFailure", "OrderFailed")
    assert [p["status"] for p in machine.module["PAYMENTS"].values()] == ["REFUNDED"]


def test_reservation_retried_with_back_off(asl):
    result = saga(asl).run(ORDER, mocks={"ReserveInventory": [BUSY, BUSY, {"PassThrough": True}],
                                         "NotifyCustomer": [PUBLISHED], "HandToLogistics": [{"Return": {"MessageId": "s"}}]})
    asl.assert_retried(result, "ReserveInventory", times=2, backoff=[1, 2])


def test_handlers_start_clean_in_every_test(asl):
    machine = saga(asl)
    assert machine.module["STOCK"]["book"] == 10 and machine.module["PAYMENTS"] == {}
'''


def test_a_saga_tested_in_a_few_lines(saga_dir):
    saga_dir.makepyfile(test_saga=SAGA_TESTS)
    outcome = saga_dir.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=4)


def test_a_failed_path_assertion_shows_the_step_and_the_path_taken(saga_dir):
    saga_dir.makepyfile(test_wrong='''
def test_wrong_path(asl):
    machine = asl.machine("definition.asl.json", handlers="handlers.py")
    order = {"orderId": "1", "items": [{"sku": "lamp", "quantity": 9}], "amount": 1, "card": "4111",
             "email": "a@b.c", "notificationTopicArn": "arn:aws:sns:us-east-1:123456789012:t"}
    result = machine.run(order, mocks={"NotifyFailure": [{"Return": {}}]})
    asl.assert_path(result, ["ReserveInventory", "ChargePayment"])
''')
    outcome = saga_dir.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "Path: at step 2 expected 'ChargePayment', got 'NotifyFailure'" in text
    assert "path taken: ReserveInventory → NotifyFailure → OrderFailed (FAILED: OutOfStock)" in text


def test_a_failed_output_assertion_names_the_state_that_wrote_it(saga_dir):
    saga_dir.makepyfile(test_output='''
import json
from pathlib import Path

def test_output(asl):
    machine = asl.machine("definition.asl.json", handlers="handlers.py")
    order = json.loads((Path(__file__).parent / "input.json").read_text())
    result = machine.run(order, mocks={"NotifyCustomer": [{"Return": {}}], "HandToLogistics": [{"Return": {"MessageId": "s-1"}}]})
    asl.assert_output_includes(result, {"status": "CONFIRMED", "shipmentMessageId": "s-2"})
''')
    outcome = saga_dir.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    assert ("OutputIncludes at /shipmentMessageId: expected 's-2', got 's-1' (written by state 'OrderConfirmed')"
            in outcome.stdout.str())


def test_runs_stay_offline(pytester):
    pytester.makepyfile(test_offline='''
def test_no_handler_no_aws(asl):
    machine = asl.machine({"StartAt": "Call", "States": {"Call": {"Type": "Task", "End": True,
                           "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nobody"}}})
    result = machine.run({})
    assert result.status == "FAILED"
    assert result.error == "Lambda.ResourceNotFoundException"  # no handler, and no call to AWS
''')
    pytester.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_asl_cov_reports_in_the_terminal_as_json_and_as_cobertura(saga_dir):
    saga_dir.makepyfile(test_saga=SAGA_TESTS)
    outcome = saga_dir.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider", "--asl-cov",
                                 "--asl-cov-report=term", "--asl-cov-report=json:cov.json",
                                 "--asl-cov-report=xml:cov.xml")
    outcome.assert_outcomes(passed=4)
    text = outcome.stdout.str()
    assert "state machine coverage" in text and "definition.asl.json" in text
    assert "not covered:" in text and "FraudCheck → RefundPayment (Catch #0)" in text
    summary = json.loads((saga_dir.path / "cov.json").read_text())
    assert (summary["states"]["covered"], summary["states"]["total"]) == (10, 10)
    assert "FraudCheck → RefundPayment (Catch #0)" in summary["transitions"]["missed"]
    assert "HandToLogistics → RefundPayment (Catch #0)" not in summary["transitions"]["missed"]
    assert summary["retriers"]["missed"] == ["HandToLogistics Retry #0 (SQS.AmazonSQSException)",
                                             "RefundPayment Retry #0 (States.ALL)",
                                             "ReleaseInventory Retry #0 (States.ALL)"]
    assert (summary["catchers"]["covered"], summary["catchers"]["total"]) == (1, 6)
    root = ET.parse(saga_dir.path / "cov.xml").getroot()
    [cls] = root.findall("packages/package/classes/class")
    assert cls.get("filename") == "definition.asl.json"
    source = (saga_dir.path / "definition.asl.json").read_text().splitlines()
    numbers = [int(line.get("number")) for line in cls.findall("lines/line")]
    assert len(numbers) == 10
    assert all(source[n - 1].strip().startswith('"') for n in numbers)


def test_bad_report_spec_is_a_usage_error(pytester):
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    outcome = pytester.runpytest(*PLUGIN, "-p", "no:cacheprovider", "--asl-cov-report=html")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    assert "--asl-cov-report takes term, json:PATH or xml:PATH" in outcome.stderr.str()


def test_injection_from_the_plugin(saga_dir):
    saga_dir.makepyfile(test_inject='''
import json
from pathlib import Path

def test_every_failure(asl):
    machine = asl.machine("definition.asl.json", handlers="handlers.py")
    order = json.loads((Path(__file__).parent / "input.json").read_text())
    gone = {"Throw": {"Error": "SQS.QueueDoesNotExistException", "Cause": "gone"}}
    injections = machine.inject(order, mocks={"NotifyCustomer": [{"Return": {}}], "HandToLogistics": [gone],
                                              "NotifyFailure": [{"Return": {}}]})
    asl.assert_no_unhandled(injections)
''')
    outcome = saga_dir.runpytest(*PLUGIN, "-q", "-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "injected failure(s) left the execution failed" in text and "RefundPayment ✗ States.TaskFailed" in text


def test_every_test_case_of_a_mock_config_from_the_fixture(asl):
    signup = ROOT / "state_machines" / "user_signup"
    machine = asl.machine(signup / "definition.asl.json", handlers=str(signup / "handlers.py"),
                          mock_config=str(signup / "mocks.json"), name="UserSignup")
    order = json.loads((signup / "input.json").read_text())
    outcomes = {case: machine.run(order, test_case=case).status for case in machine.test_cases()}
    assert outcomes == {"ExistingUser": "FAILED", "NewUser": "SUCCEEDED"}


def test_the_fixture_compiles_a_definition_once_per_module(asl):
    first = asl.machine(SAGA / "definition.asl.json", handlers=str(SAGA / "handlers.py"))
    second = asl.machine(SAGA / "definition.asl.json", handlers=str(SAGA / "handlers.py"))
    assert first.state_machine is second.state_machine
    assert first.module is not second.module  # but each gets its own, clean handler state


def test_the_fixture_estimates_what_a_run_costs(asl):
    machine = asl.machine(ROOT / "state_machines" / "hello_world" / "definition.asl.json",
                          handlers=str(ROOT / "state_machines" / "hello_world" / "handlers.py"))
    result = machine.run({"name": "Ada", "loud": True})
    standard = asl.estimate(result)
    assert standard.transitions == result.transitions == 4
    assert standard.cost == pytest.approx(4 * 0.025 / 1000)
    assert asl.estimate(result, "EXPRESS").billed_duration == pytest.approx(0.1)
