"""Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`).

A template is walked once at load time: constant parts stay as they are, `key.$` entries become
closures over compiled paths or intrinsic calls, so building a payload is one pass of calls.
"""

from __future__ import annotations

from typing import Any, Callable

from ..errors import PathNotFound
from .intrinsics import compile_intrinsic, is_intrinsic
from .jsonpath import compile_path, evaluate

# evaluate(input, context, variables) -> value
Getter = Callable[[Any, Any, Any], Any]


class TemplateFieldError(Exception):
    """A `.$` field whose path matched nothing; the engine turns it into AWS's States.Runtime."""

    def __init__(self, key: str, path: str, input_value):
        super().__init__(f"{key}: {path}")
        self.key, self.path, self.input_value = key, path, input_value


def _dynamic(key: str, expr: str) -> Getter:
    if is_intrinsic(expr):
        return compile_intrinsic(expr)
    path = compile_path(expr)
    keys = path._fast if path.root == "$" else None
    if keys is not None and len(keys) == 1:
        # `$.name`, the most common template entry: one dict lookup.
        name = keys[0]

        def get_name(input, context, variables):
            if input.__class__ is dict:
                try:
                    return input[name]
                except KeyError:
                    pass
            raise TemplateFieldError(key, expr, input)
        return get_name

    def get(input, context, variables):
        try:
            return evaluate(path, input, context, variables)
        except PathNotFound:
            raise TemplateFieldError(key, expr, input) from None
    return get


def compile_template(template) -> tuple[Getter, bool]:
    """(builder, uses_context): builder(input, context, variables) returns the payload."""
    uses_context = False

    def build(node) -> tuple[Getter | None, Any]:
        nonlocal uses_context
        if isinstance(node, dict):
            parts, constant = [], True
            for key, value in node.items():
                if key.endswith(".$") and isinstance(value, str):
                    uses_context = uses_context or "$$" in value
                    parts.append((key[:-2], _dynamic(key, value), None))
                    constant = False
                else:
                    fn, const = build(value)
                    parts.append((key, fn, const))
                    constant = constant and fn is None
            if constant:
                return None, node
            items = tuple(parts)

            def make_obj(input, context, variables):
                return {k: (fn(input, context, variables) if fn is not None else const)
                        for k, fn, const in items}
            return make_obj, None
        if isinstance(node, list):
            built = [build(v) for v in node]
            if all(fn is None for fn, _ in built):
                return None, node
            elems = tuple(built)

            def make_list(input, context, variables):
                return [fn(input, context, variables) if fn is not None else const for fn, const in elems]
            return make_list, None
        return None, node

    fn, const = build(template)
    if fn is None:
        return (lambda input, context, variables: const), False
    return fn, uses_context
