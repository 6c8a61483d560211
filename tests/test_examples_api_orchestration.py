"""state_machines/api_orchestration: two HTTP APIs called at once, each leg guarded, one merge.

The tests start both APIs on loopback (one server, two path prefixes) and give the bundled
connections file, with the Orders API's OAuth token endpoint pointed at that server."""

import json

import pytest

from example_support import example_dir, example_input, example_machine
from http_support import basic_credentials, silent_server, start_api

HERE = example_dir("api_orchestration")
PROFILE = "arn:aws:events:us-east-1:123456789012:connection/ProfileApi/6f0d3c1e-1b4f-4a4e-9a52-1f3b2c7d9e01"
ORDERS = "arn:aws:events:us-east-1:123456789012:connection/OrdersApi/0c7a51d2-8e3b-4d6f-b1a9-5e2f4c8d7a10"
JSON = {"Content-Type": "application/json"}
ORDER_LIST = [{"id": "o-1", "total": 1999}, {"id": "o-2", "total": 500}]


@pytest.fixture
def api():
    server = start_api()
    server.routes["/oauth/token"] = lambda r: (
        (200, JSON, {"access_token": "orders-token", "expires_in": 3600})
        if basic_credentials(r) == ("orders-client", "replace-with-the-client-secret")
        else (401, JSON, {"error": "invalid_client"}))
    server.routes["/v1/customers/cus_81"] = lambda r: (
        (200, JSON, {"id": "cus_81", "name": "Ada"}) if r.header("X-Api-Key") else (401, JSON, {}))
    server.routes["/v2/orders"] = lambda r: (
        (200, JSON, {"orders": ORDER_LIST}) if r.header("Authorization") == "Bearer orders-token"
        else (401, JSON, {}))
    yield server
    server.server.shutdown()
    server.server.server_close()


def connections(api):
    mapping = json.loads((HERE / "connections.json").read_text())
    mapping[ORDERS]["OAuthParameters"]["AuthorizationEndpoint"] = api.url("/oauth/token")
    return mapping


def run(api, profile_base=None, **overrides):
    data = {**example_input("api_orchestration"), **overrides}
    data["apis"] = {"profile": profile_base or api.base, "orders": api.base}
    return example_machine("api_orchestration").run(data, connections=connections(api))


def test_both_legs_answer_and_the_merge_is_complete(api):
    result = run(api)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"status": "COMPLETE", "customerId": "cus_81",
                             "profile": {"id": "cus_81", "name": "Ada"}, "orders": ORDER_LIST}
    orders_call = api.last("/v2/orders")
    assert orders_call.query_pairs == [("customer", "cus_81"), ("status", "open"), ("limit", "5")]
    assert api.last("/v1/customers/cus_81").header("X-Api-Key") == "replace-with-the-profile-api-key"


def test_a_failing_leg_is_retried_then_reported_in_a_partial_answer(api):
    api.routes["/v2/orders"] = lambda r: (503, JSON, {"message": "maintenance"})
    result = run(api)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["status"] == "PARTIAL"
    assert result.output["profile"] == {"status": "OK", "data": {"id": "cus_81", "name": "Ada"}}
    assert result.output["orders"] == {"status": "UNAVAILABLE", "error": "States.Http.StatusCode.503",
                                       "cause": "Service Unavailable"}
    assert len(api.calls("/v2/orders")) == 3  # the first try and two retries


def test_a_leg_that_never_answers_times_out_and_the_other_still_arrives(api):
    silent = silent_server()
    try:
        result = run(api, profile_base=f"http://127.0.0.1:{silent.getsockname()[1]}", legTimeoutSeconds=1)
    finally:
        silent.close()
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["status"] == "PARTIAL"
    assert result.output["profile"] == {"status": "UNAVAILABLE", "error": "States.Timeout", "cause": ""}
    assert result.output["orders"] == {"status": "OK", "data": ORDER_LIST}


def test_an_unreachable_api_is_a_socket_error_in_the_partial_answer(api):
    from http_support import closed_port

    result = run(api, profile_base=f"http://127.0.0.1:{closed_port()}")
    assert result.output["status"] == "PARTIAL"
    assert result.output["profile"]["error"] == "States.Http.Socket"
    assert "refused" in result.output["profile"]["cause"]


def test_the_real_clock_runs_both_legs_concurrently(api):
    data = {**example_input("api_orchestration"), "apis": {"profile": api.base, "orders": api.base}}
    result = example_machine("api_orchestration").run(data, connections=connections(api), clock="real")
    assert result.output["status"] == "COMPLETE"


def test_the_bundled_connections_file_is_the_run_option_shape():
    from asl_runtime.integrations.connections import Connections

    loaded = Connections.load(HERE / "connections.json")
    assert PROFILE in loaded and ORDERS in loaded
