"""AWS JSON 1.0 over HTTP: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`.

The standard library's ThreadingHTTPServer is enough here and adds no dependency: a thread per
connection suits this API, whose slow calls block (GetActivityTask long-polls up to 60 s,
StartSyncExecution runs a whole execution) and must not hold up other clients, while the
per-request work is small next to the engine's.  Keep-alive (HTTP/1.1) lets SDK connection
pools reuse sockets.  Any request, however malformed, gets an AWS-shaped error, never a crash.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
import uuid
from email.utils import formatdate
from urllib.parse import parse_qsl
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..query.io_jsonpath import to_json
from .console import render
from .errors import ServiceError
from .model import TARGET_PREFIX, check_request, operations

#: The largest request body accepted: a 1 MiB definition (AWS's limit) JSON-escaped, with room.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
CONTENT_TYPE = "application/x-amz-json-1.0"

_REASONS = {200: "OK", 400: "Bad Request"}
_date = (0, "")  # (second, its HTTP date): formatted once a second, not per response


def _http_date() -> str:
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, formatdate(now, usegmt=True))
    return _date[1]


def handle(service, target: str | None, body: bytes) -> tuple[int, dict]:
    """(HTTP status, JSON response) for one API call; the whole protocol, minus the socket."""
    try:
        operation = _operation(target)
        try:
            request = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError) as exc:
            raise ServiceError("SerializationException", f"The request body is not valid JSON: {exc}") from None
        if not isinstance(request, dict):
            raise ServiceError("SerializationException", "The request body must be a JSON object")
        check_request(operation, request)
        method = getattr(service, operation, None)
        if method is None:
            raise ServiceError("UnknownOperationException", f"{operation} is not served by asl-runtime")
        return 200, method(request)
    except ServiceError as exc:
        return exc.status, exc.to_dict()
    except Exception as exc:  # noqa: BLE001 - one bad request must not take the server down
        traceback.print_exc(file=sys.stderr)
        return 500, {"__type": "InternalFailure", "message": f"asl-runtime internal error: {type(exc).__name__}: {exc}"}


def _operation(target: str | None) -> str:
    if not target:
        raise ServiceError("UnknownOperationException", "The request has no X-Amz-Target header")
    prefix, _, name = target.partition(".")
    if prefix != TARGET_PREFIX or name not in operations():
        raise ServiceError("UnknownOperationException", f"Unknown operation: '{target}'")
    return name


class RequestHeaders(dict):
    """A request's headers by lower-case name, with the case-insensitive `get` handlers use."""

    def get(self, name: str, default=None):
        return dict.get(self, name.lower(), default)


MAX_HEADER_LINE = 65536
MAX_HEADERS = 100


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "asl-runtime"
    disable_nagle_algorithm = True  # a response is one small write; don't wait for the client's ACK

    def parse_request(self) -> bool:
        """The request line and headers, read without the standard library's email parser (which
        costs more than the rest of a DescribeExecution); errors answer as the standard one does."""
        self.command = None
        self.request_version = "HTTP/1.0"  # what an error answers with until the line says more
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({' '.join(words)[:100]!r})")
            return False
        self.command, self.path, version = words
        if version not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version})")
            return False
        self.request_version = version
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")  # never an absolute URI without a scheme
        headers = self.headers = RequestHeaders()
        while True:
            line = self.rfile.readline(MAX_HEADER_LINE + 1)
            if len(line) > MAX_HEADER_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(headers) >= MAX_HEADERS:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
                return False
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad header line ({line[:100]!r})")
                return False
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (self.request_version == "HTTP/1.0"
                                                          and connection != "keep-alive")
        if headers.get("expect", "").lower() == "100-continue" and self.request_version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def do_POST(self):
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else 0
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True
            return self._send(400, {"__type": "SerializationException", "message": "Invalid Content-Length"})
        if size > MAX_REQUEST_BYTES:
            self.close_connection = True  # the unread body would be taken for the next request
            return self._send(413, {"__type": "RequestEntityTooLargeException",
                                    "message": f"Request body of {size} bytes is larger than the "
                                               f"{MAX_REQUEST_BYTES} bytes accepted"})
        body = self.rfile.read(size) if size else b""
        status, response = handle(self.server.service, self.headers.get("X-Amz-Target"), body)
        self._send(status, response)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path not in ("/", "/index.html", "/execution"):
            return self._send(404, {"__type": "UnknownOperationException", "message": f"No page at {path}"})
        try:
            page = render(self.server.service, dict(parse_qsl(query)) if path == "/execution" else None).encode()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            return self._send(500, {"__type": "InternalFailure", "message": f"console: {exc}"})
        self._write(200, "text/html; charset=utf-8", page)

    def _unsupported(self):
        self.close_connection = True
        self._send(405, {"__type": "UnknownOperationException",
                         "message": f"{self.command} is not supported; the API is POST /"})

    do_PUT = do_DELETE = do_PATCH = _unsupported

    def _send(self, status: int, response: dict) -> None:
        self._write(status, CONTENT_TYPE, to_json(response).encode())

    def _write(self, status: int, content_type: str, data: bytes) -> None:
        """The whole response in one write: one send, one packet for the client to wake up for."""
        if self.server.verbose:
            self.log_request(status)
        reason = _REASONS.get(status) or HTTPStatus(status).phrase
        head = (f"{self.protocol_version} {status} {reason}\r\nServer: {self.server_version}\r\n"
                f"Date: {_http_date()}\r\nContent-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
                f"x-amzn-RequestId: {uuid.uuid4()}\r\n")
        if self.close_connection:
            head += "Connection: close\r\n"
        self.wfile.write(head.encode("latin-1") + b"\r\n" + data)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many SDK clients connect at once

    def __init__(self, service, host: str = "127.0.0.1", port: int = 8083, verbose: bool = False):
        self.service = service
        self.verbose = verbose
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]
