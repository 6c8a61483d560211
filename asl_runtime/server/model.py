"""botocore's Step Functions service model: the operations we serve and how requests are checked.

The model is read from the installed botocore (the same file every AWS SDK is generated from),
so required members, lengths, ranges, enums and patterns are AWS's, not a hand-written copy.
"""

from __future__ import annotations

import functools
import math
import re

from .errors import ServiceError

SERVICE = "stepfunctions"
TARGET_PREFIX = "AWSStepFunctions"


@functools.cache
def service_model() -> dict:
    try:
        import botocore.loaders
    except ImportError:  # pragma: no cover - the server extra installs it
        raise SystemExit("asl serve needs botocore: pip install 'asl-runtime[server]'") from None
    return botocore.loaders.Loader().load_service_model(SERVICE, "service-2")


def operations() -> dict[str, dict]:
    return service_model()["operations"]


def shapes() -> dict[str, dict]:
    return service_model()["shapes"]


@functools.cache
def _pattern(pattern: str):
    # The model's patterns are Java regexes; \p{ASCII} is the one construct Python lacks.
    return re.compile(pattern.replace(r"\p{ASCII}", r"\x00-\x7f" if "[" in pattern else r"[\x00-\x7f]"))


def check_request(operation: str, body: dict) -> None:
    """Raise what AWS answers for a request that breaks the model (types first, then constraints)."""
    shape_name = operations()[operation]["input"]["shape"]
    problems: list[str] = []
    _check(shapes()[shape_name], body, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ServiceError("ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems))


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return str(value)
    return f"'{value}'" if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _check(shape: dict, value, where: str, problems: list[str]) -> None:
    kind = shape["type"]
    _check_type(kind, value, where)
    if kind == "structure":
        for name in shape.get("required", ()):
            if value.get(name) is None:
                problems.append(f"Value null at '{_join(where, name)}' failed to satisfy constraint: "
                                f"Member must not be null")
        for name, member in shape.get("members", {}).items():
            if value.get(name) is not None:
                _check(shapes()[member["shape"]], value[name], _join(where, name), problems)
        return
    if kind == "list":
        _check_size(shape, len(value), value, where, problems, "length")
        member = shapes()[shape["member"]["shape"]]
        for index, item in enumerate(value):
            _check(member, item, f"{where}.{index + 1}.member" if where else f"{index + 1}", problems)
        return
    if kind == "map":
        key_shape, value_shape = shapes()[shape["key"]["shape"]], shapes()[shape["value"]["shape"]]
        for key, item in value.items():
            _check(key_shape, key, f"{where}.key", problems)
            _check(value_shape, item, f"{where}.{key}", problems)
        return
    if kind == "string":
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"Value {_describe(value)} at '{where}' failed to satisfy constraint: Member must "
                            f"satisfy enum value set: [{', '.join(shape['enum'])}]")
            return
        _check_size(shape, len(value), value, where, problems, "length")
        if "pattern" in shape and not _pattern(shape["pattern"]).fullmatch(value):
            problems.append(f"Value {_describe(value)} at '{where}' failed to satisfy constraint: Member must "
                            f"satisfy regular expression pattern: {shape['pattern']}")
        return
    if kind in ("integer", "long", "float", "double"):
        _check_size(shape, value, value, where, problems, "value")


def _check_size(shape, size, value, where, problems, what) -> None:
    shown = _describe(value) if what == "value" or not isinstance(value, str) or len(value) <= 100 else "'...'"
    if "min" in shape and size < shape["min"]:
        relation = "greater than or equal to"
        problems.append(f"Value {shown} at '{where}' failed to satisfy constraint: Member must have "
                        f"{what} {relation} {_num(shape['min'])}")
    elif "max" in shape and size > shape["max"]:
        relation = "less than or equal to"
        problems.append(f"Value {shown} at '{where}' failed to satisfy constraint: Member must have "
                        f"{what} {relation} {_num(shape['max'])}")


def _num(n):
    return int(n) if float(n).is_integer() else n


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


_JSON_TYPES = {
    "structure": (dict,), "map": (dict,), "list": (list,), "string": (str,), "boolean": (bool,),
    "integer": (int,), "long": (int,), "float": (int, float), "double": (int, float),
    "timestamp": (int, float, str), "blob": (str,),
}


def _check_type(kind: str, value, where: str) -> None:
    ok = isinstance(value, _JSON_TYPES[kind])
    if ok and kind in ("integer", "long", "float", "double") and isinstance(value, bool):
        ok = False
    if ok and kind in ("float", "double") and not math.isfinite(value):
        ok = False
    if not ok:
        # AWS's JSON deserializer refuses a value of the wrong JSON type before any constraint.
        raise ServiceError("SerializationException",
                           f"Unexpected value type for '{where or 'request'}': expected {kind}, "
                           f"got {type(value).__name__.replace('dict', 'object').replace('str', 'string')}")
