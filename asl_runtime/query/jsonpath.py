"""JSONPath as Step Functions evaluates it (the Jayway dialect), compiled once per path.

A path is parsed into segments at load time; evaluation walks them.  Definite paths (names and
indexes only) compile to a tight loop and raise `PathNotFound` on a miss; indefinite paths
(wildcards, recursive descent, slices, unions, filters) return the list of matches, as Jayway does.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import PathNotFound
from .json_limits import MAX_NESTING

_MISSING = object()


class PathSyntaxError(ValueError):
    """A path that does not parse; the validator reports it with the field's location."""


# --------------------------------------------------------------------------- segments
# Each segment is a tuple whose first item says its kind:
#   ("name", key)          .key  ['key']
#   ("index", i)           [i]  (negative counts from the end)
#   ("wild",)              .*  [*]
#   ("deep", seg)          ..key  ..*  ..[i]  ..[?()]
#   ("slice", a, b, step)  [a:b:step]
#   ("union", keys)        [0,1]  ['a','b'] (not last: each name in turn)
#   ("merge", keys)        ['a','b'] as the last segment: one object of the names present
#   ("filter", pred)       [?(...)]
#   ("length",)            .length()


@dataclass(frozen=True)
class ParsedPath:
    text: str
    root: str  # "$" input, "$$" context object, or a variable name
    segments: tuple
    definite: bool

    @property
    def is_reference(self) -> bool:
        """AWS's reference paths: names and non-negative indexes only."""
        return all(s[0] == "name" or (s[0] == "index" and s[1] >= 0) for s in self.segments)


_NAME_CHARS = re.compile(r"[^.\[\]()\s,'\"=<>!&|*@?:]+")
_VAR_NAME = re.compile(r"\$([^\W\d]\w*)")  # a Unicode identifier, as AWS names variables


