"""Reading definitions: files and text to a dict, with located errors for malformed JSON."""

from __future__ import annotations

import json
import os

from ..errors import DefinitionError
from .problems import Problem


def load_definition_text(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        err = DefinitionError([Problem("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")])
        err.malformed_json = True
        raise err from None
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
