"""The HTTP Task (arn:aws:states:::http:invoke) against a loopback API the tests start.

Expected requests and results follow the AWS guide "Call HTTPS APIs in Step Functions
workflows" (its examples are reproduced where it gives them).
"""

import base64
import json
import urllib.parse

import pytest
from hypothesis import given, seed, settings, strategies as st

from asl_runtime import ConnectionsError, StateMachine
from asl_runtime.definition.validator import validate
from asl_runtime.integrations import http as http_task
from asl_runtime.integrations.connections import MASK, Connections
from asl_runtime.integrations.http import form_encode
from http_support import basic_credentials, closed_port, silent_server

HTTP = "arn:aws:states:::http:invoke"
ARN = "arn:aws:events:us-east-1:123456789012:connection/Orders/81210c42-8af1-456b-9c4a-6ff02fc664ac"
API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "key-0123456789"}}


def task(**parameters):
    if "Method.$" not in parameters:
        parameters.setdefault("Method", "GET")
    parameters.setdefault("Authentication", {"ConnectionArn": ARN})
    return {"Type": "Task", "Resource": HTTP, "Parameters": parameters, "End": True}


def machine(state, **extra):
    return StateMachine.from_json({"StartAt": "Call", "States": {"Call": {**state, **extra}}})


def call(api, path="/echo", input=None, connections=None, state_extra=None, **parameters):
    parameters.setdefault("ApiEndpoint", api.url(path))
    sm = machine(task(**parameters), **(state_extra or {}))
    return sm.run(input or {}, connections={ARN: API_KEY} if connections is None else connections)


# --------------------------------------------------------------------------- the request
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_every_method_reaches_the_api(api, method):
    result = call(api, Method=method)
    assert result.status == "SUCCEEDED", result.cause
    assert api.last().method == method
    assert result.output["StatusCode"] == 200 and result.output["StatusText"] == "OK"
    if method == "HEAD":
        assert result.output["ResponseBody"] == ""  # a HEAD answer has no body
    else:
        assert result.output["ResponseBody"]["method"] == method


def test_step_functions_sets_user_agent_range_and_host(api):
    result = machine(task(ApiEndpoint=api.url("/echo"))).run({}, connections={ARN: API_KEY}, region="eu-west-1")
    assert result.status == "SUCCEEDED"
    request = api.last()
    assert request.header("User-Agent") == "Amazon|StepFunctions|HttpInvoke|eu-west-1"
    assert request.header("Range") == "bytes=0-262144"
    assert request.header("Host") == f"127.0.0.1:{api.server.server_port}"


def test_request_body_is_compact_json_by_default(api):
    result = call(api, Method="POST", input={"CardNumber": "1234567890", "ExpiryDate": "09/25"},
                  RequestBody={"Card": {"Number.$": "$.CardNumber", "Expiry.$": "$.ExpiryDate",
                                        "Name": "John Doe"}})
    assert result.status == "SUCCEEDED"
    request = api.last()
    assert request.text == '{"Card":{"Number":"1234567890","Expiry":"09/25","Name":"John Doe"}}'
    assert request.header("Content-Type") == "application/json; charset=UTF-8"


def test_a_string_request_body_is_sent_as_it_is(api):
    call(api, Method="POST", RequestBody="plain words", Headers={"Content-Type": "text/plain"})
    assert api.last().text == "plain words"
    assert api.last().header("Content-Type") == "text/plain"


def test_no_request_body_sends_none(api):
    call(api, Method="GET")
    assert api.last().body == b"" and api.last().header("Content-Type") is None


def test_query_parameters_are_url_encoded_after_the_endpoint(api):
    result = call(api, "/v1/customers/search", QueryParameters={"currency": "usd", "name": "John Doe"})
    assert result.status == "SUCCEEDED"
    assert api.last().path == "/v1/customers/search"
    assert api.last().query == "currency=usd&name=John%20Doe"


def test_query_parameters_join_a_query_already_in_the_endpoint(api):
    call(api, "/search?page=2", QueryParameters={"q": "a&b"})
    assert api.last().query_pairs == [("page", "2"), ("q", "a&b")]


def test_query_parameters_from_a_path(api):
    call(api, input={"q": {"limit": 10, "tags": ["x", "y"]}}, **{"QueryParameters.$": "$.q"})
    assert api.last().query_pairs == [("limit", "10"), ("tags[0]", "x"), ("tags[1]", "y")]