def parse(text: str) -> ParsedPath:
    """Parse a path starting with `$`, `$$` or `$name`."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"a path must start with '$': {text!r}")
    if text.startswith("$$"):
        root, pos = "$$", 2
    else:
        m = _VAR_NAME.match(text)
        root, pos = (m.group(1), m.end()) if m else ("$", 1)
    parser = _Parser(text, pos)
    try:
        segments = parser.segments()
    except RecursionError:
        raise PathSyntaxError(f"invalid JSONPath {text[:80]!r}...: nested too deeply") from None
    if len(segments) > MAX_NESTING:
        # Setting a value at such a path builds JSON nested deeper than a run may hold.
        raise PathSyntaxError(f"JSONPath {text[:40]!r}... has {len(segments)} steps, more than the "
                              f"{MAX_NESTING} levels of nesting asl-runtime processes")
    if segments and segments[-1][0] == "union" and all(type(k) is str for k in segments[-1][1]):
        # Jayway merges a trailing multi-name selection into one object (PropertyPathToken).
        segments[-1] = ("merge", segments[-1][1])
    definite = all(s[0] in ("name", "index", "length", "merge") for s in segments)
    return ParsedPath(text, root, tuple(segments), definite)


class _Parser:
    def __init__(self, text: str, pos: int):
        self.text, self.pos = text, pos

    def error(self, what: str):
        raise PathSyntaxError(f"invalid JSONPath {self.text!r}: {what} at position {self.pos}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def segments(self) -> list:
        out = []
        while self.pos < len(self.text):
            if self.peek(2) == "..":
                self.pos += 2
                if self.peek() == "[":
                    out.append(("deep", self.bracket()))
                elif self.peek() == "*":
                    self.pos += 1
                    out.append(("deep", ("wild",)))
                else:
                    out.append(("deep", ("name", self.name())))
            elif self.peek() == ".":
                self.pos += 1
                if self.peek() == "[":  # Jayway reads `$.[0]` and `$.['a']` as `$[0]`, `$['a']`
                    out.append(self.bracket())
                elif self.peek() == "*":
                    self.pos += 1
                    out.append(("wild",))
                elif self.text.startswith("length()", self.pos) and self.pos + 8 == len(self.text):
                    self.pos += 8
                    out.append(("length",))
                else:
                    out.append(("name", self.name()))
            elif self.peek() == "[":
                out.append(self.bracket())
            else:
                self.error("unexpected character " + repr(self.peek()))
        return out

    def name(self) -> str:
        m = _NAME_CHARS.match(self.text, self.pos)
        if not m:
            self.error("expected a field name")
        self.pos = m.end()
        return m.group(0)

    def bracket(self):
        self.pos += 1  # [
        self.skip_ws()
        c = self.peek()
        if c == "*":
            self.pos += 1
            seg = ("wild",)
        elif c == "?":
            self.pos += 1
            self.skip_ws()
            if self.peek() != "(":
                self.error("expected '(' after '?'")
            end = _matching_paren(self.text, self.pos)
            if end < 0:
                self.error("unbalanced parentheses in filter")
            src = self.text[self.pos + 1:end]
            self.pos = end + 1
            seg = ("filter", compile_filter(src, self.text))
        elif c == "(":
            self.error("script expressions such as [(@.length-1)] are not JSONPath as Step Functions "
                       "reads it (Jayway JsonPath refuses them); use [-1] for the last item")
        elif c in "'\"":
            keys = [self.quoted()]
            self.skip_ws()
            while self.peek() == ",":
                self.pos += 1
                self.skip_ws()
                keys.append(self.quoted())
                self.skip_ws()
            seg = ("name", keys[0]) if len(keys) == 1 else ("union", tuple(keys))
        else:
            seg = self.index_or_slice()
        self.skip_ws()
        if self.peek() != "]":
            self.error("expected ']'")
        self.pos += 1
        return seg

    def skip_ws(self):
        while self.peek() == " ":
            self.pos += 1

    def quoted(self) -> str:
        q = self.peek()
        if q not in "'\"":
            self.error("expected a quoted name")
        self.pos += 1
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] != q:
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        if self.pos >= len(self.text):
            self.error("unterminated string")
        self.pos += 1
        return _unescape(self.text[start:self.pos - 1])

    def integer(self) -> int | None:
        m = re.compile(r"\s*(-?\d+)\s*").match(self.text, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return int(m.group(1))

    def index_or_slice(self):
        first = self.integer()
        if self.peek() == ":":
            parts = [first]
            while self.peek() == ":":
                self.pos += 1
                parts.append(self.integer())
            if len(parts) > 3:
                self.error("too many ':' in slice")
            parts += [None] * (3 - len(parts))
            return ("slice", parts[0], parts[1], parts[2] or 1)
        if first is None:
            self.error("expected an index, a slice, '*', a quoted name or a filter")
        if self.peek() == ",":
            idx = [first]
            while self.peek() == ",":
                self.pos += 1
                n = self.integer()
                if n is None:
                    self.error("expected an index")
                idx.append(n)
            return ("union", tuple(idx))
        return ("index", first)


_JAVA_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _unescape(text: str) -> str:
    """A quoted name's text as Jayway unescapes it (Java escapes; `\\x` is x otherwise)."""
    if "\\" not in text:
        return text

    def one(m):
        e = m.group(1)
        return chr(int(e[1:], 16)) if len(e) == 5 else _JAVA_ESCAPES.get(e, e)
    return _ESCAPE.sub(one, text)


def _matching_paren(text: str, start: int) -> int:
    depth, quote, i = 0, None, start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "/" and i > 0 and text[i - 1] in " ~":  # regex literal /.../
            j = text.find("/", i + 1)
            i = j if j > 0 else i
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# --------------------------------------------------------------------------- filters
_FILTER_TOKEN = re.compile(r"""
    \s*(?:
      (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<regex>/(?:[^/\\]|\\.)*/[a-z]*)
    | (?P<op>==|!=|<=|>=|=~|&&|\|\||<|>|!|\(|\)|\[|\]|,)
    | (?P<word>\bin\b|\bnin\b|\bsubsetof\b|\banyof\b|\bnoneof\b|\bsize\b|\bempty\b|\btrue\b|\bfalse\b|\bnull\b)
    | (?P<path>[@$][^\s=!<>&|()\],]*(?:\[[^\]]*\][^\s=!<>&|()\],]*)*)
    | (?P<bare>[^\W\d][\w.-]*)
    )""", re.VERBOSE)


