"""Intrinsic functions (`States.Format(...)` and the rest), parsed once and compiled to closures.

Every function is declared once in `FUNCTIONS` with its argument types; `_check_arguments` is
the only place that produces arity and type errors, so each function body is plain logic.
A bad argument at run time raises a States.Runtime error, "Invalid arguments in States.X: ...", as AWS does;
a path that matches nothing lets `PathNotFound` through for the engine to report.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import RUNTIME, StateRuntimeError
from .json_limits import MAX_NESTING, finite_float, too_deep
from .jsonpath import PathSyntaxError, compile_path, evaluate

__all__ = [
    "ERROR", "FUNCTIONS", "Call", "Literal", "Path", "Intrinsic", "IntrinsicSyntaxError",
    "is_intrinsic", "parse_intrinsic", "compile_intrinsic",
]

# The ASL spec names States.IntrinsicFailure for these, but executions on AWS fail with
# States.Runtime and an "Invalid arguments in States.X" cause (prefixed, like every runtime error,
# with the state and its entered-event id), so that is what we raise.  One constant holds it.
ERROR = RUNTIME

#: Characters of a string the 10,000-character limits count (Java counts UTF-16 units).
MAX_TEXT = 10_000
#: Most items States.ArrayRange may produce.
MAX_RANGE = 1000
_INT32 = (-2**31, 2**31 - 1)


class IntrinsicSyntaxError(ValueError):
    """An intrinsic call that does not parse; the validator reports it with the field's location."""


class _Invalid(Exception):
    """A bad argument; the call that owns it turns it into a States.Runtime error naming the function."""


# --------------------------------------------------------------------------- AST
@dataclass(frozen=True)
class Literal:
    value: Any
    # The text between the quotes, escapes intact: States.Format needs to know which braces
    # were escaped.
    raw: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Path:
    text: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple = ()


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Intrinsic:
    """One intrinsic: its name, declared parameter kinds and the body run on checked values."""

    name: str
    params: tuple[str, ...]
    required: int
    variadic: bool
    body: Callable

    @property
    def max_args(self) -> int | None:
        return None if self.variadic else len(self.params)

    def kind(self, index: int) -> str:
        return self.params[min(index, len(self.params) - 1)]


FUNCTIONS: dict[str, Intrinsic] = {}


def intrinsic(name: str, *params):
    """Register a body under `name`; a param is a kind, or (kind, "variadic" | "optional")."""
    kinds, required, variadic = [], 0, False
    for p in params:
        kind, mode = (p, None) if isinstance(p, str) else p
        if kind not in _KINDS or mode not in (None, "variadic", "optional"):
            raise ValueError(f"bad parameter declaration {p!r} for {name}")
        if mode is None:
            required += 1
        variadic = mode == "variadic"
        kinds.append(kind)

    def register(body):
        FUNCTIONS[name] = Intrinsic(name, tuple(kinds), required, variadic, body)
        return body
    return register


def _is_number(v) -> bool:
    return type(v) is int or type(v) is float and math.isfinite(v)


def _int_value(v) -> int:
    """Java's Number.intValue of a JSON number: a double truncates, saturating at the int range."""
    if type(v) is int:
        return v
    return min(max(int(v), _INT32[0]), _INT32[1])


def _template(v):
    return v if type(v) is _Template else _Template.parse(v)


# kind -> (accepts(value), what it must be, convert or None)
_KINDS: dict[str, tuple[Callable, str, Callable | None]] = {
    "any": (lambda v: True, "any value", None),
    "string": (lambda v: type(v) is str, "a string", None),
    "number": (_is_number, "a number", None),
    # AWS documents rounding here but observably truncates (Java's intValue).
    "integer": (_is_number, "a number", _int_value),
    "boolean": (lambda v: type(v) is bool, "a boolean", None),
    "array": (lambda v: type(v) is list, "an array", None),
    "object": (lambda v: type(v) is dict, "an object", None),
    "template": (lambda v: type(v) is str or type(v) is _Template, "a string", _template),
}


