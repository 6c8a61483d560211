"""The HTTP Task (`arn:aws:states:::http:invoke`): a real HTTP request, built as Step Functions
builds it, through an EventBridge connection (see connections.py).

Facts from the AWS guide "Call HTTPS APIs in Step Functions workflows": Parameters hold
ApiEndpoint, Method, Authentication/InvocationConfig.ConnectionArn, Headers, QueryParameters,
Transform and RequestBody; Step Functions sets User-Agent, Range and Host; some headers are
refused (States.Runtime); connection headers, query and body parameters win over the task's;
the body is JSON unless Transform URL-encodes it; the result is {Headers, ResponseBody,
StatusCode, StatusText}; binary responses fail with States.Runtime; a non-2xx status fails the
task with States.Http.StatusCode.<code>; a request takes at most 60 seconds (States.Http.Socket).

The client is the standard library's http.client: no dependency, and owning the connection lets
one deadline cover connecting, sending and reading, in real time under either clock.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ..definition.http_task import (ARRAY_FORMATS, BODY_ENCODINGS, DEFAULT_ARRAY_FORMAT, METHODS,
                                    PARAMETER_FIELDS, forbidden_header)
from ..engine.clock import ExecutionTimedOut
from ..errors import DATA_LIMIT_EXCEEDED, HTTP_SOCKET, RUNTIME, TIMEOUT, ASLError, StateRuntimeError
from ..limits import MAX_PAYLOAD_BYTES
from .connections import INVALID_CONNECTION_STATE, basic_authorization, not_found
from .registry import Integration

#: Step Functions asks for at most this byte range of the response (the Range header it sets).
MAX_RESPONSE_BYTES = MAX_PAYLOAD_BYTES
RANGE = f"bytes=0-{MAX_RESPONSE_BYTES}"
#: The HTTP Task duration quota (hard): sending the request and receiving the response.
MAX_SECONDS = 60.0
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
#: Response content types Step Functions refuses (AWS guide, Unsupported HTTP Task responses).
_BINARY_TYPES = re.compile(r"^\s*(application/octet-stream|image/|video/|audio/)", re.IGNORECASE)
#: RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
_SAFE = "-_.~"


@dataclass
class Request:
    method: str
    url: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Response:
    status: int
    reason: str
    headers: list  # (name, value) as received
    data: bytes


class Deadline(Exception):
    """The request ran out of time before a response arrived."""


# --------------------------------------------------------------------------- the integration
def register(registry) -> None:
    registry.register("http", "invoke", Integration("http:invoke", invoke))


def invoke(services, frame, res, params, events):
    """Run one HTTP Task attempt; returns AWS's result shape or raises the error AWS names."""
    state, timeout = frame.state, events.timeout
    spec = _read_parameters(params)
    connection = services.connections.get(spec["connection"]) if services.connections else None
    if connection is None:
        raise not_found(spec["connection"], state.name)
    limit = MAX_SECONDS if timeout is None or timeout >= MAX_SECONDS else float(timeout)
    clock = frame.clock
    machine_left = None if clock.deadline is None else max(0.0, clock.deadline - clock.now)
    wait = limit if machine_left is None else min(limit, machine_left)
    deadline = _Budget(wait)
    try:
        headers = connection.authorization_headers(lambda c: fetch_token(c, deadline))
        request = build_request(spec, connection, frame.execution.config.region, headers)
        response = send(request, deadline.left())
    except Deadline:
        if clock.virtual:
            clock.now += wait
        if machine_left is not None and machine_left < limit:
            raise ExecutionTimedOut() from None
        if limit < MAX_SECONDS:
            raise ASLError(TIMEOUT, "") from None
        raise ASLError(HTTP_SOCKET, f"The HTTP request to {_where(spec['endpoint'])} did not complete "
                                    f"within {MAX_SECONDS:g} seconds.") from None
    if response.status in (401, 407):
        connection.forget_token()
    return result_of(state.name, response)


class _Budget:
    """Seconds left of one real-time deadline shared by the token request and the call itself."""

    def __init__(self, seconds: float):
        self._time = time.monotonic
        self._end = self._time() + seconds

    def left(self) -> float:
        left = self._end - self._time()
        if left <= 0:
            raise Deadline()
        return left


def _runtime(message: str) -> StateRuntimeError:
    """A States.Runtime failure; the engine prefixes the state's name and entered event id."""
    return StateRuntimeError(RUNTIME, message)