def test_endpoint_and_method_from_the_input(api):
    sm = machine(task(**{"ApiEndpoint.$": "States.Format('{}/v1/customers/{}', $.base, $.customer_id)",
                         "Method.$": "$.method"}))
    result = sm.run({"base": api.base, "customer_id": "1234567890", "method": "DELETE"},
                    connections={ARN: API_KEY})
    assert result.status == "SUCCEEDED", result.cause
    assert (api.last().method, api.last().path) == ("DELETE", "/v1/customers/1234567890")


def test_jsonata_arguments(api):
    definition = {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": HTTP, "End": True,
        "Arguments": {"ApiEndpoint": "{% $states.input.base & '/items/' & $states.input.id %}",
                      "Method": "POST", "Authentication": {"ConnectionArn": ARN},
                      "RequestBody": {"count": "{% $states.input.n * 2 %}"}},
        "Output": "{% $states.result.ResponseBody %}"}}}
    result = StateMachine.from_json(definition).run({"base": api.base, "id": "7", "n": 21},
                                                   connections={ARN: API_KEY})
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["path"] == "/items/7"
    assert json.loads(result.output["body"]) == {"count": 42}


# --------------------------------------------------------------------------- URL-encoded bodies
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("array_format, expected", [
    # The AWS guide's encodings of {"array": ["a","b","c","d"]}, brackets percent-encoded as sent.
    ("INDICES", "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&array%5B3%5D=d"),
    ("REPEAT", "array=a&array=b&array=c&array=d"),
    ("COMMAS", "array=a,b,c,d"),
    ("BRACKETS", "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&array%5B%5D=d"),
])
def test_url_encoded_body_for_each_array_format(api, array_format, expected):
    result = call(api, Method="POST", Headers=FORM, RequestBody={"array": ["a", "b", "c", "d"]},
                  Transform={"RequestBodyEncoding": "URL_ENCODED",
                             "RequestEncodingOptions": {"ArrayFormat": array_format}})
    assert result.status == "SUCCEEDED", result.cause
    assert api.last().text == expected
    assert api.last().header("Content-Type") == "application/x-www-form-urlencoded"


def test_url_encoding_defaults_to_indices(api):
    call(api, Method="POST", Headers=FORM, RequestBody={"a": ["x", "y"]},
         Transform={"RequestBodyEncoding": "URL_ENCODED"})
    assert urllib.parse.unquote(api.last().text) == "a[0]=x&a[1]=y"


def test_the_guides_invoice_request(api):
    """AWS guide, HTTP Task example: the Stripe invoice body Step Functions sends."""
    result = call(api, "/v1/invoices", Method="POST", Headers=FORM,
                  RequestBody={"description": "Monthly subscription",
                               "metadata": {"order_details": "monthly report data"},
                               "customer.$": "$.customer_id"},
                  Transform={"RequestBodyEncoding": "URL_ENCODED",
                             "RequestEncodingOptions": {"ArrayFormat": "INDICES"}},
                  input={"customer_id": "1234567890"})
    assert result.status == "SUCCEEDED"
    assert api.last().text == ("description=Monthly%20subscription&metadata%5Border_details%5D="
                               "monthly%20report%20data&customer=1234567890")


def test_url_encoding_nests_objects_in_arrays(api):
    body = {"items": [{"sku": "a-1", "qty": 2}, {"sku": "b 2", "qty": 1}], "gift": True, "note": None}
    assert urllib.parse.unquote(form_encode(body, "INDICES")) == \
        "items[0][sku]=a-1&items[0][qty]=2&items[1][sku]=b 2&items[1][qty]=1&gift=true&note="
    assert urllib.parse.unquote(form_encode(body, "BRACKETS")) == \
        "items[][sku]=a-1&items[][qty]=2&items[][sku]=b 2&items[][qty]=1&gift=true&note="
    assert urllib.parse.unquote(form_encode({"n": [1, 2.5]}, "COMMAS")) == "n=1,2.5"


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@seed(20261204)
@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(alphabet="abcxyz_", min_size=1, max_size=5),
                       st.one_of(_text, st.lists(_text, max_size=3)), max_size=4))
def test_repeat_encoding_reads_back_as_the_same_pairs(data):
    expected = [(k, v) for k, value in data.items() for v in (value if isinstance(value, list) else [value])]
    assert urllib.parse.parse_qsl(form_encode(data, "REPEAT"), keep_blank_values=True) == expected


# --------------------------------------------------------------------------- connections
def test_api_key_connection_sets_its_header(api):
    call(api)
    assert api.last().header("X-Api-Key") == "key-0123456789"


def test_basic_connection_sets_authorization(api):
    basic = {"BasicAuthParameters": {"Username": "myUsername", "Password": "myPassword"}}
    call(api, connections={ARN: basic})
    assert basic_credentials(api.last()) == ("myUsername", "myPassword")


