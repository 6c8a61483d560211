"""DefinitionSubstitutions: `${Key}` placeholders filled as SAM and CloudFormation fill them.

CloudFormation replaces each `${key}` of the definition text whose key is in the map with the
value's text; other `${...}` stay as they are. Here the replacement is made in every string (keys
too) of the parsed definition, which is the same for placeholders that sit inside JSON strings,
and a placeholder whose key is not in a non-empty map is reported, since it is almost always a typo
or a forgotten value (a literal `${...}` in a Pass Result would need no substitutions at all).
"""

from __future__ import annotations

import json
import re

from ..errors import DefinitionError
from .problems import Problem, pointer

PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")


def substitution_text(value) -> str:
    """A substitution's value as it lands in the definition text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    raise TypeError(f"a substitution value must be a string, number or boolean, not {type(value).__name__}")


def apply(definition, substitutions: dict) -> dict:
    """`definition` with its placeholders filled; DefinitionError listing those left unfilled."""
    values = {str(k): substitution_text(v) for k, v in substitutions.items()}
    missing: list[Problem] = []

    def fill(text: str, at: tuple) -> str:
        def one(match):
            key = match.group(1)
            if key in values:
                return values[key]
            missing.append(Problem(pointer(*at), f"${{{key}}} has no substitution: give it with "
                                                 f"--substitution {key}=VALUE (or in --substitutions FILE)."))
            return match.group()
        return PLACEHOLDER.sub(one, text) if "${" in text else text

    def walk(node, at: tuple):
        if isinstance(node, dict):
            return {fill(k, at + (k,)) if isinstance(k, str) else k: walk(v, at + (k,)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, at + (i,)) for i, v in enumerate(node)]
        if isinstance(node, str):
            return fill(node, at)
        return node

    filled = walk(definition, ())
    if missing:
        raise DefinitionError(list(dict.fromkeys(missing)))
    return filled


def parse_pairs(pairs) -> dict:
    """KEY=VALUE strings as a dict; ValueError naming the first that is not of that form."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--substitution takes KEY=VALUE, not {pair!r}")
        out[key] = value
    return out
