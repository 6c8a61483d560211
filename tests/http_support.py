"""A loopback HTTP server for HTTP Task tests: it records every request and answers by route.

Routes are path -> callable(Received) -> (status, headers dict, body bytes | str | JSON value).
The default route echoes the request back as JSON.  Everything listens on 127.0.0.1, a port the
operating system picks.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict  # name as sent -> value
    body: bytes

    def header(self, name: str):
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def query_pairs(self) -> list:
        return parse_qsl(self.query, keep_blank_values=True)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class LoopbackAPI:
    server: ThreadingHTTPServer
    routes: dict = field(default_factory=dict)
    received: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def last(self, path: str | None = None) -> Received:
        matching = [r for r in self.received if path is None or r.path == path]
        return matching[-1]

    def calls(self, path: str) -> list:
        return [r for r in self.received if r.path == path]


def echo(request: Received):
    return 200, {"Content-Type": "application/json"}, {
        "method": request.method, "path": request.path, "query": request.query,
        "headers": request.headers, "body": request.body.decode("utf-8", "replace")}


def _handler_class(api: LoopbackAPI):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Received(self.command, parts.path, parts.query, dict(self.headers.items()), body)
            api.received.append(request)
            status, headers, payload = api.routes.get(parts.path, echo)(request)
            if isinstance(payload, (dict, list)):
                payload = json.dumps(payload)
            if isinstance(payload, str):
                payload = payload.encode("utf-8")
            self.send_response(status)
            for name, value in (headers.items() if isinstance(headers, dict) else headers):
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def log_message(self, *args):
            pass

    return Handler


def start_api() -> LoopbackAPI:
    api = LoopbackAPI(server=None)
    api.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(api))
    api.server.daemon_threads = True
    threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.02}, name="loopback-api",
                     daemon=True).start()
    return api


def silent_server():
    """A socket that accepts connections (the kernel completes the handshake) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def basic_credentials(request: Received):
    value = request.header("Authorization") or ""
    if not value.startswith("Basic "):
        return None
    return tuple(base64.b64decode(value[6:]).decode().split(":", 1))
