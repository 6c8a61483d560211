"""How deep JSON may nest, and which numbers are JSON: checked where values enter a run.

AWS documents no nesting limit (its JSON parser, Jackson, refuses documents nested over 1,000
levels by default). Python evaluates nested values recursively, so asl-runtime draws the line
lower, at MAX_NESTING levels, and reports it as AWS reports bad JSON instead of overflowing the
stack. JSON has no NaN or Infinity, and a number like 1e400 has no double value: both are refused.
"""

from __future__ import annotations

import math

#: Containers (objects and arrays) one inside another that a definition or payload may have.
MAX_NESTING = 500


def too_deep(value, limit: int = MAX_NESTING) -> bool:
    """True when `value` has more than `limit` containers one inside another (no recursion)."""
    cls = value.__class__
    if cls is not dict and cls is not list:
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if node.__class__ is dict else node
        for child in children:
            c = child.__class__
            if c is dict or c is list:
                stack.append((child, depth + 1))
    return False


def reject_constant(name: str):
    """json.loads `parse_constant`: NaN, Infinity and -Infinity are not JSON."""
    raise ValueError(f"{name} is not a JSON number")


def finite_float(text: str) -> float:
    """json.loads `parse_float`: a number out of the double range (1e400) is refused."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is out of range")
    return value