def _describe(v) -> str:
    if v is None:
        return "null"
    if type(v) is bool:
        return "a boolean"
    if _is_number(v):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(v), type(v).__name__)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _check_arguments(fn: Intrinsic, values: list) -> list:
    """The one checker: arity, then each value against its declared kind (converted if needed)."""
    n = len(values)
    if n < fn.required or (fn.max_args is not None and n > fn.max_args):
        if fn.max_args is None:
            expected = f"at least {_plural(fn.required, 'argument')}"
        elif fn.max_args == fn.required:
            expected = _plural(fn.required, "argument")
        else:
            expected = f"{fn.required} to {fn.max_args} arguments"
        raise _Invalid(f"expected {expected} but got {n}")
    out = values
    for i, v in enumerate(values):
        accepts, what, convert = _KINDS[fn.kind(i)]
        if not accepts(v):
            raise _Invalid(f"argument {i + 1} must be {what}, not {_describe(v)}")
        if convert is not None:
            if out is values:
                out = list(values)
            out[i] = convert(v)
    return out


# --------------------------------------------------------------------------- helpers
def _java_length(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def _limit(s: str, what: str) -> str:
    if _java_length(s) > MAX_TEXT:
        raise _Invalid(f"{what} must be at most {MAX_TEXT:,} characters long")
    return s


def _identity(v) -> str:
    """A key equal for equal JSON values: key order ignored, 1 and 1.0 and true kept apart."""
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _to_text(v) -> str:
    """A value as States.Format prints it: AWS renders containers the Java way ({k=v}, [a, b])."""
    if type(v) is str:
        return v
    if v is None:
        return "null"
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is list:
        return "[" + ", ".join(_to_text(x) for x in v) + "]"
    if type(v) is dict:
        return "{" + ", ".join(f"{k}={_to_text(x)}" for k, x in v.items()) + "}"
    return repr(v) if type(v) is float else str(v)


def _round_half_up(x) -> int:
    """Java's Math.round, which States.MathAdd applies (0.5 -> 1, -0.5 -> 0, -2.5 -> -2)."""
    return x if type(x) is int else math.floor(x + 0.5)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


# AWS documents \' \{ \} and \\ in intrinsic string literals; it also accepts other escapes
# (CreateStateMachine takes `'He said, \"Hi\"'`), reading \" as ", \n \t \r as the control
# characters and a backslash before any other letter as that letter.
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _escaped(c: str) -> str:
    """What a backslash followed by `c` stands for in an intrinsic string literal."""
    if c in "'{}\\\"":
        return c
    if c in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[c]
    return c if c.isalpha() else "\\" + c


class _Template:
    """A States.Format template split once into the text around its `{}` placeholders."""

    __slots__ = ("pieces",)

    def __init__(self, pieces: tuple[str, ...]):
        self.pieces = pieces

    @property
    def holes(self) -> int:
        return len(self.pieces) - 1

    @classmethod
    def parse(cls, raw: str) -> "_Template":
        """Split raw template text; `\\{`, `\\}`, `\\'` and `\\\\` stand for the character itself."""
        pieces, buf, i, n = [], [], 0, len(raw)
        while i < n:
            c = raw[i]
            if c == "\\" and i + 1 < n:
                buf.append(_escaped(raw[i + 1]))
                i += 2
            elif c == "{":
                if raw[i + 1:i + 2] != "}":
                    raise _Invalid("the template has a '{' that does not start a '{}' placeholder")
                pieces.append("".join(buf))
                buf = []
                i += 2
            elif c == "}":
                raise _Invalid("the template has a '}' that does not close a '{}' placeholder")
            else:
                buf.append(c)
                i += 1
        pieces.append("".join(buf))
        return cls(tuple(pieces))

    def fill(self, values) -> str:
        pieces = self.pieces
        out = [pieces[0]]
        for value, piece in zip(values, pieces[1:]):
            out.append(_to_text(value))
            out.append(piece)
        return "".join(out)


# --------------------------------------------------------------------------- the functions
@intrinsic("States.Format", "template", ("any", "variadic"))
def _format(template: _Template, *values):
    if len(values) != template.holes:
        raise _Invalid(f"the template has {_plural(template.holes, 'placeholder')} "
                       f"but {_plural(len(values), 'value')} followed it")
    return template.fill(values)


@intrinsic("States.StringToJson", "string")
def _string_to_json(text: str):
    if not text.strip():
        return None  # AWS returns null for blank text rather than failing
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_float=finite_float)
    except ValueError as e:
        reason = "" if isinstance(e, json.JSONDecodeError) else f" ({e})"
        raise _Invalid(f"argument 1 is not valid JSON text{reason}") from None
    except RecursionError:
        value = _TOO_DEEP
    if value is _TOO_DEEP or too_deep(value):
        raise _Invalid(f"argument 1 is JSON nested more than {MAX_NESTING} levels deep")
    return value


