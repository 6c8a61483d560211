"""ValidateStateMachineDefinition's diagnostics: our validator's problems in AWS's codes.

AWS documents the codes (INVALID_JSON_DESCRIPTION, SCHEMA_VALIDATION_FAILED, DUPLICATE_STATE_NAME,
MISSING_END_STATE, ...) and says clients should rely only on `result`; the location is the
problem's JSON Pointer, as AWS reports it ("/States/A/Next").
"""

from __future__ import annotations

import json
import re

from ..definition.validator import validate

# (code, what the problem's message or location says), first match wins.
_CODES = (
    ("DUPLICATE_STATE_NAME", re.compile(r"^State name .* is already used")),
    ("MISSING_END_STATE", re.compile(r"no terminal state", re.I)),
    ("MISSING_TRANSITION_TARGET", re.compile(r"names state .*which does not", re.S)),
    ("INVALID_STATE_NAME", re.compile(r"^State name ")),
)


def diagnostics(text: str) -> list[dict]:
    """Every diagnostic for the definition text, errors first."""
    if not text.strip():
        return [{"severity": "ERROR", "code": "MISSING_DESCRIPTION", "message": "The definition is empty."}]
    try:
        definition = json.loads(text)
    except ValueError as exc:
        return [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": f"Invalid JSON: {exc}"}]
    if not isinstance(definition, dict):
        return [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                 "message": "A state machine definition must be a JSON object.", "location": "/"}]
    out = []
    for problem in validate(definition):
        out.append({"severity": "ERROR", "code": _code(problem.path, problem.message),
                    "message": problem.message, "location": problem.path or "/"})
    return out


def _code(path: str, message: str) -> str:
    for code, pattern in _CODES:
        if pattern.search(message):
            return code
    if path.endswith("/Resource"):
        return "INVALID_RESOURCE"
    return "SCHEMA_VALIDATION_FAILED"
