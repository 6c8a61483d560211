"""Lambda functions served by local Python handlers, reporting results and errors as Lambda does."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import sys
import traceback
import uuid
from importlib.machinery import SourceFileLoader
from typing import Callable

from ..errors import ASLError, TaskFailed


class HandlersFileError(Exception):
    """A --handlers file that cannot be loaded (missing, or raising on import)."""


def load_handlers(path: str) -> dict[str, Callable]:
    """Top-level functions of a Python file, keyed by the name they are bound to.

    A module-level `resolve(function_name)` (optional) supplies handlers for other names.
    """
    if not os.path.isfile(path):
        raise HandlersFileError(f"handlers file not found: {path}")
    name = "asl_handlers_" + uuid.uuid4().hex
    # An explicit loader reads any file as Python source, whatever its suffix (a spec would be None).
    spec = importlib.util.spec_from_file_location(name, path, loader=SourceFileLoader(name, path))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - report any import-time failure of user code
        raise HandlersFileError(f"cannot load handlers file {path}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.pop(0)
    handlers = {k: v for k, v in vars(module).items()
                if inspect.isfunction(v) and not k.startswith("_")}
    resolver = handlers.pop("resolve", None)
    if resolver is not None:
        handlers = _ResolvingHandlers(handlers, resolver)
    return handlers


def load_handler_files(paths) -> dict[str, Callable]:
    """The handlers of several files, a later file's names winning; a file's `resolve` keeps
    answering for names none of them defines."""
    handlers: dict = {}
    for path in paths:
        loaded = load_handlers(path)
        if handlers and hasattr(loaded, "_resolver"):
            loaded.update(handlers)
            handlers = loaded
        else:
            handlers.update(loaded)
    return handlers


class _ResolvingHandlers(dict):
    """Handlers with a fallback resolver for names the file does not define."""

    def __init__(self, handlers, resolver):
        super().__init__(handlers)
        self._resolver = resolver

    def get(self, key, default=None):
        if key in self:
            return self[key]
        try:
            return self._resolver(key)
        except Exception:  # noqa: BLE001 - an unknown name is simply not found
            return default


class LambdaContext:
    """The `context` argument a Python Lambda handler receives (the parts handlers commonly use)."""

    def __init__(self, function_name: str, arn: str, request_id: str, remaining_ms: Callable[[], int]):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = 128
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining()


def function_name_of(resource_or_name: str) -> tuple[str, str | None]:
    """(name, qualifier) from a function name, partial ARN or full ARN."""
    text = resource_or_name
    if ":function:" in text:
        text = text.split(":function:", 1)[1]
    elif text.startswith("function:"):
        text = text[len("function:"):]
    parts = text.split(":")
    return parts[0], (parts[1] if len(parts) > 1 else None)


def not_found(arn: str) -> ASLError:
    request_id = str(uuid.uuid4())
    return ASLError("Lambda.ResourceNotFoundException",
                    f"Function not found: {arn}:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: "
                    f"ResourceNotFoundException; Request ID: {request_id}; Proxy: null)")


def find_handler(handlers, function_name: str, state_name: str | None = None):
    """The handler for a Lambda Task: the one named after its state, else after its function."""
    if state_name is not None and state_name != function_name:
        handler = handlers.get(state_name)
        if handler is not None:
            return handler
    return handlers.get(function_name)


def invoke_handler(handler: Callable, event, context: LambdaContext) -> tuple[bytes, str | None]:
    """Run a handler as the Python runtime would: (payload bytes, function error or None).

    A handler raising TaskFailed is not a function error: the TaskFailed propagates to the Task.
    """
    try:
        result = handler(event, context)
    except TaskFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - an unhandled function error, reported as Lambda does
        return json.dumps(error_document(exc, context.aws_request_id)).encode(), "Unhandled"
    except SystemExit as exc:  # the function's process exits: Lambda reports Runtime.ExitError
        doc = {"errorType": "Runtime.ExitError", "errorMessage":
               f"RequestId: {context.aws_request_id} Error: Runtime exited with error: exit status {exc.code}"}
        return json.dumps(doc).encode(), "Unhandled"
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), None
    try:
        # NaN and Infinity are not JSON; Step Functions could not read such a payload.
        return json.dumps(result, allow_nan=False).encode(), None
    except (TypeError, ValueError) as exc:
        doc = {"errorMessage": f"Unable to marshal response: {exc}", "errorType": "Runtime.MarshalError",
               "requestId": context.aws_request_id, "stackTrace": []}
        return json.dumps(doc).encode(), "Unhandled"


def error_document(exc: BaseException, request_id: str) -> dict:
    """errorMessage, errorType, requestId, stackTrace: the Python runtime's error payload."""
    stack = getattr(exc, "stack_trace", None)
    if stack is None:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
    return {"errorMessage": str(exc), "errorType": type(exc).__name__, "requestId": request_id,
            "stackTrace": stack}


def decode_payload(payload: bytes):
    """The JSON value of a response payload (Lambda responses are JSON text)."""
    text = payload.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
