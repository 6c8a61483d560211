"""Reading definitions: files and text to a dict, with located errors for malformed JSON or YAML.

Files ending .yaml/.yml are YAML (JSON is YAML too, so a JSON file of that name loads); the rest
JSON. A SAM or CloudFormation template is read for the state machine it defines (templates.py);
`substitutions` fill `${Key}` placeholders as DefinitionSubstitutions do (substitutions.py)."""

from __future__ import annotations

import json
import os
import re

from ..errors import DefinitionError
from ..query.json_limits import MAX_NESTING, finite_float, reject_constant, too_deep
from . import templates
from .problems import Problem
from .substitutions import apply as apply_substitutions


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


YAML_SUFFIXES = (".yaml", ".yml")


def is_yaml_name(path) -> bool:
    return str(path).lower().endswith(YAML_SUFFIXES)


def load_definition_file(path: str | os.PathLike, substitutions: dict | None = None,
                         state_machine_resource: str | None = None) -> dict:
    """Raises OSError for unreadable files and DefinitionError for malformed JSON or YAML, a
    template without the state machine, or a placeholder no substitution fills."""
    with open(path, encoding="utf-8") as fh:
        try:
            text = fh.read()
        except UnicodeDecodeError as exc:
            kind = "YAML" if is_yaml_name(path) else "JSON"
            raise _malformed(f"not valid {kind}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    document = _parse_yaml_file(text) if is_yaml_name(path) else _parse_json_file(text, path)
    if not isinstance(document, dict):
        raise DefinitionError([Problem("", "a state machine definition must be a JSON object")])
    if templates.is_template(document):
        document, from_template = templates.state_machine_definition(
            document, path, state_machine_resource, load_definition_file, load_definition_text)
        substitutions = {**from_template, **(substitutions or {})}
    elif state_machine_resource is not None:
        raise DefinitionError([Problem("", f"{os.fspath(path)} is a definition, not a SAM or CloudFormation "
                                           "template: --state-machine-resource does not apply")])
    if substitutions:
        document = apply_substitutions(document, substitutions)
    return document


def _parse_json_file(text: str, path) -> dict:
    try:
        return load_definition_text(text)
    except DefinitionError as exc:
        if getattr(exc, "malformed_json", False) and _looks_like_yaml(text):
            name = os.path.basename(os.fspath(path))
            stem = name[:-len(".asl.json")] if name.endswith(".asl.json") else os.path.splitext(name)[0]
            raise _malformed(f"{exc.errors[0].message}; the file looks like YAML: rename it to "
                             f"{stem}.asl.yaml") from None
        raise


def _parse_yaml_file(text: str):
    if text.lstrip().startswith("{"):
        try:  # JSON named .yaml: read it as JSON, with JSON's own error positions and limits
            return load_definition_text(text)
        except DefinitionError:
            pass
    from .yaml_text import load_yaml  # PyYAML (~15 ms) is imported only when a YAML file is read
    value = load_yaml(text)
    if too_deep(value):
        raise _malformed(f"the definition is nested more than {MAX_NESTING} levels deep, "
                         f"more than asl-runtime reads")
    return value


def _looks_like_yaml(text: str) -> bool:
    try:
        from .yaml_text import load_yaml  # lazy, as in _parse_yaml_file
        return isinstance(load_yaml(text), dict)
    except (DefinitionError, ImportError):
        return False


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
