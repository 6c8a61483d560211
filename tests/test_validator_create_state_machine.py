"""Definitions CreateStateMachine refuses: each test is a definition AWS rejects (or accepts) at creation.

Sources: the AWS docs pages "Integrating optimized services with Step Functions" and each service's
page (which actions and patterns exist), "Step Functions service quotas" (1 MB definitions, names),
the Task state's Credentials field, the Map state's ItemReader and Label, and botocore's service
models for AWS SDK service and action names.
"""

import json
import os
import subprocess
import sys

import pytest

from asl_runtime import DefinitionError, StateMachine
from asl_runtime.definition import task_resources
from asl_runtime.definition.validator import validate


def task(resource, **fields):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **fields}}}


def messages(definition, **kwargs):
    return [(p.path, p.message) for p in validate(definition, **kwargs)]


# --------------------------------------------------------------------------- Resource
@pytest.mark.parametrize("resource, words", [
    ("arn:aws:states:::dynamodb:scan", ["no action 'scan'", "aws-sdk:dynamodb:scan"]),
    ("arn:aws:states:::lambda:invoke.sync", ["does not support the .sync pattern", ".waitForTaskToken"]),
    ("arn:aws:states:::sqs:sendMessage.sync", ["does not support the .sync pattern"]),
    ("arn:aws:states:::dynamodb:putItem.waitForTaskToken", ["does not support the .waitForTaskToken"]),
    ("arn:aws:states:::foobar:doThing", ["'foobar' is not a Step Functions optimized integration"]),
    ("arn:aws:states:::dynamodb:GetItem", ["did you mean getItem?"]),
    ("arn:aws:states:::lambda:invoke.later", [".later is not an integration pattern"]),
    ("hello", ["not a valid resource ARN"]),
    ("arn:aws:s3:::my-bucket", ["not a resource a Task can call"]),
    ("arn:aws:states:us-east-1:123456789012:lambda:invoke", ["leave region and account empty"]),
    ("arn:aws:lambda:us-east-1:123456789012:layer:x", ["not a Lambda function ARN"]),
    ("arn:aws:states:::aws-sdk:teleport:sendItem", ["'teleport' is not an AWS SDK service name"]),
    ("arn:aws:states:::aws-sdk:dynamodb:teleportItem", ["'dynamodb' has no action 'teleportItem'"]),
    ("arn:aws:states:::aws-sdk:s3:getObject.sync", ["not .sync"]),
    ("arn:aws:states:::aws-sdk:dynamodb", ["does not name an AWS SDK service and action"]),
])
def test_a_resource_aws_does_not_recognise_is_refused_at_the_resource(resource, words):
    [(path, message)] = messages(task(resource))
    assert path == "/States/T/Resource"
    for word in words:
        assert word in message


def test_a_placeholder_left_in_the_resource_says_definition_substitutions_were_not_applied():
    [(path, message)] = messages(task("${ChargeFunctionArn}"))
    assert path == "/States/T/Resource"
    assert "${ChargeFunctionArn}" in message and "DefinitionSubstitutions were not applied" in message
    [(_, message)] = messages(task("arn:aws:lambda:${AWS::Region}:123456789012:function:f"))
    assert "${AWS::Region}" in message