def _tokenize_filter(src: str, whole: str) -> list:
    tokens, pos = [], 0
    while pos < len(src):
        if src[pos:].strip() == "":
            break
        m = _FILTER_TOKEN.match(src, pos)
        if not m or m.end() == pos:
            raise PathSyntaxError(f"invalid filter in JSONPath {whole!r} near {src[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "bare":
            raise PathSyntaxError(
                f"invalid filter in JSONPath {whole!r}: the unquoted word {m.group(kind)!r} is not a "
                f"value (Jayway JsonPath reads an unquoted value as a number and fails); quote text, "
                f"as in '{m.group(kind)}'")
        tokens.append((kind, m.group(kind)))
    return tokens


def compile_filter(src: str, whole: str) -> Callable[[Any, Any], bool]:
    """Compile a filter expression to a predicate(item, root)."""
    tokens = _tokenize_filter(src, whole)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else (None, None)

    def take():
        nonlocal pos
        tok = peek()
        pos += 1
        return tok

    def fail(what):
        raise PathSyntaxError(f"invalid filter in JSONPath {whole!r}: {what}")

    def parse_or():
        left = parse_and()
        while peek() == ("op", "||"):
            take()
            right = parse_and()
            left = (lambda a, b: lambda it, root: a(it, root) or b(it, root))(left, right)
        return left

    def parse_and():
        left = parse_not()
        while peek() == ("op", "&&"):
            take()
            right = parse_not()
            left = (lambda a, b: lambda it, root: a(it, root) and b(it, root))(left, right)
        return left

    def parse_not():
        if peek() == ("op", "!"):
            take()
            inner = parse_not()
            return lambda it, root: not inner(it, root)
        return parse_comparison()

    def parse_comparison():
        if peek() == ("op", "("):
            take()
            inner = parse_or()
            if take() != ("op", ")"):
                fail("expected ')'")
            return inner
        left = parse_operand()
        kind, val = peek()
        if kind == "op" and val in ("==", "!=", "<", "<=", ">", ">=", "=~"):
            take()
            if val == "=~":
                k, rx = take()
                if k != "regex":
                    fail("expected /regex/ after =~")
                return _regex_match(left, rx)
            right = parse_operand()
            return _comparison(val, left, right)
        if kind == "word" and val in ("in", "nin", "subsetof", "anyof", "noneof", "size", "empty"):
            take()
            right = parse_operand()
            return _set_op(val, left, right)
        return lambda it, root: left(it, root) is not _MISSING  # existence test [?(@.x)]

    def parse_operand():
        kind, val = take()
        if kind == "num":
            n = float(val) if any(c in val for c in ".eE") else int(val)
            return lambda it, root: n
        if kind == "str":
            s = re.sub(r"\\(.)", r"\1", val[1:-1])
            return lambda it, root: s
        if kind == "word" and val in ("true", "false", "null"):
            v = {"true": True, "false": False, "null": None}[val]
            return lambda it, root: v
        if kind == "op" and val == "[":
            items = []
            while peek() != ("op", "]"):
                items.append(parse_operand())
                if peek() == ("op", ","):
                    take()
                elif peek() != ("op", "]"):
                    fail("expected ',' or ']' in list")
            take()
            return lambda it, root: [f(it, root) for f in items]
        if kind == "path":
            if val.startswith("@"):
                sub = parse("$" + val[1:])
                getter = _segment_getter(sub)
                return lambda it, root: getter(it)
            sub = parse(val)
            getter = _segment_getter(sub)
            return lambda it, root: getter(root)
        fail(f"unexpected {val!r}")

    pred = parse_or()
    if pos != len(tokens):
        fail(f"unexpected {tokens[pos][1]!r}")
    return pred


def _segment_getter(parsed: ParsedPath):
    """A getter returning the value (or list for indefinite paths), _MISSING when absent."""
    segs = parsed.segments

    def get(value):
        if parsed.definite:
            return _walk_definite(value, segs)
        return _walk_all(value, segs)

    return get


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _comparison(op, left, right):
    def cmp(it, root):
        a, b = left(it, root), right(it, root)
        if a is _MISSING or b is _MISSING:
            return op == "!=" and not (a is _MISSING and b is _MISSING)
        if op == "==":
            return _json_equal(a, b)
        if op == "!=":
            return not _json_equal(a, b)
        if _is_number(a) and _is_number(b) or isinstance(a, str) and isinstance(b, str):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return False
    return cmp


def _json_equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _regex_match(left, literal):
    body, flags = literal[1:literal.rindex("/")], literal[literal.rindex("/") + 1:]
    try:
        rx = re.compile(body, re.IGNORECASE if "i" in flags else 0)
    except (re.error, RecursionError, OverflowError) as e:
        raise PathSyntaxError(f"invalid regular expression {literal} in a JSONPath filter: {e}") from None

    def match(it, root):
        v = left(it, root)
        return isinstance(v, str) and rx.fullmatch(v) is not None
    return match


def _set_op(op, left, right):
    def run(it, root):
        a, b = left(it, root), right(it, root)
        if a is _MISSING or b is _MISSING:
            return False
        if op == "in":
            return isinstance(b, list) and any(_json_equal(a, x) for x in b)
        if op == "nin":
            return isinstance(b, list) and not any(_json_equal(a, x) for x in b)
        if op == "size":
            return isinstance(a, (list, str, dict)) and _is_number(b) and len(a) == b
        if op == "empty":
            return isinstance(a, (list, str, dict)) and (len(a) == 0) == bool(b)
        if not isinstance(a, list) or not isinstance(b, list):
            return False
        if op == "subsetof":
            return all(any(_json_equal(x, y) for y in b) for x in a)
        if op == "anyof":
            return any(any(_json_equal(x, y) for y in b) for x in a)
        return not any(any(_json_equal(x, y) for y in b) for x in a)  # noneof
    return run


# --------------------------------------------------------------------------- evaluation
def _walk_definite(value, segs):
    for seg in segs:
        kind = seg[0]
        if kind == "name":
            if type(value) is not dict:
                return _MISSING
            value = value.get(seg[1], _MISSING)
        elif kind == "index":
            if type(value) is not list:
                return _MISSING
            i = seg[1]
            if not -len(value) <= i < len(value):
                return _MISSING
            value = value[i]
        elif kind == "merge":
            if type(value) is not dict:
                return _MISSING
            value = {k: value[k] for k in seg[1] if k in value}
        else:  # length
            if type(value) is not list and type(value) is not str and type(value) is not dict:
                return _MISSING
            value = len(value)
        if value is _MISSING:
            return value
    return value


def _children(value):
    if type(value) is dict:
        return list(value.values())
    if type(value) is list:
        return value
    return []


def _descendants(value):
    """The value and everything below it, depth first (Jayway's scan order)."""
    out = [value]
    stack = [value]
    while stack:
        v = stack.pop()
        kids = _children(v)
        out.extend(kids)
        stack.extend(reversed(kids))
    return out


def _apply(seg, value, root, out):
    kind = seg[0]
    if kind == "name":
        if type(value) is dict and seg[1] in value:
            out.append(value[seg[1]])
    elif kind == "index":
        if type(value) is list and -len(value) <= seg[1] < len(value):
            out.append(value[seg[1]])
    elif kind == "wild":
        out.extend(_children(value))
    elif kind == "slice":
        if type(value) is list:
            out.extend(value[seg[1]:seg[2]:seg[3]])
    elif kind == "union":
        for key in seg[1]:
            if type(key) is int:
                if type(value) is list and -len(value) <= key < len(value):
                    out.append(value[key])
            elif type(value) is dict and key in value:
                out.append(value[key])
    elif kind == "merge":
        if type(value) is dict:
            out.append({k: value[k] for k in seg[1] if k in value})
    elif kind == "filter":
        pred = seg[1]
        for item in _children(value):
            if pred(item, root):
                out.append(item)
    elif kind == "deep":
        inner = seg[1]
        for v in _descendants(value):
            if inner[0] == "wild":
                out.extend(_children(v))
            elif inner[0] == "filter":
                if type(v) is list:
                    _apply(inner, v, root, out)
            else:
                _apply(inner, v, root, out)
    elif kind == "length":
        if type(value) in (list, str, dict):
            out.append(len(value))


def _walk_all(value, segs):
    current = [value]
    for seg in segs:
        nxt: list = []
        for v in current:
            _apply(seg, v, value, nxt)
        current = nxt
    return current


# --------------------------------------------------------------------------- public API
class CompiledPath:
    """A path parsed once; `get(data)` evaluates it against the value chosen by its root."""

    __slots__ = ("text", "parsed", "root", "definite", "_segs", "_fast")

    def __init__(self, text: str):
        self.text = text
        self.parsed = parse(text)
        self.root = self.parsed.root
        self.definite = self.parsed.definite
        self._segs = self.parsed.segments
        # Names-only paths are by far the most common: keep them as a plain tuple of keys.
        self._fast = tuple(s[1] for s in self._segs) if all(s[0] == "name" for s in self._segs) else None

    def get(self, data):
        """The value at this path in `data`; raises PathNotFound when a definite path misses."""
        if self._fast is not None:
            value = data
            for key in self._fast:
                if type(value) is not dict or key not in value:
                    raise PathNotFound(self.text, self.missing_message(data))
                value = value[key]
            return value
        if self.definite:
            value = _walk_definite(data, self._segs)
            if value is _MISSING:
                raise PathNotFound(self.text, self.missing_message(data))
            return value
        return _walk_all(data, self._segs)

    def missing_message(self, data) -> str:
        """Jayway's wording for a definite path that misses, as AWS quotes it."""
        walked = "$"
        value = data
        for i, seg in enumerate(self._segs):
            last = i == len(self._segs) - 1
            if seg[0] == "name":
                walked += f"['{seg[1]}']"
                if type(value) is not dict or seg[1] not in value:
                    return f"No results for path: {walked}" if last else f"Missing property in path {walked}"
                value = value[seg[1]]
            elif seg[0] == "index":
                walked += f"[{seg[1]}]"
                if type(value) is not list or not -len(value) <= seg[1] < len(value):
                    return f"No results for path: {walked}" if last else f"Missing property in path {walked}"
                value = value[seg[1]]
        return f"No results for path: {walked}"


@functools.lru_cache(maxsize=8192)
def compile_path(text: str) -> CompiledPath:
    """Parse `text` once (cached, in a bounded LRU: a process loading ever new definitions must
    not grow without end); raises PathSyntaxError for a path that does not parse."""
    return CompiledPath(text)


def path_syntax_error(text: str) -> str | None:
    """None when `text` parses, else why not (for the validator's located message)."""
    try:
        compile_path(text)
        return None
    except PathSyntaxError as e:
        return str(e)


def is_valid_path(text: str) -> bool:
    try:
        compile_path(text)
        return True
    except PathSyntaxError:
        return False


def is_reference_path(text: str) -> bool:
    """A path AWS accepts where a reference path is required (ResultPath, ItemsPath, ...)."""
    try:
        return compile_path(text).parsed.is_reference
    except PathSyntaxError:
        return False


def set_at(data, path: CompiledPath, value):
    """`data` with `value` placed at a reference path, copying only the containers on the way.

    Missing objects along the way are created; a step through a non-object raises
    PathNotFound (AWS's States.ResultPathMatchFailure).
    """
    segs = path._segs
    if not segs:
        return value
    # Walk down copying each container on the way (a loop, so long paths cannot overflow the
    # stack), then put the copies back together from the bottom up.
    copies = []
    node = data
    for seg in segs:
        if seg[0] == "name":
            if node is None or node is _MISSING:
                node = {}
            if type(node) is not dict:
                raise PathNotFound(path.text)
            copies.append(dict(node))
            node = node.get(seg[1], _MISSING)
        elif seg[0] == "index":
            if type(node) is not list or not -len(node) <= seg[1] < len(node):
                raise PathNotFound(path.text)
            copies.append(list(node))
            node = node[seg[1]]
        else:
            raise PathNotFound(path.text)
    for seg, copy in zip(reversed(segs), reversed(copies)):
        copy[seg[1]] = value
        value = copy
    return value


class VariableNotFound(PathNotFound):
    """A `$name` path whose workflow variable is not assigned in scope."""


def evaluate(path: CompiledPath, input, context, variables):
    """Evaluate against the state input (`$`), the context object (`$$`) or a variable (`$name`)."""
    root = path.root
    if root == "$":
        return path.get(input)
    if root == "$$":
        return path.get(context)
    if variables is None or root not in variables:
        raise VariableNotFound(path.text, f"The variable '${root}' is not defined")
    return path.get(variables[root])
