"""Executions kept in files: `asl run --save` writes them, `asl show` / `asl report` read them.

A saved run is the JSON `aws stepfunctions get-execution-history` prints (`{"events": [...]}`)
with two more members: `execution` (the shape `describe-execution` prints) and `definition`.
So the reader takes either file, and AWS's own output needs no conversion.
"""

from __future__ import annotations

import json
import os

from ..definition.loader import load_definition_file
from ..errors import DefinitionError
from .model import ExecutionModel


class ViewInputError(Exception):
    """A file given to show/report that cannot be read as an execution; the message says why."""


def saved_run(result, definition: dict | None, clock: str = "virtual") -> dict:
    """The --save document of one ExecutionResult."""
    history = result.history
    shown = result.to_dict()  # connection secrets masked, as in the history
    start = history[0]["timestamp"] if history else None
    stop = history[-1]["timestamp"] if history and result.status != "RUNNING" else None
    arn = result.execution_arn
    parts = arn.split(":")
    execution = {"executionArn": arn,
                 "stateMachineArn": ":".join(parts[:5] + ["stateMachine", parts[6]]) if len(parts) > 6 else None,
                 "name": parts[7] if len(parts) > 7 else None, "status": result.status,
                 "startDate": start, "stopDate": stop,
                 "input": _first_input(history),
                 "output": json.dumps(shown["output"], ensure_ascii=False) if result.status == "SUCCEEDED" else None,
                 "error": result.error, "cause": shown["cause"]}
    return {"events": history, "execution": {k: v for k, v in execution.items() if v is not None},
            "definition": definition, "aslRuntime": {"clock": clock}}


def _first_input(history):
    for event in history:
        details = event.get("executionStartedEventDetails")
        if details:
            return details.get("input")
    return None


def read_json(path: str, what: str):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ViewInputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ViewInputError(f"{what} {path} is not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ViewInputError(f"{what} {path} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None


def load_execution(path: str, describe_path: str | None = None, definition_path: str | None = None):
    """(model, definition or None) from a saved run or get-execution-history JSON."""
    doc = read_json(path, "execution history")
    if isinstance(doc, list):
        doc = {"events": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise ViewInputError(f"{path} holds no execution history: expected the JSON of `aws stepfunctions "
                             f"get-execution-history` ({{\"events\": [...]}}) or of `asl run --save`")
    bad = next((i for i, e in enumerate(doc["events"]) if not isinstance(e, dict) or "type" not in e), None)
    if bad is not None:
        raise ViewInputError(f"{path}: events[{bad}] is not a history event (an object with a \"type\")")
    describe = doc.get("execution") if isinstance(doc.get("execution"), dict) else None
    if describe_path is not None:
        describe = read_json(describe_path, "describe-execution output")
        if not isinstance(describe, dict):
            raise ViewInputError(f"{describe_path} is not the JSON object `aws stepfunctions describe-execution` "
                                 f"prints")
    definition = doc.get("definition") if isinstance(doc.get("definition"), dict) else None
    if definition_path:
        definition = load_definition(definition_path)
    if definition is None and describe and isinstance(describe.get("definition"), str):
        try:
            definition = json.loads(describe["definition"])  # describe-state-machine-for-execution
        except ValueError:
            definition = None
    model = ExecutionModel.from_history(doc["events"], describe=describe, definition=definition)
    clock = (doc.get("aslRuntime") or {}).get("clock") if isinstance(doc.get("aslRuntime"), dict) else None
    model.source = "virtual" if clock == "virtual" else "recorded"
    return model, definition


def load_definition(path: str) -> dict:
    if not os.path.isfile(path):
        raise ViewInputError(f"cannot read definition {path}: no such file")
    try:
        definition = load_definition_file(path)
    except OSError as exc:
        raise ViewInputError(f"cannot read definition {path}: {exc.strerror or exc}") from None
    except DefinitionError as exc:
        lines = "; ".join(f"{p.path or '/'}: {p.message}" for p in exc.errors)
        raise ViewInputError(f"{path} is not a state machine definition: {lines}") from None
    if not isinstance(definition, dict) or not isinstance(definition.get("States"), dict):
        raise ViewInputError(f"{path} is not a state machine definition: it has no States object")
    return definition