_TOO_DEEP = object()


@intrinsic("States.JsonToString", "any")
def _json_to_string(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@intrinsic("States.Array", ("any", "variadic"))
def _array(*values):
    return list(values)


@intrinsic("States.ArrayPartition", "array", "integer")
def _array_partition(array: list, size: int):
    if size <= 0:
        raise _Invalid("the chunk size must be a positive integer")
    return [array[i:i + size] for i in range(0, len(array), size)]


@intrinsic("States.ArrayContains", "array", "any")
def _array_contains(array: list, value):
    key = _identity(value)
    return any(_identity(item) == key for item in array)


@intrinsic("States.ArrayRange", "integer", "integer", "integer")
def _array_range(start: int, end: int, step: int):
    if step == 0:
        raise _Invalid("the step must not be 0")
    count = max(0, (end - start) // step + 1)  # arithmetic: len(range) overflows past 2**63
    if count > MAX_RANGE:
        raise _Invalid(f"the range would have {count} items, more than the {MAX_RANGE} allowed")
    return list(range(start, end + (1 if step > 0 else -1), step))


@intrinsic("States.ArrayGetItem", "array", "integer")
def _array_get_item(array: list, index: int):
    if not 0 <= index < len(array):
        raise _Invalid(f"index {index} is outside an array of {_plural(len(array), 'item')}")
    return array[index]


@intrinsic("States.ArrayLength", "array")
def _array_length(array: list):
    return len(array)


@intrinsic("States.ArrayUnique", "array")
def _array_unique(array: list):
    seen: set[str] = set()
    out = []
    for item in array:
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@intrinsic("States.Base64Encode", "string")
def _base64_encode(text: str):
    return base64.b64encode(_limit(text, "the text to encode").encode("utf-8")).decode("ascii")


_BASE64_NOISE = re.compile(r"[^A-Za-z0-9+/]")


@intrinsic("States.Base64Decode", "string")
def _base64_decode(text: str):
    # A MIME decoder, as AWS documents: characters outside the alphabet are skipped, the
    # padding ends the data and may be left out.
    data = _BASE64_NOISE.sub("", _limit(text, "the text to decode").split("=", 1)[0])
    if len(data) % 4 == 1:
        raise _Invalid("argument 1 is not Base64: its last group has a single character")
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4))
    except binascii.Error:
        raise _Invalid("argument 1 is not Base64") from None
    return raw.decode("utf-8", errors="replace")


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


@intrinsic("States.Hash", "any", "string")
def _hash(data, algorithm: str):
    if algorithm not in _HASHES:
        raise _Invalid(f"the algorithm {algorithm!r} is not one of {', '.join(_HASHES)}")
    # AWS hashes a non-string by its text rather than refusing it.
    text = _limit(_to_text(data), "the data to hash")
    return hashlib.new(_HASHES[algorithm], text.encode("utf-8")).hexdigest()


@intrinsic("States.JsonMerge", "object", "object", "boolean")
def _json_merge(first: dict, second: dict, deep: bool):
    if deep:
        raise _Invalid("only the shallow merge is supported, so argument 3 must be false")
    return {**first, **second}


@intrinsic("States.MathRandom", "integer", "integer", ("integer", "optional"))
def _math_random(start: int, end: int, seed: int | None = None):
    if not (_INT32[0] <= start <= _INT32[1] and _INT32[0] <= end <= _INT32[1]):
        raise _Invalid(f"the start and end must be integers between {_INT32[0]} and {_INT32[1]}")
    if start >= end:
        raise _Invalid(f"the start ({start}) must be less than the end ({end})")
    rng = random.Random(seed) if seed is not None else random
    return rng.randrange(start, end)