def test_the_guides_merge_of_connection_and_task_data(api):
    """AWS guide, Merging EventBridge connection and HTTP Task definition data."""
    connection = {
        "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "key_value"},
        "InvocationHttpParameters": {
            "BodyParameters": [{"Key": "BodyParam", "Value": "connection_body_param"}],
            "HeaderParameters": [{"Key": "Header-Param", "Value": "connection_header_param"}],
            "QueryStringParameters": [{"Key": "QueryParam", "Value": "connection_query_param"}]}}
    result = call(api, "/path", Method="POST", connections={ARN: connection},
                  Headers={"Request-Id": "my_request_id", "Header-Param": "state_machine_header_param"},
                  RequestBody={"Job": "Software Engineer", "Company": "AnyCompany",
                               "BodyParam": "state_machine_body_param"},
                  QueryParameters={"QueryParam": "state_machine_query_param"})
    assert result.status == "SUCCEEDED", result.cause
    request = api.last()
    assert request.query == "QueryParam=connection_query_param"
    assert request.header("Apikey") == "key_value"
    assert request.header("Header-Param") == "connection_header_param"
    assert request.header("Request-Id") == "my_request_id"
    assert request.text == '{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"connection_body_param"}'


def test_a_string_body_cannot_merge_with_connection_body_parameters(api):
    connection = {**API_KEY, "InvocationHttpParameters": {"BodyParameters": [{"Key": "k", "Value": "v"}]}}
    result = call(api, Method="POST", RequestBody="raw", connections={ARN: connection})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "cannot be merged" in result.cause
    assert api.received == []


def oauth_connection(api, **oauth_http):
    return {"OAuthParameters": {
        "ClientParameters": {"ClientID": "client-1", "ClientSecret": "s3cret-client"},
        "AuthorizationEndpoint": api.url("/oauth/token"), "HttpMethod": "POST",
        **({"OAuthHttpParameters": oauth_http} if oauth_http else {})}}


def token_endpoint(tokens):
    """An OAuth token endpoint handing out tok-1, tok-2, ... to client-1 only."""
    def serve(request):
        if basic_credentials(request) != ("client-1", "s3cret-client"):
            return 401, {"Content-Type": "application/json"}, {"error": "invalid_client"}
        tokens.append(f"tok-{len(tokens) + 1}")
        return 200, {"Content-Type": "application/json"}, {"access_token": tokens[-1], "token_type": "Bearer",
                                                             "expires_in": 3600}
    return serve


def test_oauth_client_credentials_fetches_a_token_then_calls_with_it(api):
    tokens = []
    api.routes["/oauth/token"] = token_endpoint(tokens)
    connection = oauth_connection(api, BodyParameters=[{"Key": "audience", "Value": "orders"}],
                                  HeaderParameters=[{"Key": "X-Tenant", "Value": "t1"}])
    result = call(api, connections={ARN: connection})
    assert result.status == "SUCCEEDED", result.cause
    token_request, api_request = api.received
    assert token_request.path == "/oauth/token" and token_request.method == "POST"
    assert dict(urllib.parse.parse_qsl(token_request.text)) == {"audience": "orders",
                                                                "grant_type": "client_credentials"}
    assert token_request.header("X-Tenant") == "t1"
    assert api_request.header("Authorization") == "Bearer tok-1"


def test_oauth_token_is_reused_and_refreshed_after_a_401(api):
    tokens = []
    api.routes["/oauth/token"] = token_endpoint(tokens)
    answers = iter([200, 401, 200])
    api.routes["/orders"] = lambda r: (next(answers), {"Content-Type": "application/json"},
                                       {"auth": r.header("Authorization")})
    definition = {"StartAt": "First", "States": {
        "First": {**task(ApiEndpoint=api.url("/orders")), "End": False, "Next": "Second"},
        "Second": {**task(ApiEndpoint=api.url("/orders")),
                   "Retry": [{"ErrorEquals": ["States.Http.StatusCode.401"], "MaxAttempts": 1}]}}}
    result = StateMachine.from_json(definition).run({}, connections={ARN: oauth_connection(api)})
    assert result.status == "SUCCEEDED", result.cause
    # One token for the first call; the 401 made EventBridge refresh it for the retry.
    assert [r.header("Authorization") for r in api.calls("/orders")] == \
        ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert result.output["ResponseBody"] == {"auth": "Bearer tok-2"}


