"""HTTP Tasks in `asl serve`: `--connections` gives the server's executions their EventBridge connections.

The API is a loopback server the test starts; the client is boto3 (and `asl serve` itself as a
process for the flag), as a user would drive it.
"""

from __future__ import annotations

import base64
import json

from asl_runtime.integrations.connections import Connections
from asl_runtime.server import ServerConfig
from server_support import ROLE, client, running_server, serve_process, wait_done

ARN = "arn:aws:events:us-east-1:123456789012:connection/Partners/5f0e4f3c-1111-4c1e-9b4a-0123456789ab"
BASIC = {"BasicAuthParameters": {"Username": "svc", "Password": "s3cr3t-pa55word"}}


def _definition(url: str) -> str:
    return json.dumps({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Parameters": {"ApiEndpoint": url, "Method": "POST", "RequestBody": {"order.$": "$.order"},
                       "Authentication": {"ConnectionArn": ARN}}}}})


def test_an_execution_calls_the_api_with_the_servers_connection_and_keeps_the_secret_out(api):
    with running_server(connections=Connections.load({ARN: BASIC})) as (_, url):
        sfn = client(url)
        arn = sfn.create_state_machine(name="CallPartner", roleArn=ROLE,
                                       definition=_definition(api.url("/orders")))["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input='{"order": 7}')["executionArn"]
        described = wait_done(sfn, execution)
        assert described["status"] == "SUCCEEDED", described
        output = json.loads(described["output"])
        assert output["StatusCode"] == 200 and json.loads(output["ResponseBody"]["body"]) == {"order": 7}
        (request,) = api.received
        assert request.header("Authorization") == "Basic " + base64.b64encode(b"svc:s3cr3t-pa55word").decode()
        history = json.dumps(sfn.get_execution_history(executionArn=execution)["events"], default=str)
        assert "TaskSucceeded" in history
        assert "s3cr3t-pa55word" not in history and base64.b64encode(b"svc:s3cr3t-pa55word").decode() not in history


def test_without_the_connection_the_task_fails_naming_it(api):
    with running_server() as (_, url):
        sfn = client(url)
        arn = sfn.create_state_machine(name="CallPartner", roleArn=ROLE,
                                       definition=_definition(api.url("/orders")))["stateMachineArn"]
        described = wait_done(sfn, sfn.start_execution(stateMachineArn=arn, input='{"order": 1}')["executionArn"])
        assert described["status"] == "FAILED"
        assert ARN in described["cause"] and "--connections" in described["cause"]
        assert api.received == []


def test_asl_serve_reads_the_connections_file(api, tmp_path):
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps({ARN: BASIC}))
    with serve_process("--connections", str(connections)) as (_, url):
        sfn = client(url)
        arn = sfn.create_state_machine(name="CallPartner", roleArn=ROLE,
                                       definition=_definition(api.url("/orders")))["stateMachineArn"]
        described = wait_done(sfn, sfn.start_execution(stateMachineArn=arn, input='{"order": 2}')["executionArn"])
        assert described["status"] == "SUCCEEDED", described
    assert api.received[0].header("Authorization").startswith("Basic ")


def test_a_bad_connections_file_stops_asl_serve_with_a_usage_error(tmp_path):
    import subprocess
    import sys

    broken = tmp_path / "connections.json"
    broken.write_text("{not json")
    completed = subprocess.run([sys.executable, "-m", "asl_runtime.cli.main", "serve", "--port", "0",
                                "--connections", str(broken)], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "--connections" in completed.stderr and "not valid JSON" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_every_run_and_test_state_call_gets_the_servers_task_options():
    connections = Connections.load({ARN: BASIC})
    options = ServerConfig(allow_aws=True, connections=connections, handlers={"f": print}).task_options()
    assert options["allow_aws"] is True and options["connections"] is connections and "f" in options["handlers"]
    assert "allow_aws" not in ServerConfig().task_options()
