"""Choice rules compiled to predicates (JSONPath form).

Each rule becomes one closure at load time; a Choice state then evaluates closures in order.
Type mismatches make a comparison false, as AWS does; only a missing `Variable` is an error.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..errors import PathNotFound
from .jsonpath import compile_path, evaluate
from .timestamps import parse_timestamp

Predicate = Callable[[Any, Any, Any], bool]


class ChoicePathError(Exception):
    """A rule's Variable (or ...Path operand) matched nothing in the input."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _string_matches(pattern: str) -> re.Pattern:
    """`*` matches any run of characters; `\\*` and `\\\\` are a literal star and backslash."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _num_cmp(op):
    return lambda a, b: _is_number(a) and _is_number(b) and op(a, b)


def _str_cmp(op):
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and op(a, b)


def _ts_cmp(op):
    def cmp(a, b):
        ta, tb = parse_timestamp(a), parse_timestamp(b)
        return ta is not None and tb is not None and op(ta, tb)
    return cmp


def _bool_eq(a, b):
    return isinstance(a, bool) and isinstance(b, bool) and a == b


_EQ = lambda a, b: a == b  # noqa: E731
_LT = lambda a, b: a < b  # noqa: E731
_LE = lambda a, b: a <= b  # noqa: E731
_GT = lambda a, b: a > b  # noqa: E731
_GE = lambda a, b: a >= b  # noqa: E731

#: Binary comparison operators: name -> compare(variable_value, operand).
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": _str_cmp(_EQ), "StringLessThan": _str_cmp(_LT),
    "StringGreaterThan": _str_cmp(_GT), "StringLessThanEquals": _str_cmp(_LE),
    "StringGreaterThanEquals": _str_cmp(_GE),
    "NumericEquals": _num_cmp(_EQ), "NumericLessThan": _num_cmp(_LT),
    "NumericGreaterThan": _num_cmp(_GT), "NumericLessThanEquals": _num_cmp(_LE),
    "NumericGreaterThanEquals": _num_cmp(_GE),
    "BooleanEquals": _bool_eq,
    "TimestampEquals": _ts_cmp(_EQ), "TimestampLessThan": _ts_cmp(_LT),
    "TimestampGreaterThan": _ts_cmp(_GT), "TimestampLessThanEquals": _ts_cmp(_LE),
    "TimestampGreaterThanEquals": _ts_cmp(_GE),
}

_TIMESTAMP_OPS = {"TimestampEquals": _EQ, "TimestampLessThan": _LT, "TimestampGreaterThan": _GT,
                  "TimestampLessThanEquals": _LE, "TimestampGreaterThanEquals": _GE}

#: Type tests: name -> test(value) for a present value.
TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

OPERATORS = frozenset(COMPARISONS) | {k + "Path" for k in COMPARISONS} | frozenset(TYPE_TESTS) | {
    "IsPresent", "StringMatches"}


def _getter(path_text: str):
    path = compile_path(path_text)

    def get(input, context, variables):
        try:
            return evaluate(path, input, context, variables)
        except PathNotFound:
            raise ChoicePathError(path_text) from None
    return get


def compile_rule(rule: dict) -> Predicate:
    """Compile one Choice rule (a top-level rule or one nested in And/Or/Not)."""
    if "And" in rule:
        parts = tuple(compile_rule(r) for r in rule["And"])
        return lambda i, c, v: all(p(i, c, v) for p in parts)
    if "Or" in rule:
        parts = tuple(compile_rule(r) for r in rule["Or"])
        return lambda i, c, v: any(p(i, c, v) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda i, c, v: not inner(i, c, v)
    var_text = rule["Variable"]
    get = _getter(var_text)
    var_path = compile_path(var_text)
    for op, operand in rule.items():
        if op in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        if op == "IsPresent":
            want = operand

            def is_present(i, c, v):
                try:
                    evaluate(var_path, i, c, v)
                    return want
                except PathNotFound:
                    return not want
            return is_present
        if op in TYPE_TESTS:
            test, want = TYPE_TESTS[op], operand

            def type_test(i, c, v):
                try:
                    value = evaluate(var_path, i, c, v)
                except PathNotFound:
                    return False
                return test(value) == want
            return type_test
        if op == "StringMatches":
            rx = _string_matches(operand)
            return lambda i, c, v: (lambda x: isinstance(x, str) and rx.fullmatch(x) is not None)(get(i, c, v))
        if op.endswith("Path") and op[:-4] in COMPARISONS:
            cmp, other = COMPARISONS[op[:-4]], _getter(operand)
            return lambda i, c, v: cmp(get(i, c, v), other(i, c, v))
        if op in _TIMESTAMP_OPS:  # the literal operand is parsed once, here
            compare, when = _TIMESTAMP_OPS[op], parse_timestamp(operand)
            if when is None:
                def never(i, c, v):
                    get(i, c, v)  # a missing Variable is still an error
                    return False
                return never
            return lambda i, c, v: (lambda t: t is not None and compare(t, when))(parse_timestamp(get(i, c, v)))
        if op in COMPARISONS:
            cmp, const = COMPARISONS[op], operand
            return lambda i, c, v: cmp(get(i, c, v), const)
    raise ValueError(f"Choice rule has no comparison operator: {sorted(rule)}")