def test_oauth_token_endpoint_refusing_the_client(api):
    api.routes["/oauth/token"] = lambda r: (401, {"Content-Type": "application/json"}, {"error": "invalid_client"})
    result = call(api, connections={ARN: oauth_connection(api)})
    assert (result.status, result.error) == ("FAILED", "Events.ConnectionResource.InvalidConnectionState")
    assert "did not return an access token (HTTP 401" in result.cause
    assert api.calls("/echo") == []


def test_missing_connection_is_a_clear_catchable_error(api):
    definition = {"StartAt": "Call", "States": {
        "Call": {**task(ApiEndpoint=api.url("/echo")), 
                 "Catch": [{"ErrorEquals": ["Events.ConnectionResource.ResourceNotFound"], "Next": "NoAuth"}]},
        "NoAuth": {"Type": "Pass", "End": True}}}
    result = StateMachine.from_json(definition).run({})  # no connections given
    assert result.status == "SUCCEEDED"
    failed = next(e for e in result.history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "Events.ConnectionResource.ResourceNotFound"
    assert ARN in failed["cause"] and "--connections" in failed["cause"] and "'Call'" in failed["cause"]
    assert api.received == []


@pytest.mark.parametrize("mapping, words", [
    ({"not-an-arn": API_KEY}, ["EventBridge connection ARN"]),
    ({ARN: {"ApiKeyAuthParameters": {"ApiKeyName": "X"}}}, ["ApiKeyAuthParameters", "ApiKeyValue is required"]),
    ({ARN: {**API_KEY, "BasicAuthParameters": {"Username": "u", "Password": "p"}}}, ["one authorization"]),
    ({ARN: {"Bogus": {}}}, ["unknown field 'Bogus'"]),
    ({ARN: {"OAuthParameters": {"ClientParameters": {"ClientID": "c", "ClientSecret": "s"},
                                "AuthorizationEndpoint": "ftp://x", "HttpMethod": "POST"}}},
     ["AuthorizationEndpoint"]),
    ({ARN: {"OAuthParameters": {"ClientParameters": {"ClientID": "c", "ClientSecret": "s"},
                                "AuthorizationEndpoint": "https://x", "HttpMethod": "PATCH"}}},
     ["HttpMethod", "GET, POST, PUT"]),
    ({ARN: {**API_KEY, "InvocationHttpParameters": {"HeaderParameters": [{"Value": "v"}]}}},
     ["HeaderParameters[0]", "Key"]),
    ([ARN], ["JSON object"]),
])
def test_a_malformed_connections_mapping_is_refused_before_the_run(mapping, words):
    with pytest.raises(ConnectionsError) as info:
        machine(task(ApiEndpoint="https://api.example.com")).run({}, connections=mapping)
    for word in words:
        assert word in str(info.value)


def test_accepted_fields_are_eventbridges_auth_parameters():
    """The shape is botocore's CreateConnection AuthParameters, not a list written by hand here."""
    from botocore.loaders import Loader

    shapes = Loader().load_service_model("events", "service-2")["shapes"]
    members = set(shapes["CreateConnectionAuthRequestParameters"]["members"])
    from asl_runtime.integrations.connections import _AUTH_KINDS, _IGNORED
    assert members == set(_AUTH_KINDS) | {"InvocationHttpParameters"} | set(_IGNORED)
    for kind, required in _AUTH_KINDS.items():
        shape = shapes[shapes["CreateConnectionAuthRequestParameters"]["members"][kind]["shape"]]
        assert set(shape["required"]) == set(required)


# --------------------------------------------------------------------------- secrets
def test_secrets_never_show_in_history_or_output(api, tmp_path):
    basic = {"BasicAuthParameters": {"Username": "me", "Password": "hunter2-password"},
             "InvocationHttpParameters": {"HeaderParameters": [
                 {"Key": "X-Signing", "Value": "sig-value-secret", "IsValueSecret": True}]}}
    result = call(api, connections={ARN: basic})  # the echo API repeats every header it got
    assert result.status == "SUCCEEDED"
    raw = json.dumps(result.output)
    assert "sig-value-secret" in raw  # the workflow itself sees what the API returned
    shown = json.dumps(result.to_dict(history=True))
    for secret in ("hunter2-password", "sig-value-secret", base64.b64encode(b"me:hunter2-password").decode()):
        assert secret not in shown
    assert MASK in shown


# --------------------------------------------------------------------------- the result
def test_result_shape_headers_lowercased_as_lists(api):
    api.routes["/r"] = lambda r: (201, [("Content-Type", "application/json"), ("Set-Cookie", "a=1"),
                                        ("Set-Cookie", "b=2")], {"id": 7})
    result = call(api, "/r", Method="POST")
    assert result.status == "SUCCEEDED"
    out = result.output
    assert set(out) == {"Headers", "ResponseBody", "StatusCode", "StatusText"}
    assert (out["StatusCode"], out["StatusText"], out["ResponseBody"]) == (201, "Created", {"id": 7})
    assert out["Headers"]["set-cookie"] == ["a=1", "b=2"]
    assert out["Headers"]["content-type"] == ["application/json"]


def test_a_text_response_body_stays_a_string(api):
    api.routes["/t"] = lambda r: (200, {"Content-Type": "text/plain; charset=utf-8"}, "hello, world")
    assert call(api, "/t").output["ResponseBody"] == "hello, world"


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", "video/mp4", "audio/mpeg"])
def test_binary_responses_fail_with_states_runtime(api, content_type):
    api.routes["/bin"] = lambda r: (200, {"Content-Type": content_type}, b"\x89PNG")
    result = call(api, "/bin", state_extra={"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Call"}]})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")  # not catchable
    assert content_type in result.cause and "entered at the event id #2" in result.cause


