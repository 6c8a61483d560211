"""AWS's quotas and the few limits asl-runtime adds, in one place, and how sizes are measured.

Every module that enforces one of these reads it from here, so a limit is written once.  Sizes
are bytes of compact UTF-8 JSON, as AWS counts payloads and variables: `json_size` is the one
measure (the engine's hot-path check, engine/payload.py, is a cheaper bound on the same thing).
"""

from __future__ import annotations

import json

#: A state's input or output, an execution's input, a Task's result (StartExecution, state quotas).
MAX_PAYLOAD_BYTES = 262_144
#: One workflow variable, and everything one Assign stores.
MAX_VARIABLE_BYTES = MAX_PAYLOAD_BYTES
MAX_ASSIGN_BYTES = MAX_PAYLOAD_BYTES
#: Every variable a scope can see after an assignment.
MAX_TOTAL_VARIABLE_BYTES = 10 * 1024 * 1024
#: Events in a Standard execution's history.
MAX_EVENTS = 25_000
#: An Express execution has no event limit (AWS keeps no history for it, only logs), so past this
#: many events the oldest half is let go: memory stays bounded however long the execution runs.
EXPRESS_WINDOW = 500_000
#: The states-visited rows a distributed Map's child executions keep in the execution's result:
#: past this many, rows from the middle that add nothing to coverage are let go, so a
#: million-item Map Run's memory stays bounded (AWS keeps each child's history apart too).
MAX_CHILD_VISITS = 20_000
#: How long AWS lets an execution run, by state machine type.
MAX_DURATION = {"STANDARD": 365 * 24 * 3600, "EXPRESS": 5 * 60}
#: A Task without TimeoutSeconds may run this long (AWS's documented default).
DEFAULT_TASK_TIMEOUT = 99_999_999
#: AWS keeps a Wait's remaining time in a signed 32-bit count of seconds: a Timestamp 24,855 days
#: ahead is waited for (the execution then times out at its 1-year limit), one 24,856 days ahead
#: fails the state at once (localstack's AWS-validated test_timestamp_too_far_in_future_boundary).
MAX_WAIT_SECONDS = 2**31
#: The AWS API's limit on a taskToken.
MAX_TOKEN_LENGTH = 2048
#: states:startExecution runs children in-process; a chain nests at most this deep.
MAX_EXECUTION_NESTING = 20
#: Under the real clock, Map iterations (MaxConcurrency 0) and Parallel branches run on at most
#: this many threads at once: an inline Map's documented concurrency.
MAX_THREADS = 40


def _make_chunker():
    """A function returning the compact JSON of a value as chunks (C encoder when available)."""
    try:
        from _json import make_encoder
        from json.encoder import encode_basestring

        def default(o):
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

        encoder = make_encoder(None, default, encode_basestring, False, ":", ",", False, False, False)
        return lambda value: encoder(value, 0)
    except (ImportError, TypeError):  # another Python: the pure encoder gives the same text
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        return lambda value: (encode(value),)


#: json_chunks(value) -> the compact JSON text of value, in pieces.
json_chunks = _make_chunker()


def json_size(value) -> int:
    """Bytes of `value` as compact UTF-8 JSON; raises ValueError/TypeError if it is not JSON."""
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if value.__class__ is int:
        return len(str(value))
    if value.__class__ is str and value.isascii() and value.isprintable() and '"' not in value \
            and "\\" not in value:
        return len(value) + 2
    return len("".join(json_chunks(value)).encode("utf-8"))
