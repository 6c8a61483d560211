"""YAML definitions (`.asl.yaml`, SAM/CloudFormation templates) read as CloudFormation reads them.

PyYAML's safe loader, with three changes: timestamps stay strings (a Wait's `Timestamp:
2026-01-01T00:00:00Z` is text in ASL, not a date), keys become strings as they do in the JSON
CloudFormation hands to Step Functions, and CloudFormation's short tags (`!Sub`, `!GetAtt`, `!Ref`,
...) become their long form (`{"Fn::Sub": ...}`) instead of failing the load.
"""

from __future__ import annotations

import math

import yaml

from ..errors import DefinitionError
from .problems import Problem


class DefinitionLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver and with CloudFormation's tags."""


DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _cloudformation_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    """!Ref X -> {"Ref": X}; !GetAtt A.B -> {"Fn::GetAtt": ["A", "B"]}; !Sub/!Join/... -> {"Fn::...": ...}."""
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


DefinitionLoader.add_multi_constructor("!", _cloudformation_tag)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode):
    loader.flatten_mapping(node)
    out = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key if isinstance(key, str) else _key_text(key)] = loader.construct_object(value_node, deep=True)
    return out


def _key_text(key) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


DefinitionLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str, source: str = "the definition"):
    """The YAML document in `text`; a DefinitionError (malformed) located at line and column."""
    try:
        value = yaml.load(text, Loader=DefinitionLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "malformed"
        raise malformed(f"not valid YAML: {what}{where}") from None
    except yaml.YAMLError as exc:
        raise malformed(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise malformed("the definition is nested too deeply to read") from None
    _check_json(value, [])
    return value


def _check_json(value, at: list) -> None:
    """YAML holds more than JSON: .nan, .inf and binary values cannot be a definition's."""
    stack = [(value, at)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, where + [k]) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, where + [i]) for i, v in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise malformed(f"{node} at /{'/'.join(map(str, where))} is not a JSON number")
        elif not isinstance(node, (str, int, float, bool, type(None))):
            raise malformed(f"a {type(node).__name__} at /{'/'.join(map(str, where))} is not a JSON value")


def malformed(message: str) -> DefinitionError:
    err = DefinitionError([Problem("", message)])
    err.malformed_json = True
    return err
