"""AWS services through boto3, emulated by moto: each integration's output and its effect on the service."""

import json
import subprocess
import sys

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from asl_runtime import DefinitionError, StateMachine  # noqa: E402
from asl_runtime.integrations.aws import Clients  # noqa: E402

REGION = "us-east-1"


@pytest.fixture
def aws():
    with moto.mock_aws(config={"lambda": {"use_docker": False}}):
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def table(aws):
    ddb = aws.client("dynamodb")
    ddb.create_table(TableName="Orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    return ddb


@pytest.fixture
def queue(aws):
    sqs = aws.client("sqs")
    return sqs, sqs.create_queue(QueueName="orders")["QueueUrl"]


def task(resource, parameters, **fields):
    return StateMachine.from_json({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True, **fields}}})


def received(sqs, url):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


# --------------------------------------------------------------------------- DynamoDB
def test_dynamodb_put_get_update_delete(table):
    sm = StateMachine.from_json({"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}, "status": {"S": "NEW"}}},
                "ResultPath": "$.put", "Next": "Update"},
        "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
                   "Parameters": {"TableName": "Orders", "Key": {"id": {"S.$": "$.id"}},
                                  "UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
                                  "ExpressionAttributeValues": {":s": {"S": "PAID"}}, "ReturnValues": "ALL_NEW"},
                   "ResultPath": "$.updated", "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "Orders", "Key": {"id": {"S.$": "$.id"}}},
                "ResultSelector": {"item.$": "$.Item"}, "ResultPath": "$.got", "End": True}}})
    result = sm.run({"id": "o-1"})
    assert result.status == "SUCCEEDED", result.cause
    out = result.output
    assert set(out["put"]) == {"SdkHttpMetadata", "SdkResponseMetadata"}
    assert out["put"]["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert out["updated"]["Attributes"] == {"id": {"S": "o-1"}, "status": {"S": "PAID"}}
    assert out["got"] == {"item": {"id": {"S": "o-1"}, "status": {"S": "PAID"}}}
    assert table.get_item(TableName="Orders", Key={"id": {"S": "o-1"}})["Item"]["status"] == {"S": "PAID"}

    deleted = task("arn:aws:states:::dynamodb:deleteItem",
                   {"TableName": "Orders", "Key": {"id": {"S": "o-1"}}}).run({})
    assert deleted.status == "SUCCEEDED"
    assert "Item" not in table.get_item(TableName="Orders", Key={"id": {"S": "o-1"}})


def test_dynamodb_history_names_service_action_and_parameters(table):
    params = {"TableName": "Orders", "Key": {"id": {"S": "x"}}}
    result = task("arn:aws:states:::dynamodb:getItem", params).run({}, region=REGION)
    scheduled = next(e for e in result.history if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert json.loads(scheduled.pop("parameters")) == params
    assert scheduled == {"resourceType": "dynamodb", "resource": "getItem", "region": REGION}
    assert [e["type"] for e in result.history][2:6] == ["TaskScheduled", "TaskStarted", "TaskSucceeded",
                                                        "TaskStateExited"]
    assert "Item" not in result.output  # no such item


def test_dynamodb_conditional_check_failure_is_named_as_aws_names_it(table):
    table.put_item(TableName="Orders", Item={"id": {"S": "o-1"}})
    caught = StateMachine.from_json({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
              "Parameters": {"TableName": "Orders", "Item": {"id": {"S": "o-1"}},
                             "ConditionExpression": "attribute_not_exists(id)"},
              "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "Next": "Exists"}],
              "End": True},
        "Exists": {"Type": "Pass", "End": True}}}).run({})
    assert caught.status == "SUCCEEDED"
    assert caught.output["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; " \
           "Request ID: " in caught.output["Cause"]


def test_dynamodb_missing_table(aws):
    result = task("arn:aws:states:::dynamodb:getItem", {"TableName": "Nope", "Key": {"id": {"S": "1"}}}).run({})
    assert result.error == "DynamoDB.ResourceNotFoundException"


# --------------------------------------------------------------------------- SQS, SNS, EventBridge
def test_sqs_send_message_puts_the_json_body_in_the_queue(queue):
    sqs, url = queue
    result = task("arn:aws:states:::sqs:sendMessage",
                  {"QueueUrl": url, "MessageBody": {"orderId.$": "$.id", "items": [1, 2]}}).run({"id": "o-7"})
    assert result.status == "SUCCEEDED", result.cause
    [message] = received(sqs, url)
    assert json.loads(message["Body"]) == {"orderId": "o-7", "items": [1, 2]}
    assert result.output["MessageId"] == message["MessageId"]
    assert result.output["MD5OfMessageBody"] == message["MD5OfBody"]
    assert result.output["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"


def test_sqs_missing_queue(aws):
    url = f"https://sqs.{REGION}.amazonaws.com/123456789012/nope"
    result = task("arn:aws:states:::sqs:sendMessage", {"QueueUrl": url, "MessageBody": "x"}).run({})
    assert result.error == "SQS.QueueDoesNotExistException"
    assert "Service: AmazonSQS; Status Code: 400" in result.cause


def test_sns_publish_reaches_a_subscribed_queue(aws, queue):
    sqs, url = queue
    sns = aws.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    result = task("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": {"hello.$": "$.who"}}).run(
        {"who": "world"})
    assert result.status == "SUCCEEDED", result.cause
    assert set(result.output) == {"MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}
    [message] = received(sqs, url)
    assert json.loads(message["Body"]) == {"hello": "world"}


def test_sns_missing_topic(aws):
    result = task("arn:aws:states:::sns:publish",
                  {"TopicArn": f"arn:aws:sns:{REGION}:123456789012:nope", "Message": "x"}).run({})
    assert result.error == "SNS.NotFoundException"


def test_eventbridge_put_events_delivers_to_a_rule_target(aws, queue):
    sqs, url = queue
    events = aws.client("events")
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop.orders"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": queue_arn}])
    result = task("arn:aws:states:::events:putEvents", {"Entries": [
        {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": {"orderId.$": "$.id"}}]}).run(
        {"id": "o-9"}, execution_name="run-1")
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["FailedEntryCount"] == 0 and len(result.output["Entries"]) == 1
    assert set(result.output["Entries"][0]) == {"EventId"}
    [message] = received(sqs, url)
    event = json.loads(message["Body"])
    assert event["detail"] == {"orderId": "o-9"} and event["detail-type"] == "OrderPlaced"
    assert result.execution_arn in event["resources"]


# --------------------------------------------------------------------------- AWS SDK integrations
def test_sdk_dynamodb_get_item_has_no_http_metadata(table):
    table.put_item(TableName="Orders", Item={"id": {"S": "o-1"}, "n": {"N": "3"}})
    result = task("arn:aws:states:::aws-sdk:dynamodb:getItem",
                  {"TableName": "Orders", "Key": {"id": {"S": "o-1"}}}).run({})
    assert result.output == {"Item": {"id": {"S": "o-1"}, "n": {"N": "3"}}}


def test_sdk_errors_use_the_sdk_service_name(aws):
    missing_table = task("arn:aws:states:::aws-sdk:dynamodb:getItem",
                         {"TableName": "Nope", "Key": {"id": {"S": "1"}}}).run({})
    assert missing_table.error == "DynamoDb.ResourceNotFoundException"
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in missing_table.cause
    missing_queue = task("arn:aws:states:::aws-sdk:sqs:getQueueUrl", {"QueueName": "nope"}).run({})
    assert missing_queue.error == "Sqs.QueueDoesNotExistException"
    bad_parameters = task("arn:aws:states:::aws-sdk:dynamodb:getItem", {"Table": "x"}).run({})
    assert bad_parameters.error == "DynamoDb.DynamoDbException"


def test_sdk_s3_round_trip(aws):
    aws.client("s3").create_bucket(Bucket="reports")
    sm = StateMachine.from_json({"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": "reports", "Key": "a.txt", "Body.$": "$.text"}, "ResultPath": None,
                "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "reports", "Key": "a.txt"}, "ResultSelector": {"body.$": "$.Body"},
                "End": True}}})
    result = sm.run({"text": "hello"})
    assert result.output == {"body": "hello"}
    missing = task("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": "reports", "Key": "b.txt"}).run({})
    assert missing.error == "S3.NoSuchKeyException"