@pytest.mark.parametrize("resource", [
    "arn:aws:lambda:us-east-1:123456789012:function:Charge",
    "arn:aws:lambda:us-east-1:123456789012:function:Charge:live",
    "arn:aws-cn:lambda:cn-north-1:123456789012:function:Charge",
    "arn:aws:states:us-east-1:123456789012:activity:Review",
    "arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::ecs:runTask.sync",
    "arn:aws:states:::glue:startJobRun.sync", "arn:aws:states:::batch:submitJob.sync",
    "arn:aws:states:::sagemaker:createTrainingJob.sync", "arn:aws:states:::codebuild:startBuildBatch.sync",
    "arn:aws:states:::athena:startQueryExecution.sync", "arn:aws:states:::eks:call",
    "arn:aws:states:::http:invoke", "arn:aws:states:::bedrock:invokeModel",
    "arn:aws:states:::events:putEvents.waitForTaskToken", "arn:aws:states:::apigateway:invoke",
    # AWS SDK names are the Java SDK v2 client names: sfn, eventbridge, cloudwatchlogs, ...
    "arn:aws:states:::aws-sdk:s3:getObject", "arn:aws:states:::aws-sdk:sfn:startExecution",
    "arn:aws:states:::aws-sdk:eventbridge:putEvents", "arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents",
    "arn:aws:states:::aws-sdk:elasticloadbalancingv2:describeLoadBalancers",
    "arn:aws:states:::aws-sdk:databasemigration:describeReplicationTasks",
    "arn:aws:states:::aws-sdk:ec2:describeInstances.waitForTaskToken",
])
def test_resources_aws_recognises_are_accepted(resource):
    # The HTTP Task's Parameters are required (tests/test_http_task.py checks them).
    fields = {"Parameters": HTTP_PARAMETERS} if resource == "arn:aws:states:::http:invoke" else {}
    assert messages(task(resource, **fields)) == []


HTTP_PARAMETERS = {"ApiEndpoint": "https://api.example.com", "Method": "GET", "Authentication": {
    "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/Api/0c7a51d2"}}


def test_sdk_service_names_come_from_botocore_models_not_a_list():
    index = task_resources.sdk_index()
    # Every model botocore ships is reachable by its SDK name; spot-check the renamed ones.
    assert len(index) > 300
    assert task_resources.sdk_model_for("sfn") == "stepfunctions"
    assert task_resources.sdk_model_for("cloudwatchlogs") == "logs"
    assert task_resources.sdk_model_for("cognitoidentityprovider") == "cognito-idp"
    assert task_resources.sdk_name("Config Service") == "config"
    assert task_resources.sdk_name("ACM PCA") == "acmpca"


def test_validating_a_definition_without_sdk_tasks_imports_no_aws_library():
    code = ("import sys; from asl_runtime.definition.validator import validate; "
            "assert validate({'StartAt': 'T', 'States': {'T': {'Type': 'Task', 'End': True, "
            "'Resource': 'arn:aws:states:::dynamodb:getItem'}}}) == []; "
            "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- size
def test_a_definition_over_one_megabyte_is_refused():
    big = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * 1_048_576, "End": True}}}
    [(path, message)] = messages(big)
    assert path == "" and "1,048,576" in message
    fits = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "x" * 1_000_000, "End": True}}}
    assert messages(fits) == []


# --------------------------------------------------------------------------- Credentials
def test_credentials_take_a_role_arn():
    role = "arn:aws:iam::123456789012:role/Target"
    ok = "arn:aws:states:::lambda:invoke"
    assert messages(task(ok, Credentials={"RoleArn": role})) == []
    assert messages(task(ok, Credentials={"RoleArn.$": "$.role"})) == []
    [(path, message)] = messages(task(ok, Credentials={}))
    assert path == "/States/T/Credentials" and "RoleArn" in message
    [(path, message)] = messages(task(ok, Credentials={"RoleArn": role, "ExternalId": "x"}))
    assert path == "/States/T/Credentials/ExternalId" and "not supported" in message
    [(path, _)] = messages(task(ok, Credentials={"RoleArn": role, "RoleArn.$": "$.role"}))
    assert path == "/States/T/Credentials/RoleArn.$"


def test_jsonata_credentials_have_no_dollar_suffixed_role_arn():
    definition = task("arn:aws:states:::lambda:invoke", QueryLanguage="JSONata",
                      Credentials={"RoleArn.$": "$.role"})
    paths = [path for path, _ in messages(definition)]
    assert "/States/T/Credentials/RoleArn.$" in paths and "/States/T/Credentials" in paths