def test_an_oversized_response_fails_with_data_limit_exceeded(api):
    api.routes["/big"] = lambda r: (200, {"Content-Type": "text/plain"}, "x" * 300_000)
    result = call(api, "/big")
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")


# --------------------------------------------------------------------------- errors, Retry, Catch
def test_non_2xx_fails_with_the_status_code_error(api):
    api.routes["/missing"] = lambda r: (404, {"Content-Type": "application/json"}, {"message": "no such order"})
    result = call(api, "/missing")
    assert (result.status, result.error, result.cause) == ("FAILED", "States.Http.StatusCode.404", "Not Found")
    assert [e["type"] for e in result.history][-2:] == ["TaskFailed", "ExecutionFailed"]


def test_catch_on_status_code_and_task_failed(api):
    api.routes["/conflict"] = lambda r: (409, {}, "")
    definition = {"StartAt": "Call", "States": {
        "Call": {**task(ApiEndpoint=api.url("/conflict")), 
                 "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404", "States.Http.StatusCode.409"],
                            "ResultPath": "$.error", "Next": "Handle"}]},
        "Handle": {"Type": "Pass", "End": True}}}
    result = StateMachine.from_json(definition).run({}, connections={ARN: API_KEY})
    assert result.status == "SUCCEEDED"
    assert result.output["error"] == {"Error": "States.Http.StatusCode.409", "Cause": "Conflict"}
    definition["States"]["Call"]["Catch"][0]["ErrorEquals"] = ["States.TaskFailed"]
    assert StateMachine.from_json(definition).run({}, connections={ARN: API_KEY}).status == "SUCCEEDED"


def test_retry_on_503_backs_off_in_virtual_time_while_requests_are_real(api):
    answers = iter([503, 503, 200])
    api.routes["/flaky"] = lambda r: (next(answers), {"Content-Type": "application/json"}, {"ok": True})
    retry = [{"ErrorEquals": ["States.Http.StatusCode.429", "States.Http.StatusCode.503"],
              "IntervalSeconds": 30, "BackoffRate": 2, "MaxAttempts": 3}]
    result = call(api, "/flaky", state_extra={"Retry": retry})
    assert result.status == "SUCCEEDED", result.cause
    assert len(api.calls("/flaky")) == 3
    assert result.duration >= 30 + 60  # simulated: the test did not wait 90 seconds


def test_connection_refused_is_states_http_socket_with_retry_then_catch():
    port = closed_port()
    definition = {"StartAt": "Call", "States": {
        "Call": {**task(ApiEndpoint=f"http://127.0.0.1:{port}/x"),
                 "Retry": [{"ErrorEquals": ["States.Http.Socket"], "MaxAttempts": 2, "IntervalSeconds": 5}],
                 "Catch": [{"ErrorEquals": ["States.Http.Socket"], "Next": "Down"}]},
        "Down": {"Type": "Pass", "End": True}}}
    result = StateMachine.from_json(definition).run({}, connections={ARN: API_KEY})
    assert result.status == "SUCCEEDED"
    failures = [e["taskFailedEventDetails"] for e in result.history if e["type"] == "TaskFailed"]
    assert len(failures) == 3 and {f["error"] for f in failures} == {"States.Http.Socket"}
    assert "refused" in failures[0]["cause"] and f"127.0.0.1:{port}" in failures[0]["cause"]


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_timeout_seconds_holds_in_real_time_against_a_silent_server(clock):
    sock = silent_server()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/never"
        result = machine(task(ApiEndpoint=url), TimeoutSeconds=1).run({}, connections={ARN: API_KEY},
                                                                    clock=clock)
    finally:
        sock.close()
    assert (result.status, result.error) == ("FAILED", "States.Timeout")
    assert [e["type"] for e in result.history][-2:] == ["TaskTimedOut", "ExecutionFailed"]
    if clock == "virtual":
        assert result.duration == pytest.approx(1)


