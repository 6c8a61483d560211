"""Versions and aliases: publishing revisions, routing executions by weight, and the rules AWS keeps."""

import json

import pytest
from botocore.exceptions import ClientError

from server_support import client, create, error_code, running_server, wait_done

ONE = {"StartAt": "V", "States": {"V": {"Type": "Pass", "Result": 1, "End": True}}}
TWO = {"StartAt": "V", "States": {"V": {"Type": "Pass", "Result": 2, "End": True}}}


@pytest.fixture
def sfn():
    with running_server() as (_, url):
        yield client(url)


def test_publishing_versions_and_running_each(sfn):
    created = sfn.create_state_machine(name="m", definition=json.dumps(ONE),
                                       roleArn="arn:aws:iam::123456789012:role/r", publish=True)
    arn, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    assert v1 == arn + ":1"
    # Publishing the same revision again is idempotent; a new revision gets the next number.
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == v1
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(TWO), publish=True,
                                       versionDescription="second")
    v2 = updated["stateMachineVersionArn"]
    assert v2 == arn + ":2"
    assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)
            ["stateMachineVersions"]] == [v2, v1]
    described = sfn.describe_state_machine(stateMachineArn=v1)
    assert described["stateMachineArn"] == v1 and json.loads(described["definition"]) == ONE
    assert sfn.describe_state_machine(stateMachineArn=v2)["description"] == "second"

    on_v1 = sfn.start_execution(stateMachineArn=v1)["executionArn"]
    done = wait_done(sfn, on_v1)
    assert done["output"] == "1" and done["stateMachineVersionArn"] == v1
    assert wait_done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])["output"] == "2"
    assert [e["executionArn"] for e in sfn.list_executions(stateMachineArn=v1)["executions"]] == [on_v1]
    assert json.loads(sfn.describe_state_machine_for_execution(executionArn=on_v1)["definition"]) == ONE


def test_publishing_a_stale_revision_is_a_conflict(sfn):
    arn = create(sfn, "m")
    revision = sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(TWO))
    with pytest.raises(ClientError) as excinfo:
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=revision)
    assert error_code(excinfo) == "ConflictException"


def test_an_alias_routes_executions_by_weight(sfn):
    arn = create(sfn, "m", ONE)
    v1 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(TWO))
    v2 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(name="live", description="prod", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"]
    assert alias == arn + ":live"
    assert sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["routingConfiguration"] == [
        {"stateMachineVersionArn": v1, "weight": 100}]
    done = wait_done(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"])
    assert done["output"] == "1" and done["stateMachineAliasArn"] == alias and done["stateMachineVersionArn"] == v1

    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    outputs = {wait_done(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"])["output"]
               for _ in range(40)}
    assert outputs == {"1", "2"}  # both versions get traffic (chance of missing one: 2 * 0.5**40)
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=arn)
            ["stateMachineAliases"]] == [alias]

    with pytest.raises(ClientError) as excinfo:
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert error_code(excinfo) == "ConflictException"  # the alias still routes to it
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)
            ["stateMachineVersions"]] == [v2]
    with pytest.raises(ClientError) as excinfo:
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert error_code(excinfo) == "ResourceNotFound"


def test_routing_configurations_are_checked(sfn):
    arn = create(sfn, "m", ONE)
    v1 = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    with pytest.raises(ClientError) as excinfo:
        sfn.create_state_machine_alias(name="half", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 60}])
    assert error_code(excinfo) == "ValidationException"
    assert excinfo.value.response["Error"]["Message"].startswith("Sum of routing configuration weights")
    with pytest.raises(ClientError) as excinfo:
        sfn.create_state_machine_alias(name="ghost", routingConfiguration=[
            {"stateMachineVersionArn": arn + ":9", "weight": 100}])
    assert error_code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        sfn.create_state_machine_alias(name="three", routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 34}] * 3)
    assert error_code(excinfo) == "ValidationException"  # the model allows at most two routes
