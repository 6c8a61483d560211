"""Reading definitions: files and text to a dict, with located errors for malformed JSON."""

from __future__ import annotations

import json
import os
import re

from ..errors import DefinitionError
from ..query.json_limits import MAX_NESTING, finite_float, reject_constant, too_deep
from .problems import Problem


def load_definition_text(text: str) -> dict:
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed(f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not isinstance(text, str):
        raise DefinitionError([Problem("", "a state machine definition must be a JSON object "
                                           f"(or its text), not {type(text).__name__}")])
    try:
        value = json.loads(text, parse_constant=reject_constant, parse_float=finite_float)
    except json.JSONDecodeError as exc:
        raise _malformed(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # NaN, Infinity or an out-of-range number, from the hooks above
        raise _malformed(f"not valid JSON: {exc}{_where_number(text, str(exc))}") from None
    except RecursionError:
        raise _malformed(f"the definition is nested more than {MAX_NESTING} levels deep, "
                         f"more than asl-runtime reads") from None
    if too_deep(value):
        raise _malformed(f"the definition is nested more than {MAX_NESTING} levels deep, "
                         f"more than asl-runtime reads")
    if not isinstance(value, dict):
        raise DefinitionError([Problem("", "a state machine definition must be a JSON object")])
    return value


def load_definition_file(path: str | os.PathLike) -> dict:
    """Raises OSError for unreadable files and DefinitionError for malformed JSON."""
    with open(path, encoding="utf-8") as fh:
        try:
            text = fh.read()
        except UnicodeDecodeError as exc:
            err = DefinitionError([Problem("", f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})")])
            err.malformed_json = True
            raise err from None
    return load_definition_text(text)


def _malformed(message: str) -> DefinitionError:
    err = DefinitionError([Problem("", message)])
    err.malformed_json = True
    return err


def _where_number(text: str, message: str) -> str:
    """' at line L column C' for the number a parse hook refused (its text is in the message)."""
    for token in ("-Infinity", "Infinity", "NaN") if "JSON number" in message else ():
        if token in message:
            break
    else:
        m = re.search(r"number (\S+) is out of range", message)
        token = m.group(1) if m else None
    at = text.find(token) if token else -1
    if at < 0:
        return ""
    line = text.count("\n", 0, at) + 1
    return f" at line {line} column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"