def test_the_60_second_limit_is_states_http_socket(monkeypatch):
    monkeypatch.setattr(http_task, "MAX_SECONDS", 0.3)  # the 60 s quota, shortened for the test
    sock = silent_server()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/never"
        definition = {"StartAt": "Call", "States": {
            "Call": {**task(ApiEndpoint=url), "TimeoutSeconds": 3600,
                     "Catch": [{"ErrorEquals": ["States.Http.Socket"], "ResultPath": "$.err", "Next": "Down"}]},
            "Down": {"Type": "Pass", "End": True}}}
        result = StateMachine.from_json(definition).run({}, connections={ARN: API_KEY})
    finally:
        sock.close()
    assert result.status == "SUCCEEDED"
    assert result.output["err"]["Error"] == "States.Http.Socket"
    assert "0.3 seconds" in result.output["err"]["Cause"]


def test_machine_timeout_during_a_request(monkeypatch):
    sock = silent_server()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/never"
        sm = StateMachine.from_json({"StartAt": "Call", "TimeoutSeconds": 1, "States": {"Call": task(ApiEndpoint=url)}})
        result = sm.run({}, connections={ARN: API_KEY})
    finally:
        sock.close()
    assert (result.status, result.error) == ("TIMED_OUT", "States.Timeout")


# --------------------------------------------------------------------------- bad requests
def test_a_bad_endpoint_from_the_input_is_a_located_runtime_error(api):
    sm = machine(task(**{"ApiEndpoint.$": "$.url"}))
    result = sm.run({"url": "not a url"}, connections={ARN: API_KEY})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert result.cause.startswith("An error occurred while executing the state 'Call' (entered at the event id #2).")
    assert '"not a url"' in result.cause


def test_a_forbidden_header_from_the_input_fails_with_states_runtime(api):
    result = call(api, input={"h": {"Authorization": "Bearer x", "X-Amz-Date": "now"}}, **{"Headers.$": "$.h"})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "[authorization, x-amz-date]" in result.cause
    assert api.received == []


# --------------------------------------------------------------------------- mocks and history
def test_a_mock_config_response_stands_in_for_the_http_task(api):
    mocked = {"StatusCode": 200, "StatusText": "OK", "Headers": {}, "ResponseBody": {"id": "mocked"}}
    config = {"StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Call": "Ok"},
                                                         "Down": {"Call": "Unavailable"}}}},
              "MockedResponses": {"Ok": {"0": {"Return": mocked}},
                                  "Unavailable": {"0": {"Throw": {"Error": "States.Http.StatusCode.503",
                                                                  "Cause": "Service Unavailable"}}}}}
    sm = machine(task(ApiEndpoint=api.url("/echo")))
    ok = sm.run({}, mock_config=config, test_case="HappyPath", state_machine_name="Orders")
    assert ok.status == "SUCCEEDED" and ok.output == mocked
    down = sm.run({}, mock_config=config, test_case="Down", state_machine_name="Orders")
    assert (down.error, down.cause) == ("States.Http.StatusCode.503", "Service Unavailable")
    assert api.received == []  # no request, and no connection needed


def test_history_records_the_task_events_of_an_http_task(api):
    result = call(api, Method="POST", RequestBody={"a": 1}, state_extra={"TimeoutSeconds": 30})
    events = [e for e in result.history if e["type"].startswith("Task") and "State" not in e["type"]]
    assert [e["type"] for e in events] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    scheduled = events[0]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["region"]) == ("http", "invoke", "us-east-1")
    assert scheduled["timeoutInSeconds"] == 30
    assert json.loads(scheduled["parameters"])["RequestBody"] == {"a": 1}
    assert json.loads(events[2]["taskSucceededEventDetails"]["output"])["StatusCode"] == 200


# --------------------------------------------------------------------------- validation
def problems(state, language=None):
    definition = {"StartAt": "Call", "States": {"Call": state}}
    if language:
        definition["QueryLanguage"] = language
    return [(p.path, p.message) for p in validate(definition)]


