"""Tests drive `asl serve` as users do: boto3 (and the AWS CLI) against a loopback port.

StartSyncExecution and TestState carry botocore's `sync-` host prefix; against a local endpoint
the prefixed host does not resolve, so clients here turn the injection off
(`inject_host_prefix=False`, or `AWS_DISABLE_HOST_PREFIX_INJECTION=true` for the CLI).
"""

from __future__ import annotations

import contextlib
import json

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "End": True}}}


def client(endpoint: str, **config):
    return boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}, **config))


@contextlib.contextmanager
def running_server(**options):
    """An in-process server on a free loopback port (its own in-memory database unless db= is given)."""
    from asl_runtime.server import ServerConfig, start_server

    db = options.pop("db", None)
    server = start_server(port=0, db=db, config=ServerConfig(**options))
    try:
        yield server, f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def create(sfn, name="hello", definition=PASS, **kwargs) -> str:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    return sfn.create_state_machine(name=name, definition=text, roleArn=ROLE, **kwargs)["stateMachineArn"]


def wait_done(sfn, execution_arn: str, timeout: float = 10.0) -> dict:
    """DescribeExecution until the execution leaves RUNNING (polling, as SDK users do)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.01)


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@contextlib.contextmanager
def serve_process(*args, env=None):
    """`asl serve --port 0 ARGS` in a subprocess; yields (process, endpoint URL) once it listens."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "asl_runtime.cli.main", "serve", "--port", "0", *args]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ASL_", "SFN_", "WAIT_TIME"))}
    environment.update(env or {})
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        line = process.stdout.readline()
        if not line.startswith("Starting server on port "):
            process.kill()
            raise AssertionError(f"asl serve did not start: {line!r} {process.stderr.read()}")
        host = next((args[i + 1] for i, a in enumerate(args) if a == "--host"), "127.0.0.1")
        yield process, f"http://{host}:{int(line.rsplit(' ', 1)[1])}"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()
        process.stderr.close()


def aws_cli(endpoint: str, *args) -> dict:
    """`aws stepfunctions ARGS --endpoint-url ENDPOINT` as JSON (credentials are dummies)."""
    import os
    import subprocess

    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
           "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"}
    completed = subprocess.run(["aws", "stepfunctions", *args, "--endpoint-url", endpoint, "--output", "json"],
                               capture_output=True, text=True, timeout=60, env=env)
    if completed.returncode != 0:
        raise AssertionError(completed.stderr)
    return json.loads(completed.stdout) if completed.stdout.strip() else {}
