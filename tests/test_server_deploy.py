"""`asl deploy` against `asl serve`: the same boto3 calls that deploy to AWS."""

import json
import subprocess
import sys
from pathlib import Path

from server_support import ROLE, client, running_server

HELLO = Path(__file__).resolve().parents[1] / "state_machines" / "hello_world" / "definition.asl.json"


def deploy(url, *args, source=HELLO):
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "deploy", str(source), *args,
                           "--endpoint-url", url], capture_output=True, text=True, timeout=60, env=env,
                          cwd=Path(__file__).resolve().parents[1])


def test_deploy_creates_then_updates_publishes_and_moves_an_alias(tmp_path):
    with running_server() as (_, url):
        sfn = client(url)
        first = deploy(url, "--name", "Hello", "--role-arn", ROLE)
        assert first.returncode == 0, first.stderr
        arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Hello"
        assert first.stdout.splitlines() == [f"created {arn}"]
        assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(HELLO.read_text())

        changed = tmp_path / "changed.asl.json"
        changed.write_text(json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
        second = deploy(url, "--name", "Hello", "--alias", "live", source=changed)
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines() == [f"updated {arn}", f"published {arn}:1",
                                              f"created alias {arn}:live -> {arn}:1"]
        third = deploy(url, "--name", "Hello", "--alias", "live")
        assert third.stdout.splitlines()[-1] == f"moved alias {arn}:live -> {arn}:2"
        routing = sfn.describe_state_machine_alias(stateMachineAliasArn=f"{arn}:live")["routingConfiguration"]
        assert routing == [{"stateMachineVersionArn": f"{arn}:2", "weight": 100}]


def test_deploy_refuses_an_invalid_definition_before_calling_anything(tmp_path):
    bad = tmp_path / "bad.asl.json"
    bad.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}))
    with running_server() as (_, url):
        completed = deploy(url, "--name", "Bad", "--role-arn", ROLE, source=bad)
        assert completed.returncode == 2 and "/States/A/Next" in completed.stderr
        assert client(url).list_state_machines()["stateMachines"] == []


def test_deploy_needs_a_role_to_create_and_cannot_change_the_type():
    with running_server() as (_, url):
        missing_role = deploy(url, "--name", "Hello")
        assert missing_role.returncode == 2 and "--role-arn" in missing_role.stderr
        assert deploy(url, "--name", "Hello", "--role-arn", ROLE).returncode == 0
        retyped = deploy(url, "--name", "Hello", "--type", "EXPRESS")
        assert retyped.returncode == 2 and "cannot change" in retyped.stderr


def test_an_aws_refusal_is_reported_with_its_name():
    with running_server() as (_, url):
        completed = deploy(url, "--name", "Hello", "--role-arn", "arn:aws:s3:::not-a-role")
        assert completed.returncode == 1 and "InvalidArn" in completed.stderr