def test_a_well_formed_http_task_validates():
    assert problems(task(ApiEndpoint="https://api.stripe.com/v1/customers", Headers={"content-type": "application/json"},
                         QueryParameters={"currency": "usd"}, RequestBody={"a": 1},
                         Transform={"RequestBodyEncoding": "URL_ENCODED",
                                    "RequestEncodingOptions": {"ArrayFormat": "COMMAS"}})) == []
    assert problems(task(**{"ApiEndpoint.$": "$.url", "Method.$": "$.m", "Headers.$": "$.h"})) == []
    assert problems({"Type": "Task", "Resource": HTTP, "End": True,
                     "Parameters": {"ApiEndpoint": "https://x.example", "Method": "GET",
                                    "InvocationConfig": {"ConnectionArn": ARN}}}) == []


@pytest.mark.parametrize("parameters, path, words", [
    ({"ApiEndpoint": None}, "/States/Call/Parameters", ["'ApiEndpoint' is required"]),
    ({"Method": "FETCH"}, "/States/Call/Parameters/Method", ["GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD"]),
    ({"ApiEndpoint": "api.example.com/v1"}, "/States/Call/Parameters/ApiEndpoint", ["absolute"]),
    ({"Authentication": None}, "/States/Call/Parameters", ["ConnectionArn"]),
    ({"Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:rule/x"}},
     "/States/Call/Parameters/Authentication/ConnectionArn", ["not an EventBridge connection ARN"]),
    ({"InvocationConfig": {"ConnectionArn": ARN}}, "/States/Call/Parameters/InvocationConfig", ["either"]),
    ({"Headers": {"Authorization": "Basic x", "Content-Type": "a/b"}}, "/States/Call/Parameters",
     ["The 'Headers' field contains unsupported values: [authorization]"]),
    ({"Transform": {"RequestBodyEncoding": "GZIP"}}, "/States/Call/Parameters/Transform/RequestBodyEncoding",
     ["NONE or URL_ENCODED"]),
    ({"Transform": {"RequestEncodingOptions": {"ArrayFormat": "PIPES"}}},
     "/States/Call/Parameters/Transform/RequestEncodingOptions/ArrayFormat", ["INDICES, REPEAT, COMMAS, BRACKETS"]),
    ({"Url": "https://x"}, "/States/Call/Parameters/Url", ["not supported by the HTTP Task"]),
])
def test_http_task_parameters_checked_at_load(parameters, path, words):
    fields = {"ApiEndpoint": "https://api.example.com", **parameters}
    state = task(**{k: v for k, v in fields.items() if v is not None})
    if parameters.get("Authentication", 1) is None:
        del state["Parameters"]["Authentication"]
    found = [m for p, m in problems(state) if p == path]
    assert found, problems(state)
    for word in words:
        assert any(word in m for m in found), found


def test_jsonata_http_task_arguments_checked_at_load():
    state = {"Type": "Task", "Resource": HTTP, "End": True,
             "Arguments": {"ApiEndpoint": "{% $states.input.url %}", "Method": "{% $states.input.m %}",
                           "Authentication": {"ConnectionArn": ARN}}}
    assert problems(state, "JSONata") == []
    state["Arguments"]["Method"] = "GRAB"
    assert [p for p, _ in problems(state, "JSONata")] == ["/States/Call/Arguments/Method"]