def _read_parameters(params) -> dict:
    """The evaluated Parameters/Arguments, checked as the HTTP Task reads them at run time."""
    if not isinstance(params, dict):
        raise _runtime("The Parameters of an HTTP Task must be a JSON object with ApiEndpoint, "
                                   "Method and Authentication.ConnectionArn.")
    unknown = [k for k in params if k not in PARAMETER_FIELDS]
    if unknown:
        raise _runtime(f"The field '{unknown[0]}' is not supported by the HTTP Task "
                                   f"(fields: {', '.join(PARAMETER_FIELDS)}).")
    endpoint = params.get("ApiEndpoint")
    if not isinstance(endpoint, str) or not _absolute_url(endpoint):
        raise _runtime(f"The ApiEndpoint {json.dumps(endpoint)} is not an absolute https:// "
                                   f"(or http://) URL with a host.")
    method = params.get("Method")
    if method not in METHODS:
        raise _runtime(f"The Method {json.dumps(method)} is not one of {', '.join(METHODS)}.")
    connection = _connection_arn(params)
    if connection is None:
        raise _runtime("An HTTP Task needs the EventBridge connection ARN in "
                                   "Authentication.ConnectionArn (or InvocationConfig.ConnectionArn).")
    headers = params.get("Headers") or {}
    if not isinstance(headers, dict):
        raise _runtime("The Headers of an HTTP Task must be a JSON object of header names "
                                   "and values.")
    refused = sorted(name.lower() for name in headers if forbidden_header(name))
    if refused:
        raise _runtime(f"The 'Headers' field contains unsupported values: [{', '.join(refused)}]")
    query = params.get("QueryParameters")
    if query is not None and not isinstance(query, (dict, str)):
        raise _runtime("The QueryParameters of an HTTP Task must be a JSON object (or a query "
                                   "string).")
    encoding, array_format = _transform(params.get("Transform"))
    return {"endpoint": endpoint, "method": method, "connection": connection, "headers": headers,
            "query": query, "body": params.get("RequestBody"), "encoding": encoding,
            "array_format": array_format, "has_body": "RequestBody" in params}


def _connection_arn(params: dict):
    for holder in ("Authentication", "InvocationConfig"):
        value = params.get(holder)
        if isinstance(value, dict) and isinstance(value.get("ConnectionArn"), str) and value["ConnectionArn"]:
            return value["ConnectionArn"]
    return None


def _transform(transform) -> tuple[str, str]:
    if transform is None:
        return "NONE", DEFAULT_ARRAY_FORMAT
    if not isinstance(transform, dict):
        raise _runtime("Transform must be a JSON object with RequestBodyEncoding and "
                                   "RequestEncodingOptions.")
    encoding = transform.get("RequestBodyEncoding", "NONE")
    if encoding not in BODY_ENCODINGS:
        raise _runtime(f"Transform.RequestBodyEncoding must be NONE or URL_ENCODED, not "
                                   f"{json.dumps(encoding)}.")
    options = transform.get("RequestEncodingOptions") or {}
    array_format = options.get("ArrayFormat", DEFAULT_ARRAY_FORMAT) if isinstance(options, dict) else None
    if array_format not in ARRAY_FORMATS:
        raise _runtime(f"Transform.RequestEncodingOptions.ArrayFormat must be one of "
                                   f"{', '.join(ARRAY_FORMATS)}, not {json.dumps(array_format)}.")
    return encoding, array_format


def _absolute_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _where(url: str) -> str:
    """The URL without its query string, which may carry credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# --------------------------------------------------------------------------- building the request
def build_request(spec: dict, connection, region: str, auth_headers: dict) -> Request:
    """The request Step Functions sends: the task's data merged under the connection's."""
    headers = {}
    for name, value in spec["headers"].items():
        headers[name] = _header_value(value)
    for name, value in connection.headers:  # the connection wins, whatever the case of the name
        _set_header(headers, name, value)
    for name, value in auth_headers.items():
        _set_header(headers, name, value)
    _set_header(headers, "User-Agent", f"Amazon|StepFunctions|HttpInvoke|{region}")
    _set_header(headers, "Range", RANGE)

    url = spec["endpoint"]
    query = _query_pairs(spec["query"], spec["array_format"])
    if connection.query:
        given = {k for k, _ in connection.query}
        query = [(k, v) for k, v in query if k not in given] + list(connection.query)
    if query:
        encoded = "&".join(f"{_escape(k)}={_escape(v)}" for k, v in query)
        url = f"{url}{'&' if urlsplit(url).query else '?'}{encoded}"
    elif isinstance(spec["query"], str) and spec["query"]:
        url = f"{url}{'&' if urlsplit(url).query else '?'}{spec['query'].lstrip('?')}"

    body = _merged_body(spec, connection)
    data = None
    if body is not None:
        data = _serialize(body, spec["encoding"], spec["array_format"])
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = JSON_CONTENT_TYPE
    return Request(spec["method"], url, headers, data)


def _set_header(headers: dict, name: str, value: str) -> None:
    for existing in [k for k in headers if k.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value


def _header_value(value) -> str:
    if isinstance(value, list):
        return ", ".join(_scalar_text(v) for v in value)
    return _scalar_text(value)


def _scalar_text(value) -> str:
    """A JSON value as text in a header, query string or form: strings bare, the rest as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _query_pairs(query, array_format: str) -> list[tuple[str, str]]:
    if isinstance(query, dict):
        return list(form_pairs(query, array_format))
    return []


