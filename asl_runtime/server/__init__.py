"""`asl serve`: the Step Functions API over HTTP, backed by the engine and a SQLite store.

    from asl_runtime.server import start_server
    server = start_server(port=0)          # a free loopback port; server.port says which
    ...                                    # boto3.client("stepfunctions", endpoint_url=...)
    server.shutdown()
"""

from __future__ import annotations

import threading

from .operations import ServerConfig, StepFunctions
from .protocol import Server
from .store_sqlite import SqliteStore

__all__ = ["ServerConfig", "StepFunctions", "Server", "SqliteStore", "start_server"]


def start_server(host: str = "127.0.0.1", port: int = 0, db: str | None = None, config: ServerConfig | None = None,
                 verbose: bool = False) -> Server:
    """A server answering on a background thread (for tests and embedding); `.shutdown()` ends it."""
    service = StepFunctions(config, SqliteStore(db))
    server = Server(service, host, port, verbose=verbose)
    service.resume_running()
    threading.Thread(target=server.serve_forever, name="asl-serve", daemon=True).start()
    return server
