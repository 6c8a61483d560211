"""state_machines/user_signup: a Parallel fan-out whose slow side branches become "pending"."""


import pytest

from example_support import example_dir, example_input, example_machine, fresh_handlers

HERE = example_dir("user_signup")
INPUT = example_input("user_signup")
MOCKS = str(HERE / "mocks.json")


@pytest.fixture
def signup():
    return example_machine("user_signup", "UserSignup")


@pytest.fixture
def services():
    return fresh_handlers("user_signup")


def test_everything_in_time(signup, services):
    handlers, world = services
    result = signup.run(INPUT, handlers=handlers, mock_config=MOCKS, test_case="NewUser")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"user": {"userId": "u-42", "email": "grace@example.com", "status": "STORED"},
                             "verification": {"status": "SENT", "messageId": "mail-1"},
                             "webhook": {"status": "DELIVERED", "httpStatus": 202}, "complete": True}
    assert result.duration == pytest.approx(2)  # branches overlap: the mail's 2 s is the critical path
    assert world["SENT"][0]["link"].startswith("https://example.com/verify/")
    assert world["DELIVERED"] == [{"url": INPUT["webhookUrl"], "event": "user.created", "userId": "u-42"}]


def test_a_slow_webhook_times_out_and_the_rest_is_merged(signup, services):
    handlers, world = services
    world["LATENCY"]["webhook"] = 30
    result = signup.run(INPUT, handlers=handlers, mock_config=MOCKS, test_case="NewUser")
    assert result.status == "SUCCEEDED"
    assert result.output["webhook"] == {"status": "PENDING", "reason": "States.Timeout"}
    assert result.output["verification"]["status"] == "SENT" and result.output["complete"] is False
    assert result.duration == pytest.approx(5)  # the webhook's TimeoutSeconds, not its 30 s


def test_a_busy_mail_server_is_retried_then_given_up_on(signup, services):
    handlers, world = services
    world["MAIL_BUSY_TIMES"] = 1
    retried = signup.run(INPUT, handlers=handlers, mock_config=MOCKS, test_case="NewUser")
    assert retried.output["verification"]["status"] == "SENT"
    assert retried.duration == pytest.approx(2 + 2)  # one 2 s back-off, then the 2 s send
    world["MAIL_BUSY_TIMES"] = 5
    gave_up = signup.run(INPUT, handlers=handlers, mock_config=MOCKS, test_case="NewUser")
    assert gave_up.output["verification"] == {"status": "PENDING", "reason": "MailServerBusy"}
    assert gave_up.output["complete"] is False


def test_an_existing_user_fails_the_whole_sign_up(signup, services):
    handlers, _ = services
    result = signup.run(INPUT, handlers=handlers, mock_config=MOCKS, test_case="ExistingUser")
    assert (result.status, result.error) == ("FAILED", "UserAlreadyExists")


boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")


@pytest.fixture
def users_table():
    with moto.mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="Users", KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        yield ddb


def test_the_user_lands_in_dynamodb_once(signup, services, users_table):
    handlers, _ = services
    first = signup.run(INPUT, handlers=handlers, execution_name="signup-1")
    assert first.status == "SUCCEEDED", first.cause
    item = users_table.get_item(TableName="Users", Key={"userId": {"S": "u-42"}})["Item"]
    assert item["email"] == {"S": "grace@example.com"}
    assert item["signedUpBy"]["S"].endswith(":execution:UserSignup:signup-1")
    again = signup.run(INPUT, handlers=handlers)
    assert again.error == "UserAlreadyExists"
