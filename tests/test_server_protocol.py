"""The wire: AWS JSON 1.0 requests that no SDK would send still get AWS-shaped errors."""

import http.client
import json

import pytest

from server_support import running_server


@pytest.fixture(scope="module")
def server():
    with running_server() as (srv, _):
        yield srv


def post(server, body: bytes, target="AWSStepFunctions.ListStateMachines", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    all_headers = {"Content-Type": "application/x-amz-json-1.0", **({"X-Amz-Target": target} if target else {}),
                   **(headers or {})}
    connection.request("POST", "/", body=body, headers=all_headers)
    response = connection.getresponse()
    payload = json.loads(response.read())
    connection.close()
    return response.status, payload


def test_a_well_formed_call(server):
    status, payload = post(server, b"{}")
    assert status == 200 and payload == {"stateMachines": []}


def test_malformed_json_is_a_serialization_exception(server):
    status, payload = post(server, b"{not json")
    assert status == 400 and payload["__type"] == "SerializationException" and payload["message"]


def test_a_body_that_is_not_an_object(server):
    status, payload = post(server, b"[1, 2]")
    assert status == 400 and payload["__type"] == "SerializationException"


def test_a_member_of_the_wrong_type(server):
    status, payload = post(server, b'{"maxResults": "ten"}')
    assert status == 400 and payload["__type"] == "SerializationException" and "maxResults" in payload["message"]


def test_unknown_or_missing_operation(server):
    status, payload = post(server, b"{}", target="AWSStepFunctions.LaunchRocket")
    assert status == 400 and payload["__type"] == "UnknownOperationException"
    status, payload = post(server, b"{}", target=None)
    assert status == 400 and payload["__type"] == "UnknownOperationException"
    status, payload = post(server, b"{}", target="DynamoDB_20120810.ListTables")
    assert status == 400 and payload["__type"] == "UnknownOperationException"


def test_an_oversized_request_is_refused_without_reading_it(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("POST", "/")
    connection.putheader("X-Amz-Target", "AWSStepFunctions.CreateStateMachine")
    connection.putheader("Content-Length", str(64 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["__type"] == "RequestEntityTooLargeException"
    connection.close()
    assert post(server, b"{}")[0] == 200  # and the server carries on


def test_range_and_pattern_constraints_of_the_model(server):
    status, payload = post(server, b'{"maxResults": 5000}')
    assert status == 400 and payload["__type"] == "ValidationException"
    assert "Member must have value less than or equal to 1000" in payload["message"]
    status, payload = post(server, json.dumps({"name": "bad name!", "routingConfiguration": [
        {"stateMachineVersionArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m:1", "weight": 100}]}).encode(),
        target="AWSStepFunctions.CreateStateMachineAlias")
    assert status == 400 and "regular expression pattern" in payload["message"]


def test_the_console_and_unknown_paths(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/html")
    response.read()
    connection.request("GET", "/nothing-here")
    response = connection.getresponse()
    assert response.status == 404 and json.loads(response.read())["__type"]
    connection.close()


def raw(server, data: bytes) -> bytes:
    """What the server answers to bytes no HTTP library would send."""
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


@pytest.mark.parametrize("request_bytes, status", [
    (b"GARBAGE\r\n\r\n", b"400"),
    (b"POST / HTTP/2.0\r\n\r\n", b"505"),
    (b"POST / HTTP/1.1\r\nno colon here\r\n\r\n", b"400"),
    (b"POST / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n", b"431"),
    (b"POST / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
])
def test_malformed_request_lines_and_headers_get_an_http_error_and_the_server_carries_on(server, request_bytes,
                                                                                         status):
    answer = raw(server, request_bytes)
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert post(server, b"{}")[0] == 200


def test_header_names_are_case_insensitive_and_keep_alive_reuses_the_connection(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for target_header in ("X-Amz-Target", "x-amz-target", "X-AMZ-TARGET"):
        connection.request("POST", "/", body=b"{}", headers={target_header: "AWSStepFunctions.ListActivities"})
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read()) == {"activities": []}
    connection.close()


def test_a_response_arrives_whole_with_aws_headers_in_one_piece(server):
    """Status line, headers and body are written at once: the first recv holds all of it."""
    body = b"{}"
    request = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n"
               b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n" + body)
    import email.utils
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        first = sock.recv(65536)
    head, _, payload = first.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert json.loads(payload) == {"activities": []} and int(headers["content-length"]) == len(payload)
    assert headers["content-type"] == "application/x-amz-json-1.0" and len(headers["x-amzn-requestid"]) == 36
    assert email.utils.parsedate_to_datetime(headers["date"]).tzname() == "UTC"
    assert "connection" not in headers  # kept alive
