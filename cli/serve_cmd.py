"""`asl serve`: the Step Functions API on this machine, for every AWS SDK and the AWS CLI."""

from __future__ import annotations

import os
import sys

import click

#: Per-service endpoints as Step Functions Local names them -> the variable boto3 reads for that service.
SERVICE_ENDPOINT_VARIABLES = {"LAMBDA_ENDPOINT": "AWS_ENDPOINT_URL_LAMBDA", "SQS_ENDPOINT": "AWS_ENDPOINT_URL_SQS",
                              "SNS_ENDPOINT": "AWS_ENDPOINT_URL_SNS", "DYNAMODB_ENDPOINT": "AWS_ENDPOINT_URL_DYNAMODB",
                              "EVENTBRIDGE_ENDPOINT": "AWS_ENDPOINT_URL_EVENTBRIDGE",
                              "STEP_FUNCTIONS_ENDPOINT": "AWS_ENDPOINT_URL_SFN"}


def route_aws_calls(endpoint_url: str | None) -> dict[str, str]:
    """Point the Tasks' AWS calls at the configured endpoints (this process is the server's own).

    `--aws-endpoint-url` is every service's endpoint; LAMBDA_ENDPOINT, SQS_ENDPOINT, ... one
    service's, and win over it for that service.
    """
    routes = {}
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = routes["*"] = endpoint_url  # boto3's own: a service's own wins
    for variable, boto_variable in SERVICE_ENDPOINT_VARIABLES.items():
        if os.environ.get(variable):
            os.environ[boto_variable] = routes[variable] = os.environ[variable]
    return routes


def _env(var):
    return lambda: os.environ.get(var) or None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on; anything but loopback exposes the API to the network")
@click.option("--port", default=8083, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port")
@click.option("--db", type=click.Path(dir_okay=False), help="SQLite database file (kept across restarts); "
              "in memory when not given")
@click.option("--handlers", "handlers_files", multiple=True, type=click.Path(dir_okay=False),
              help="Python file whose top-level functions are Lambda handlers, keyed by name [env ASL_HANDLERS]")
@click.option("--mock-config", default=_env("SFN_MOCK_CONFIG"), type=click.Path(dir_okay=False),
              help="MockConfigFile; StartExecution on 'stateMachineArn#TestCase' runs that test case "
                   "[env SFN_MOCK_CONFIG]")
@click.option("--clock", type=click.Choice(["real", "virtual"]), default="real", show_default=True,
              help="virtual: Waits and back-offs take no real time")
@click.option("--wait-time-scale", type=click.FloatRange(min=0), default=_env("WAIT_TIME_SCALE"),
              help="Step Functions Local's wait scale: a Wait or retry back-off of N seconds takes "
                   "N * X real seconds (0: none) [env WAIT_TIME_SCALE]")
@click.option("--connections", "connections_file", type=click.Path(dir_okay=False),
              help="JSON file: EventBridge connection ARN -> its authorization, for HTTP Tasks")
@click.option("--aws-endpoint-url", help="send every AWS call a Task makes to this endpoint (moto, LocalStack)")
@click.option("--allow-aws", is_flag=True, default=lambda: os.environ.get("ASL_ALLOW_AWS") == "1",
              help="let Tasks call real AWS when no endpoint is configured [env ASL_ALLOW_AWS=1]")
@click.option("--account-id", default=_env("AWS_ACCOUNT_ID"), help="[env AWS_ACCOUNT_ID] default 123456789012")
@click.option("--region", default=_env("AWS_DEFAULT_REGION"), help="[env AWS_DEFAULT_REGION] default us-east-1")
@click.option("--verbose", is_flag=True, help="log every request on stderr")
def serve(host, port, db, handlers_files, mock_config, clock, wait_time_scale, connections_file, aws_endpoint_url,
          allow_aws, account_id, region, verbose):
    """Serve the Step Functions API (AWS JSON 1.0) on HTTP, as Step Functions Local does."""
    from asl_runtime.integrations.connections import Connections, ConnectionsError
    from asl_runtime.integrations.mocks import MockConfig, MockConfigError
    from asl_runtime.server import Server, ServerConfig, SqliteStore, StepFunctions

    from .main import _fail_usage, _load_handlers

    handlers = _load_handlers(handlers_files)
    mocks = None
    if mock_config:
        try:
            mocks = MockConfig.load(mock_config)
        except (OSError, MockConfigError) as exc:
            _fail_usage(f"--mock-config {mock_config}: {exc}")
    connections = None
    if connections_file:
        try:
            connections = Connections.load(connections_file)
        except ConnectionsError as exc:
            _fail_usage(f"--connections: {exc}")
    endpoints = route_aws_calls(aws_endpoint_url)
    config = ServerConfig(account_id=account_id or "123456789012", region=region or "us-east-1", clock=clock,
                          handlers=handlers, mock_config=mocks, wait_time_scale=wait_time_scale,
                          endpoint_url=aws_endpoint_url, allow_aws=allow_aws, service_endpoints=endpoints,
                          connections=connections)
    try:
        store = SqliteStore(db)
    except Exception as exc:  # noqa: BLE001 - sqlite3 raises several kinds for an unusable file
        _fail_usage(f"--db {db}: cannot open the database: {exc}")
    service = StepFunctions(config, store)
    try:
        server = Server(service, host, port, verbose=verbose)
    except OSError as exc:
        _fail_usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"asl serve: warning: listening on {host}: anyone who can reach this address can start "
                   f"executions and run your handlers; there is no authentication", err=True)
    service.resume_running()
    click.echo(f"Starting server on port {server.port}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