def test_sdk_camel_case_apis_take_and_return_pascal_case(aws):
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(name="Inner", definition=json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    result = task("arn:aws:states:::aws-sdk:sfn:describeStateMachine", {"StateMachineArn": arn}).run({})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["StateMachineArn"] == arn and result.output["Name"] == "Inner"
    assert result.output["CreationDate"].endswith("Z")  # an ISO-8601 instant, as the SDK prints it
    unknown = task("arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                   {"StateMachineArn": arn.replace("Inner", "Nope")}).run({})
    assert unknown.error == "Sfn.StateMachineDoesNotExistException"


def test_sdk_unknown_action_is_refused_at_load_as_create_state_machine_does():
    with pytest.raises(DefinitionError) as info:
        task("arn:aws:states:::aws-sdk:dynamodb:teleportItem", {})
    [problem] = info.value.errors
    assert problem.path == "/States/T/Resource" and "teleportItem" in problem.message


# --------------------------------------------------------------------------- Lambda through boto3
@pytest.fixture
def moto_function(aws):
    import io
    import zipfile
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return event\n")
    aws.client("lambda").create_function(FunctionName="Echo", Runtime="python3.12", Role=role,
                                         Handler="handler.handler", Code={"ZipFile": code.getvalue()})
    return f"arn:aws:lambda:{REGION}:123456789012:function:Echo"


def test_lambda_without_local_handler_is_invoked_through_boto3(moto_function):
    bare = StateMachine.from_json({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": moto_function, "End": True}}}).run({"a": 1})
    assert bare.status == "SUCCEEDED" and bare.output == {"a": 1}
    wrapped = task("arn:aws:states:::lambda:invoke", {"FunctionName": "Echo", "Payload": {"b": 2}}).run({})
    assert wrapped.output["Payload"] == {"b": 2} and wrapped.output["StatusCode"] == 200


def test_a_local_handler_wins_over_the_emulated_function(moto_function):
    result = StateMachine.from_json({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": moto_function, "End": True}}}).run(
        {"a": 1}, handlers={"Echo": lambda event, context: {"local": True}})
    assert result.output == {"local": True}


def test_lambda_without_handler_or_emulator_is_not_found(monkeypatch):
    monkeypatch.delenv("ASL_AWS_ENDPOINT_URL", raising=False)
    result = task("arn:aws:states:::lambda:invoke", {"FunctionName": "Missing"}).run({})
    assert result.error == "Lambda.ResourceNotFoundException"


# --------------------------------------------------------------------------- clients and endpoints
def test_endpoint_url_from_the_environment_and_dummy_credentials(monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("ASL_AWS_ENDPOINT_URL", "http://localhost:4566")
    clients = Clients()
    client = clients.client("sqs", "eu-west-1")
    assert client.meta.endpoint_url == "http://localhost:4566"
    assert client.meta.region_name == "eu-west-1"
    assert client._request_signer._credentials.access_key == "testing"
    assert Clients("http://127.0.0.1:9999").client("dynamodb", REGION).meta.endpoint_url == "http://127.0.0.1:9999"


def test_boto3_is_imported_only_when_a_definition_calls_aws():
    code = ("import sys; from asl_runtime import StateMachine;"
            "StateMachine.from_json({'StartAt':'P','States':{'P':{'Type':'Pass','End':True}}}).run({});"
            "print('boto3' in sys.modules, 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