# --------------------------------------------------------------------------- custom States.* names
@pytest.mark.parametrize("name", ["States.Http.StatusCode.404", "States.FauxFailure1", "States.QuorumMet"])
def test_custom_states_error_names_are_accepted_and_caught(name):
    definition = {"StartAt": "Raise", "States": {
        "Raise": {"Type": "Parallel", "Next": "Done",
                  "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": name, "Cause": "c"}}}],
                  "Retry": [{"ErrorEquals": ["States.FauxFailure1"], "MaxAttempts": 0}],
                  "Catch": [{"ErrorEquals": [name], "ResultPath": "$.caught", "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}}
    assert validate(definition) == []
    result = StateMachine.from_json(definition).run({})
    assert result.status == "SUCCEEDED"
    assert result.output["caught"]["Error"] == name


# --------------------------------------------------------------------------- connections API
def test_connections_load_from_a_file(tmp_path, api):
    path = tmp_path / "connections.json"
    path.write_text(json.dumps({ARN: API_KEY}))
    result = call(api, connections=str(path))
    assert result.status == "SUCCEEDED" and api.last().header("X-Api-Key") == "key-0123456789"
    assert ARN in Connections.load(path)


# --------------------------------------------------------------------------- asl run --connections
def run_cli(*args):
    from click.testing import CliRunner

    from asl_runtime.cli.main import main
    return CliRunner().invoke(main, [str(a) for a in args])


def test_asl_run_with_a_connections_file_masks_secrets_in_history(api, tmp_path):
    definition = tmp_path / "call.asl.json"
    definition.write_text(json.dumps({"StartAt": "Call", "States": {"Call": task(ApiEndpoint=api.url("/echo"))}}))
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps({ARN: API_KEY}))
    result = run_cli("run", definition, "--connections", connections, "--format", "json", "--history")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["status"] == "SUCCEEDED"
    assert shown["output"]["ResponseBody"]["headers"]["X-Api-Key"] == MASK
    assert "key-0123456789" not in result.stdout
    assert api.last().header("X-Api-Key") == "key-0123456789"  # the API did get the real key
    text = run_cli("run", definition, "--connections", connections)
    assert text.exit_code == 0 and "key-0123456789" not in text.output


@pytest.mark.parametrize("content, words", [
    ("{not json", ["not valid JSON"]),
    (json.dumps({ARN: {"BasicAuthParameters": {"Username": "u"}}}), ["Password is required"]),
])
def test_asl_run_refuses_a_bad_connections_file(tmp_path, content, words):
    definition = tmp_path / "call.asl.json"
    definition.write_text(json.dumps({"StartAt": "Call", "States": {"Call": task(ApiEndpoint="https://x.example")}}))
    connections = tmp_path / "connections.json"
    connections.write_text(content)
    result = run_cli("run", definition, "--connections", connections)
    assert result.exit_code == 2
    assert "--connections" in result.output and all(w in result.output for w in words)


def test_asl_run_without_the_connection_names_the_option(tmp_path):
    definition = tmp_path / "call.asl.json"
    definition.write_text(json.dumps({"StartAt": "Call", "States": {"Call": task(ApiEndpoint="https://x.example")}}))
    result = run_cli("run", definition, "--format", "json")
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    assert shown["error"] == "Events.ConnectionResource.ResourceNotFound" and "--connections" in shown["cause"]


def test_the_readme_example_runs_as_written(api, tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## HTTP Task: call third-party APIs", 1)[1]
    files = dict(re.findall(r"cat > (\S+) <<'EOF'\n(.*?)\nEOF\n", section, re.S))
    definition = json.loads(files["call.asl.json"].replace("http://127.0.0.1:8765/", api.url("/")))
    api.routes["/"] = lambda r: (200, {"Content-Type": "text/html; charset=utf-8"}, "<html></html>")
    result = StateMachine.from_json(definition).run({}, connections=json.loads(files["connections.json"]))
    assert result.output == {"status": 200, "type": "text/html; charset=utf-8"}
    assert api.last().query == "page=1" and api.last().header("X-Api-Key") == "not-a-real-key"


def test_inline_mocks_stand_in_for_the_http_task(api):
    sm = machine(task(ApiEndpoint=api.url("/echo")),
                 Retry=[{"ErrorEquals": ["States.Http.StatusCode.429"], "IntervalSeconds": 2, "MaxAttempts": 1}])
    result = sm.run({}, mocks={"Call": [{"Throw": {"Error": "States.Http.StatusCode.429", "Cause": "Too Many Requests"}},
                                        {"Return": {"StatusCode": 200, "ResponseBody": {"ok": True}}}]})
    assert result.status == "SUCCEEDED" and result.output["ResponseBody"] == {"ok": True}
    assert api.received == []


def test_asl_run_save_file_masks_secrets(api, tmp_path):
    definition = tmp_path / "call.asl.json"
    definition.write_text(json.dumps({"StartAt": "Call", "States": {"Call": task(ApiEndpoint=api.url("/echo"))}}))
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps({ARN: API_KEY}))
    saved = tmp_path / "run.json"
    result = run_cli("run", definition, "--connections", connections, "--save", saved)
    assert result.exit_code == 0, result.output
    text = saved.read_text()
    assert "key-0123456789" not in text and MASK in text


def test_a_store_keeps_the_history_with_secrets_masked(api):
    from asl_runtime.engine.store import InMemoryStore

    store = InMemoryStore()
    result = machine(task(ApiEndpoint=api.url("/echo"))).run({}, connections={ARN: API_KEY}, store=store)
    assert result.status == "SUCCEEDED"
    kept = json.dumps(store.events(result.execution_arn))
    assert "key-0123456789" not in kept and MASK in kept
    record = store.get_execution(result.execution_arn)
    assert record.output["ResponseBody"]["headers"]["X-Api-Key"] == MASK
    assert result.output["ResponseBody"]["headers"]["X-Api-Key"] == "key-0123456789"


def test_a_redirect_is_not_followed(api):
    api.routes["/old"] = lambda r: (302, {"Location": api.url("/new")}, "")
    result = call(api, "/old")
    assert (result.error, result.cause) == ("States.Http.StatusCode.302", "Found")
    assert api.calls("/new") == []