@intrinsic("States.MathAdd", "number", "number")
def _math_add(a, b):
    a, b = _round_half_up(a), _round_half_up(b)
    if not (_INT32[0] <= a <= _INT32[1] and _INT32[0] <= b <= _INT32[1]):
        raise _Invalid(f"the values must be integers between {_INT32[0]} and {_INT32[1]}")
    return a + b


@intrinsic("States.StringSplit", "string", "string")
def _string_split(text: str, delimiters: str):
    # Like Java's StringTokenizer: every character of the delimiter string splits, and empty
    # pieces are dropped.
    if delimiters:
        first = delimiters[0]
        text = text.translate({ord(c): first for c in delimiters[1:]})
        return [piece for piece in text.split(first) if piece]
    return [text] if text else []


@intrinsic("States.UUID")
def _uuid():
    return str(uuid.uuid4())


# --------------------------------------------------------------------------- parser
_CALL_START = re.compile(r"States\.[A-Za-z0-9]+\s*\(")
_NAME = re.compile(r"States\.[A-Za-z0-9]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WORD = re.compile(r"(true|false|null)(?![\w.$])")
_WORD_CHAR = re.compile(r"[\w.$+-]")
_WORDS = {"true": True, "false": False, "null": None}


def is_intrinsic(text) -> bool:
    """Whether AWS reads this `.$` value as an intrinsic call rather than a path."""
    return isinstance(text, str) and _CALL_START.match(text) is not None


def parse_intrinsic(text: str) -> Call:
    """Parse `States.Name(arg, ...)` into a Call; raises IntrinsicSyntaxError naming the problem."""
    if not isinstance(text, str):
        raise IntrinsicSyntaxError(f"an intrinsic function call must be a string, not {_describe(text)}")
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str):
        self.text, self.pos = text, 0

    def fail(self, problem: str):
        # No final period: callers embed the sentence in their own.
        raise IntrinsicSyntaxError(f"{problem} at position {self.pos} of {self.text!r}")

    def skip_ws(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def parse(self) -> Call:
        self.skip_ws()
        call = self.call()
        self.skip_ws()
        if self.pos != len(self.text):
            self.fail("unexpected text after the closing ')'")
        return call

    def call(self) -> Call:
        m = _NAME.match(self.text, self.pos)
        if not m:
            self.fail("expected a call such as States.Format(...)")
        name = m.group(0)
        if name not in FUNCTIONS:
            self.fail(f"{name!r} is not an intrinsic function")
        self.pos = m.end()
        self.skip_ws()
        if self.peek() != "(":
            self.fail(f"expected '(' after {name}")
        self.pos += 1
        self.skip_ws()
        args = []
        if self.peek() == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            self.skip_ws()
            args.append(self.argument())
            self.skip_ws()
            c = self.peek()
            self.pos += 1
            if c == ")":
                return Call(name, tuple(args))
            if c != ",":
                self.pos -= 1
                self.fail(f"missing ')' to close {name}(" if not c else "expected ',' or ')'")

    def argument(self):
        c = self.peek()
        if c == "'":
            return self.string()
        if c == "$":
            return self.path()
        if self.text.startswith("States.", self.pos):
            return self.call()
        m = _WORD.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            return Literal(_WORDS[m.group(1)])
        m = _NUMBER.match(self.text, self.pos)
        if m:
            if _WORD_CHAR.match(self.text, m.end()):
                self.fail("malformed number")
            self.pos = m.end()
            return Literal(self.number(m))
        if not c:
            self.fail("the call is not closed with ')'")
        if c in (",", ")"):
            self.fail("missing argument")
        self.fail("expected a 'string', a number, true, false, null, a path starting with $, "
                  "or a nested States call")

    def number(self, m):
        if not m.group(1) and not m.group(2):
            return int(m.group(0))
        value = float(m.group(0))
        if math.isinf(value):
            self.fail("number out of range")
        return value

    def string(self) -> Literal:
        self.pos += 1  # opening quote
        start, buf, text = self.pos, [], self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == "'":
                raw = text[start:self.pos]
                self.pos += 1
                return Literal("".join(buf), raw)
            if c == "\\":
                escaped = text[self.pos + 1:self.pos + 2]
                if not escaped:
                    self.fail("a backslash ends the string")
                buf.append(_escaped(escaped))
                self.pos += 2
            else:
                buf.append(c)
                self.pos += 1
        self.pos = start - 1
        self.fail("unterminated string")

    def path(self) -> Path:
        # A path runs to the next ',' or ')' that is not inside brackets, parentheses or quotes
        # (filters and quoted names may hold both).
        text, start = self.text, self.pos
        brackets = parens = 0
        quote = None
        while self.pos < len(text):
            c = text[self.pos]
            if quote:
                if c == "\\":
                    self.pos += 1
                elif c == quote:
                    quote = None
            elif c in "'\"" and brackets:
                quote = c
            elif c == "[":
                brackets += 1
            elif c == "]":
                brackets -= 1
            elif c == "(":
                parens += 1
            elif c == ")" and not parens and not brackets:
                break
            elif c == ")":
                parens -= 1
            elif c == "," and not parens and not brackets:
                break
            self.pos += 1
        source = text[start:self.pos].rstrip()
        try:
            compile_path(source)
        except PathSyntaxError as e:
            self.pos = start
            self.fail(f"invalid path {source!r} ({e})")
        return Path(source)


# --------------------------------------------------------------------------- compiler
Evaluator = Callable[[Any, Any, Any], Any]
@functools.lru_cache(maxsize=4096)
def compile_intrinsic(text: str) -> Evaluator:
    """Parse once (cached in a bounded LRU) and return evaluate(input, context, variables) -> value."""
    return _compile_call(parse_intrinsic(text))


def _compile_call(node: Call) -> Evaluator:
    fn = FUNCTIONS[node.name]
    args = tuple(_compile_arg(arg, fn.kind(i) if fn.params else "any")
                 for i, arg in enumerate(node.args))
    body, name = fn.body, fn.name
    n = len(args)
    if n < fn.required or (fn.max_args is not None and n > fn.max_args):
        # The count is fixed by the text, but AWS reports it when the state runs.
        def wrong_count(input, context, variables):
            try:
                _check_arguments(fn, [a(input, context, variables) for a in args])
            except _Invalid as e:
                raise StateRuntimeError(ERROR, f"Invalid arguments in {name}: {e}.") from None
        return wrong_count
    # Arity is settled, so each argument's check is known now: (evaluate, accepts, convert, index).
    specs = tuple((a, _KINDS[fn.kind(i)][0], _KINDS[fn.kind(i)][2], i) for i, a in enumerate(args))

    def call(input, context, variables):
        values = []
        try:
            for evaluate_arg, accepts, convert, i in specs:
                v = evaluate_arg(input, context, variables)
                if not accepts(v):
                    raise _Invalid(f"argument {i + 1} must be {_KINDS[fn.kind(i)][1]}, not {_describe(v)}")
                values.append(v if convert is None else convert(v))
            return body(*values)
        except _Invalid as e:
            raise StateRuntimeError(ERROR, f"Invalid arguments in {name}: {e}.") from None
    return call


def _compile_arg(node, kind: str) -> Evaluator:
    if type(node) is Call:
        return _compile_call(node)
    if type(node) is Path:
        path = compile_path(node.text)
        get = path.get
        if path.root == "$":
            return lambda input, context, variables: get(input)
        if path.root == "$$":
            return lambda input, context, variables: get(context)
        return lambda input, context, variables: evaluate(path, input, context, variables)
    value = node.value
    if kind == "template" and type(value) is str:
        # Split a literal template here, from its raw text, so escaped braces stay text.
        try:
            value = _Template.parse(node.raw if node.raw is not None else value)
        except _Invalid as e:
            error = e

            def bad_template(input, context, variables):
                raise _Invalid(str(error))
            return bad_template
    return lambda input, context, variables: value
