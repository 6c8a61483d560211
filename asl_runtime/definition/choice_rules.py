"""Choice rules, whose shape AWS checks rule by rule and a schema can only approximate.

JSONPath: Variable and one comparison, or one of And/Or/Not. JSONata: a Condition."""

from __future__ import annotations

from ..query.jsonpath import path_syntax_error
from ..query.timestamps import is_rfc3339
from .problems import Problem

COMPARISONS = (
    "StringEquals", "StringEqualsPath", "StringLessThan", "StringLessThanPath",
    "StringGreaterThan", "StringGreaterThanPath", "StringLessThanEquals",
    "StringLessThanEqualsPath", "StringGreaterThanEquals", "StringGreaterThanEqualsPath",
    "StringMatches",
    "NumericEquals", "NumericEqualsPath", "NumericLessThan", "NumericLessThanPath",
    "NumericGreaterThan", "NumericGreaterThanPath", "NumericLessThanEquals",
    "NumericLessThanEqualsPath", "NumericGreaterThanEquals", "NumericGreaterThanEqualsPath",
    "BooleanEquals", "BooleanEqualsPath",
    "TimestampEquals", "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath",
    "TimestampGreaterThan", "TimestampGreaterThanPath", "TimestampLessThanEquals",
    "TimestampLessThanEqualsPath", "TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath",
    "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
)
BOOLEAN_OPERATORS = ("And", "Or", "Not")
JSONPATH_RULE_FIELDS = ("Variable",) + COMPARISONS + BOOLEAN_OPERATORS

def check_choices(site):
    """Problems in every rule of the Choice state `site`, in its query language."""
    choices = site.state.get("Choices")
    if not isinstance(choices, list):
        return
    for i, rule in enumerate(choices):
        if not isinstance(rule, dict):
            continue
        at = ("Choices", i)
        if site.language == "JSONata":
            yield from jsonata_rule(site, at, rule)
        else:
            yield from jsonpath_rule(site, at, rule, top_level=True)


def jsonata_rule(site, at: tuple, rule: dict):
    for field in ("Condition", "Next"):
        if field not in rule:
            yield Problem(site.pointer(*at), f"A choice rule in a JSONata state must have {field}.")
    condition = rule.get("Condition")
    if isinstance(condition, str) and not (condition.startswith("{%") and condition.endswith("%}")):
        yield Problem(site.pointer(*at, "Condition"), "Condition must be true, false or a JSONata "
                                                      "expression \"{% ... %}\".")
    for field in JSONPATH_RULE_FIELDS:
        if field in rule:
            yield Problem(site.pointer(*at, field), f"{field} is a JSONPath choice-rule field; "
                                                    "a JSONata choice rule uses Condition.")


def jsonpath_rule(site, at: tuple, rule: dict, top_level: bool):
    if top_level and "Next" not in rule:
        yield Problem(site.pointer(*at), "A top-level choice rule must have Next.")
    if not top_level and "Next" in rule:
        yield Problem(site.pointer(*at, "Next"), "A choice rule nested in And, Or or Not cannot "
                                                 "have Next.")
    for field in ("Condition", "Output"):
        if field in rule:
            yield Problem(site.pointer(*at, field), f"{field} is a JSONata field and cannot be "
                                                    "used in a choice rule of a JSONPath state.")
    yield from _operator_count(site, at, rule)
    yield from _operands(site, at, rule)
    for op in ("And", "Or"):
        if isinstance(rule.get(op), list):
            for j, inner in enumerate(rule[op]):
                if isinstance(inner, dict):
                    yield from jsonpath_rule(site, (*at, op, j), inner, top_level=False)
    if isinstance(rule.get("Not"), dict):
        yield from jsonpath_rule(site, (*at, "Not"), rule["Not"], top_level=False)


def _operator_count(site, at: tuple, rule: dict):
    comparisons = [k for k in rule if k in COMPARISONS]
    booleans = [k for k in rule if k in BOOLEAN_OPERATORS]
    operators = comparisons + booleans
    if not operators:
        yield Problem(site.pointer(*at), "A choice rule needs Variable with a comparison "
                                         "operator, or one of And, Or and Not.")
    elif len(operators) > 1:
        yield Problem(site.pointer(*at, operators[1]), "A choice rule takes exactly one operator; "
                                                       f"this one has {', '.join(operators)}.")
    if comparisons and "Variable" not in rule:
        yield Problem(site.pointer(*at), f"A choice rule using {comparisons[0]} must have Variable.")
    if booleans and not comparisons and "Variable" in rule:
        yield Problem(site.pointer(*at, "Variable"), f"A choice rule using {booleans[0]} cannot "
                                                     "have Variable.")


def _operands(site, at: tuple, rule: dict):
    """Paths that parse and timestamps in RFC 3339; the schema has checked the other types."""
    variable = rule.get("Variable")
    error = path_syntax_error(variable) if isinstance(variable, str) else None
    if error:
        yield Problem(site.pointer(*at, "Variable"), f"Variable must be a valid JSONPath; "
                                                     f"{variable!r} is not ({error}).")
    for op in COMPARISONS:
        value = rule.get(op)
        if not isinstance(value, str):
            continue
        error = path_syntax_error(value) if op.endswith("Path") else None
        if error:
            yield Problem(site.pointer(*at, op), f"{op} must be a valid JSONPath; {value!r} is not "
                                                 f"({error}).")
        elif op.startswith("Timestamp") and not op.endswith("Path") and not is_rfc3339(value):
            yield Problem(site.pointer(*at, op), f"{op} must be an RFC 3339 timestamp such as "
                                                 f"2016-03-14T01:59:00Z; {value!r} is not.")


