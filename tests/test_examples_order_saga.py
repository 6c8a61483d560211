"""state_machines/order_saga: each step's failure undoes the steps before it (a saga)."""

import json
import subprocess
import sys

import pytest

from example_support import example_dir, example_input, example_machine, fresh_handlers

HERE = example_dir("order_saga")
INPUT = example_input("order_saga")
MOCKS = str(HERE / "mocks.json")


@pytest.fixture
def saga():
    return example_machine("order_saga", "OrderSaga")


@pytest.fixture
def shop():
    """Fresh handlers and their stores (module state of a newly loaded handlers file)."""
    return fresh_handlers("order_saga")


def order(**changes):
    return {**INPUT, **changes}


def visited(result):
    return [name for name, *_ in result.states]


# --------------------------------------------------------------------------- with mocked SNS and SQS
def test_happy_path(saga, shop):
    handlers, store = shop
    result = saga.run(order(), handlers=handlers, mock_config=MOCKS, test_case="HappyPath")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["status"] == "CONFIRMED" and result.output["shipmentMessageId"] == "mock-shipment"
    assert store["STOCK"]["book"] == 8
    assert [p["status"] for p in store["PAYMENTS"].values()] == ["CAPTURED"]


def test_declined_payment_releases_the_stock(saga, shop):
    handlers, store = shop
    result = saga.run(order(card="4000"), handlers=handlers, mock_config=MOCKS, test_case="PaymentDeclined")
    assert (result.status, result.error) == ("FAILED", "PaymentDeclined")
    assert store["STOCK"]["book"] == 10 and not store["PAYMENTS"]
    assert visited(result) == ["ReserveInventory", "ChargePayment", "ReleaseInventory", "NotifyFailure",
                               "OrderFailed"]


def test_logistics_failure_refunds_then_releases(saga, shop):
    handlers, store = shop
    result = saga.run(order(), handlers=handlers, mock_config=MOCKS, test_case="LogisticsDown")
    assert result.error == "SQS.QueueDoesNotExistException"
    assert [p["status"] for p in store["PAYMENTS"].values()] == ["REFUNDED"]
    assert store["STOCK"]["book"] == 10
    assert visited(result)[-4:] == ["RefundPayment", "ReleaseInventory", "NotifyFailure", "OrderFailed"]


def test_out_of_stock_has_nothing_to_undo(saga, shop):
    handlers, store = shop
    result = saga.run(order(items=[{"sku": "lamp", "quantity": 5}]), handlers=handlers, mock_config=MOCKS,
                      test_case="PaymentDeclined")
    assert result.error == "OutOfStock"
    assert visited(result) == ["ReserveInventory", "NotifyFailure", "OrderFailed"]