def _merged_body(spec: dict, connection):
    """RequestBody with the connection's body parameters laid over it (AWS guide, data merging)."""
    body = spec["body"] if spec["has_body"] else None
    if not connection.body:
        return body
    if body is not None and not isinstance(body, dict):
        raise _runtime("The RequestBody is not a JSON object, so it cannot be merged with the "
                                   "body parameters of the EventBridge connection.")
    merged = dict(body or {})
    for key, value in connection.body:
        merged[key] = value
    return merged


def _serialize(body, encoding: str, array_format: str) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    if encoding == "URL_ENCODED":
        if not isinstance(body, dict):
            raise _runtime("A URL_ENCODED RequestBody must be a JSON object (or a string "
                                       "already encoded).")
        return form_encode(body, array_format).encode("ascii")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def form_encode(data: dict, array_format: str = DEFAULT_ARRAY_FORMAT) -> str:
    """`data` as application/x-www-form-urlencoded text, arrays written in `array_format`."""
    return "&".join(f"{_escape(k)}={_escape(v)}" for k, v in form_pairs(data, array_format))


def form_pairs(data: dict, array_format: str = DEFAULT_ARRAY_FORMAT):
    """(key, text) pairs: nested objects as key[sub]; arrays as INDICES key[0], BRACKETS key[],
    REPEAT key, or COMMAS key=a,b (scalars only; other elements fall back to indices)."""
    for key, value in data.items():
        yield from _pairs_of(str(key), value, array_format)


def _pairs_of(key: str, value, array_format: str):
    if isinstance(value, dict):
        for sub, item in value.items():
            yield from _pairs_of(f"{key}[{sub}]", item, array_format)
    elif isinstance(value, list):
        if array_format == "COMMAS" and all(not isinstance(v, (dict, list)) for v in value):
            yield key, _CommaList(_scalar_text(v) for v in value)
            return
        for i, item in enumerate(value):
            if array_format == "REPEAT":
                inner = key
            elif array_format == "BRACKETS":
                inner = f"{key}[]"
            else:
                inner = f"{key}[{i}]"
            yield from _pairs_of(inner, item, array_format)
    else:
        yield key, _scalar_text(value)


class _CommaList(list):
    """COMMAS values: each value escaped, the commas between them left as commas."""


def _escape(value) -> str:
    if isinstance(value, _CommaList):
        return ",".join(quote(v, safe=_SAFE) for v in value)
    return quote(value, safe=_SAFE)