# --------------------------------------------------------------------------- Map
def distributed(**map_fields):
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, **map_fields,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}


def test_reader_config_takes_max_items_or_max_items_path_not_both():
    reader = {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"},
              "ReaderConfig": {"InputType": "JSON", "MaxItems": 10, "MaxItemsPath": "$.n"}}
    [(path, message)] = messages(distributed(ItemReader=reader))
    assert path == "/States/M/ItemReader/ReaderConfig/MaxItemsPath" and "both" in message


def test_an_empty_label_is_refused_like_an_overlong_or_special_one():
    assert [p for p, _ in messages(distributed(Label=""))] == ["/States/M/Label"]
    assert [p for p, _ in messages(distributed(Label="x" * 41))] == ["/States/M/Label"]
    assert [p for p, _ in messages(distributed(Label="my label"))] == ["/States/M/Label"]
    assert messages(distributed(Label="Ingest")) == []


# --------------------------------------------------------------------------- ResultPath, Timestamp
@pytest.mark.parametrize("result_path", ["$foo", "$foo.bar", "$$.Execution"])
def test_result_path_cannot_name_a_variable_or_the_context(result_path):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": result_path, "End": True}}}
    [(path, message)] = messages(definition)
    assert path == "/States/P/ResultPath" and "must start with $" in message


def test_catcher_result_path_cannot_name_a_variable():
    definition = task("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f"},
                      Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$err", "Next": "Done"}])
    definition["States"]["Done"] = {"Type": "Succeed"}
    assert [p for p, _ in messages(definition)] == ["/States/T/Catch/0/ResultPath"]


@pytest.mark.parametrize("result_path", ["$", "$.result", "$['a b']", None])
def test_result_paths_into_the_output_are_accepted(result_path):
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": result_path, "End": True}}}
    assert messages(definition) == []


def test_a_jsonata_timestamp_in_a_jsonpath_wait_is_refused():
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "{% $now() %}", "End": True}}}
    [(path, message)] = messages(definition)
    assert path == "/States/W/Timestamp" and "JSONata" in message
    definition["QueryLanguage"] = "JSONata"
    assert messages(definition) == []


# --------------------------------------------------------------------------- EXPRESS
@pytest.mark.parametrize("resource, words", [
    ("arn:aws:states:::states:startExecution.sync:2", ".sync:2"),
    ("arn:aws:states:::ecs:runTask.sync", ".sync"),
    ("arn:aws:states:::lambda:invoke.waitForTaskToken", ".waitForTaskToken"),
    ("arn:aws:states:::aws-sdk:s3:getObject.waitForTaskToken", ".waitForTaskToken"),
    ("arn:aws:states:us-east-1:123456789012:activity:Review", "activity"),
])
def test_express_machines_refuse_jobs_callbacks_and_activities(resource, words):
    definition = task(resource, Parameters={"FunctionName": "f"}) if "lambda" in resource else task(resource)
    assert messages(definition) == [] and messages(definition, state_machine_type="STANDARD") == []
    [(path, message)] = messages(definition, state_machine_type="EXPRESS")
    assert path == "/States/T/Resource" and words in message and "EXPRESS" in message


def test_express_machines_accept_request_response_tasks_even_inside_maps():
    inner = task("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "f"})
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": inner}}}
    assert messages(definition, state_machine_type="EXPRESS") == []
    inner["States"]["T"]["Resource"] += ".waitForTaskToken"
    assert [p for p, _ in messages(definition, state_machine_type="EXPRESS")] == \
        ["/States/M/ItemProcessor/States/T/Resource"]


def test_state_machine_run_as_express_refuses_a_callback_task():
    machine = StateMachine.from_json(json.dumps(task("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                                     Parameters={"QueueUrl": "q", "MessageBody": "m"})))
    with pytest.raises(DefinitionError) as info:
        machine.run({}, state_machine_type="EXPRESS")
    assert info.value.errors[0].path == "/States/T/Resource"