def test_cli_runs_the_example_with_its_mock_file():
    cmd = [sys.executable, "-m", "asl_runtime.cli.main", "run", str(HERE / "definition.asl.json"),
           "--input-file", str(HERE / "input.json"), "--handlers", str(HERE / "handlers.py"),
           "--mock-config", MOCKS, "--test-case", "HappyPath", "--format", "json"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"]["status"] == "CONFIRMED"


# --------------------------------------------------------------------------- against moto
boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")


@pytest.fixture
def aws():
    with moto.mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        sqs, sns = session.client("sqs"), session.client("sns")
        logistics = sqs.create_queue(QueueName="logistics")["QueueUrl"]
        inbox = sqs.create_queue(QueueName="customer-inbox")["QueueUrl"]
        topic = sns.create_topic(Name="order-events")["TopicArn"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        yield sqs, logistics, inbox, topic


def messages(sqs, url):
    return [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            .get("Messages", [])]


def test_confirmed_order_reaches_logistics_and_the_customer(saga, shop, aws):
    sqs, logistics, inbox, topic = aws
    handlers, _ = shop
    result = saga.run(order(logisticsQueueUrl=logistics, notificationTopicArn=topic), handlers=handlers)
    assert result.status == "SUCCEEDED", result.cause
    [shipment] = messages(sqs, logistics)
    assert shipment == {"orderId": "o-1001", "reservationId": "res-o-1001", "items": INPUT["items"]}
    assert messages(sqs, inbox) == [{"orderId": "o-1001", "status": "ACCEPTED"}]


def test_fraud_refunds_releases_and_tells_the_customer(saga, shop, aws):
    sqs, logistics, inbox, topic = aws
    handlers, store = shop
    result = saga.run(order(amount=400, email="eve@example.invalid", logisticsQueueUrl=logistics,
                            notificationTopicArn=topic), handlers=handlers)
    assert result.error == "FraudSuspected"
    assert [p["status"] for p in store["PAYMENTS"].values()] == ["REFUNDED"] and store["STOCK"]["book"] == 10
    assert messages(sqs, logistics) == []
    assert messages(sqs, inbox) == [{"orderId": "o-1001", "status": "FAILED", "reason": "FraudSuspected"}]


def test_missing_logistics_queue_is_compensated(saga, shop, aws):
    sqs, _, inbox, topic = aws
    handlers, store = shop
    gone = "https://sqs.us-east-1.amazonaws.com/123456789012/nowhere"
    result = saga.run(order(logisticsQueueUrl=gone, notificationTopicArn=topic), handlers=handlers)
    assert result.error == "SQS.QueueDoesNotExistException"
    assert [p["status"] for p in store["PAYMENTS"].values()] == ["REFUNDED"] and store["STOCK"]["book"] == 10
    # The customer heard "accepted" before logistics failed, then "failed".
    assert sorted(m["status"] for m in messages(sqs, inbox)) == ["ACCEPTED", "FAILED"]


# --------------------------------------------------------------------------- failure injection
PUBLISHED = {"Return": {"MessageId": "mock-message"}}
QUEUED = {"Return": {"MessageId": "mock-shipment"}}
QUEUE_GONE = {"Throw": {"Error": "SQS.QueueDoesNotExistException", "Cause": "gone"}}
UNDO_ALL = ["RefundPayment", "ReleaseInventory", "NotifyFailure", "OrderFailed"]
#: What must run after each step's failure is caught: the saga's compensation for that step.
COMPENSATION = {
    "ReserveInventory": ["NotifyFailure", "OrderFailed"],
    "ChargePayment": ["ReleaseInventory", "NotifyFailure", "OrderFailed"],
    "FraudCheck": UNDO_ALL,
    "NotifyCustomer": ["HandToLogistics", "OrderConfirmed"],  # a lost e-mail does not cancel the order
    "HandToLogistics": UNDO_ALL,
    "NotifyFailure": ["OrderFailed"],
}


def after(path, state):
    return path[path.index(state) + 1:]


def test_every_injected_failure_on_the_way_runs_its_compensation(asl):
    saga = asl.machine(HERE / "definition.asl.json", handlers=str(HERE / "handlers.py"), name="OrderSaga")
    injections = saga.inject(order(), mocks={"NotifyCustomer": [PUBLISHED], "HandToLogistics": [QUEUED],
                                             "NotifyFailure": [PUBLISHED]})
    assert {i.state for i in injections} == {"ReserveInventory", "ChargePayment", "FraudCheck", "NotifyCustomer",
                                             "HandToLogistics"}
    for injection in injections:
        if injection.outcome == "recovered":
            # Only retried errors recover: ReserveInventory's Lambda errors, HandToLogistics' SQS error.
            assert injection.state in ("ReserveInventory", "HandToLogistics"), injection.describe()
            assert injection.status == "SUCCEEDED" and injection.path[-1] == "OrderConfirmed"
            continue
        assert injection.outcome == "caught", injection.describe()
        assert after(injection.path, injection.state) == COMPENSATION[injection.state], injection.describe()
        assert injection.compensation == COMPENSATION[injection.state]
    exhausted = [i for i in injections if i.state == "ReserveInventory" and i.error == "Lambda.ServiceException"]
    assert [(i.attempt, i.outcome) for i in exhausted] == [(1, "recovered"), (2, "recovered"), (3, "recovered"),
                                                           (4, "caught")]


def test_a_compensation_that_keeps_failing_is_reported_unhandled(asl):
    saga = asl.machine(HERE / "definition.asl.json", handlers=str(HERE / "handlers.py"), name="OrderSaga")
    injections = saga.inject(order(), mocks={"NotifyCustomer": [PUBLISHED], "HandToLogistics": [QUEUE_GONE],
                                             "NotifyFailure": [PUBLISHED]})
    refunds = [i for i in injections if i.state == "RefundPayment"]
    assert {i.error for i in refunds} == {"States.TaskFailed", "States.Timeout", "Lambda.ServiceException"}
    for injection in refunds:
        if injection.attempt <= 5:  # Retry on States.ALL, MaxAttempts 5: the refund goes through
            assert injection.outcome == "recovered" and after(injection.path, "RefundPayment")[:1] == ["ReleaseInventory"]
        else:
            assert injection.outcome == "unhandled" and injection.path[-1] == "RefundPayment"
    unhandled = {(i.state, i.attempt) for i in injections if i.outcome == "unhandled"}
    assert unhandled == {("RefundPayment", 6), ("ReleaseInventory", 6)}
    notify = [i for i in injections if i.state == "NotifyFailure"]
    assert notify and all(i.outcome == "caught" and i.catch_target == "OrderFailed" for i in notify)