# --------------------------------------------------------------------------- sending
def send(request: Request, seconds: float) -> Response:
    """One exchange; raises Deadline when `seconds` (real time) pass first, ASLError
    States.Http.Socket when the connection fails."""
    # Imported on the first HTTP Task: http.client and ssl would add ~11 ms to every start-up.
    import http.client
    import ssl

    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=seconds,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds)
    outcome = {}

    def exchange():
        try:
            conn.request(request.method, target, body=request.body, headers=request.headers)
            answer = conn.getresponse()
            data = answer.read(MAX_RESPONSE_BYTES + 1)
            outcome["response"] = Response(answer.status, answer.reason, answer.getheaders(), data)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome["error"] = exc
        finally:
            conn.close()

    worker = threading.Thread(target=exchange, name="asl-http-task", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _abort(conn)
        raise Deadline()
    error = outcome.get("error")
    if isinstance(error, (socket.timeout, TimeoutError)):
        raise Deadline()
    if error is not None:
        raise ASLError(HTTP_SOCKET, f"The HTTP request to {_where(request.url)} failed: "
                                    f"{_describe(error)}.")
    return outcome["response"]


def _abort(conn) -> None:
    """Unblock the worker still waiting on the socket, so that no thread outlives the task long."""
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


def _describe(error: BaseException) -> str:
    import http.client  # already imported by send()
    import ssl

    if isinstance(error, socket.gaierror):
        return f"the host name cannot be resolved ({error.strerror or error})"
    if isinstance(error, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, http.client.HTTPException):
        return f"the server's answer is not HTTP ({type(error).__name__}: {error})"
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return f"{type(error).__name__}: {error}"


# --------------------------------------------------------------------------- the result
def result_of(state_name: str, response: Response) -> dict:
    """AWS's result shape; a non-2xx status fails with States.Http.StatusCode.<code>."""
    if len(response.data) > MAX_RESPONSE_BYTES:
        raise ASLError(DATA_LIMIT_EXCEEDED, f"The state/task '{state_name}' returned a result with a size "
                                            f"exceeding the maximum number of bytes service limit.")
    headers = {}
    for name, value in response.headers:
        headers.setdefault(name.lower(), []).append(value)
    content_type = ", ".join(headers.get("content-type", ()))
    if _BINARY_TYPES.match(content_type):
        raise _runtime(f"The HTTP response has the content type {content_type!r}, which an HTTP "
                                   f"Task cannot return (binary, image, video or audio data).")
    charset = re.search(r"charset=\"?([\w.:-]+)", content_type, re.IGNORECASE)
    try:
        text = response.data.decode(charset.group(1) if charset else "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise _runtime("The HTTP response body cannot be read as text.") from None
    if "\x00" in text:
        raise _runtime("The HTTP response body cannot be read as text (it holds binary data).")
    result = {"Headers": headers, "ResponseBody": _body_value(text), "StatusCode": response.status,
              "StatusText": response.reason}
    if not 200 <= response.status < 300:
        raise ASLError(f"States.Http.StatusCode.{response.status}", response.reason)
    return result


def _body_value(text: str):
    """JSON bodies arrive parsed; any other text as a string."""
    if text.strip():
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


# --------------------------------------------------------------------------- OAuth
def fetch_token(connection, budget: _Budget) -> tuple[str, float | None]:
    """Exchange the client credentials for an access token at the authorization endpoint.

    The client authenticates with HTTP Basic and asks for grant_type=client_credentials
    (RFC 6749 4.4); the connection's OAuthHttpParameters are added to that request.
    """

    oauth = connection.auth
    client = oauth["ClientParameters"]
    extra = oauth.get("OAuthHttpParameters") or {}
    params = [(e["Key"], e.get("Value", "")) for e in extra.get("BodyParameters") or ()]
    query = [(e["Key"], e.get("Value", "")) for e in extra.get("QueryStringParameters") or ()]
    method = oauth["HttpMethod"]
    if not any(k == "grant_type" for k, _ in params + query):
        (query if method == "GET" else params).append(("grant_type", "client_credentials"))
    headers = {"Authorization": basic_authorization(client["ClientID"], client["ClientSecret"]),
               "Accept": "application/json"}
    for entry in extra.get("HeaderParameters") or ():
        _set_header(headers, entry["Key"], entry.get("Value", ""))
    url = oauth["AuthorizationEndpoint"]
    if method == "GET":
        query, params = query + params, []
    if query:
        url += ("&" if urlsplit(url).query else "?") + "&".join(f"{_escape(k)}={_escape(v)}" for k, v in query)
    body = None
    if method != "GET":
        body = "&".join(f"{_escape(k)}={_escape(v)}" for k, v in params).encode("ascii")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        response = send(Request(method, url, headers, body), budget.left())
    except ASLError as err:
        raise ASLError(INVALID_CONNECTION_STATE, f"The OAuth authorization endpoint of connection "
                                                 f"'{connection.arn}' cannot be reached: {err.cause}") from None
    token, expires_in = None, None
    if 200 <= response.status < 300:
        try:
            answer = json.loads(response.data.decode("utf-8"))
            token = answer.get("access_token")
            expires_in = answer.get("expires_in")
        except (ValueError, AttributeError):
            token = None
    if not isinstance(token, str) or not token:
        raise ASLError(INVALID_CONNECTION_STATE,
                       f"The OAuth authorization endpoint of connection '{connection.arn}' did not return an "
                       f"access token (HTTP {response.status} {response.reason}).")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)
    return token, float(expires_in) if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) \
        else None
