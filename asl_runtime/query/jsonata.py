"""JSONata as Step Functions evaluates it, on top of `jsonata-python`, compiled once per expression.

`compile_expression` parses the inside of a `"{% ... %}"` string at load time and refuses what AWS
refuses (`$eval`, bare top-level field references); `compile_template` does the same for every
such string inside an `Arguments`/`Output`/`Assign`/... value. Evaluation binds `$states` and the
workflow variables, runs the parsed tree and turns the result into plain JSON values, raising
`States.QueryEvaluationError` with AWS's wording on failure.

`jsonata` is imported on first compile, so machines that never use JSONata never load it.
Results may share structure with `$states` and the variables: callers must not mutate them.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import threading
import time
from typing import Any

from ..errors import QUERY_EVALUATION_ERROR, ASLError
from .io_jsonpath import to_json


class _Undefined:
    """JSONata's "nothing": distinct from JSON null, which evaluates to None."""

    __slots__ = ()

    def __repr__(self):
        return "UNDEFINED"

    def __bool__(self):
        return False

    def __reduce__(self):
        return "UNDEFINED"


UNDEFINED = _Undefined()


class JSONataSyntaxError(ValueError):
    """An expression AWS would refuse when the state machine is created."""

    def __init__(self, message: str, expression: str, field: str):
        super().__init__(message)
        self.expression = expression
        self.field = field


def is_jsonata_string(value: Any) -> bool:
    """AWS evaluates a string only when it starts with `{%` and ends with `%}`, no spaces around."""
    return isinstance(value, str) and len(value) >= 4 and value.startswith("{%") and value.endswith("%}")


# --------------------------------------------------------------------------- the library, lazily

_lib = None
_lib_lock = threading.Lock()

#: Real seconds one expression may take. JSONata has no loops, only recursion: a recursion that
#: never ends overflows the stack (D1011) or, written tail-recursively, runs until this (D1012).
MAX_EVALUATION_SECONDS = 10.0


def _library():
    """Import jsonata-python and build what every evaluation shares (once per process)."""
    global _lib
    if _lib is None:
        with _lib_lock:
            if _lib is None:
                _lib = _Library()
    return _lib


class _Library:
    def __init__(self):
        # Importing jsonata-python sets the interpreter's recursion limit to 10,000 for the whole
        # process; a library must not, so the limit is put back (deep expressions then fail as
        # JSONata's D1011 stack overflow instead of growing the C stack).
        limit = sys.getrecursionlimit()
        try:
            import jsonata  # noqa: F401  (its import registers the built-in functions)
            from jsonata.jexception import JException
            from jsonata.jsonata import Jsonata
            from jsonata.signature import Signature
            from jsonata.utils import Utils

            from . import jsonata_functions  # imports jsonata-python itself, so only inside the guard
        finally:
            sys.setrecursionlimit(limit)

        self.Jsonata = Jsonata
        self.JException = JException
        self.NULL = Utils.NULL_VALUE
        self.NONE = Utils.NONE
        self.FunctionError = jsonata_functions.FunctionError
        self.current = Jsonata.CURRENT
        self.local = threading.local()

        def throw_validation_error(signature, _bad_args, bad_sig, function_name):
            # jsonata-python matches each growing prefix of the signature against the *whole*
            # argument string, so it always blames argument 1; JSONata blames the first
            # argument the prefix stops matching.
            pattern, good_to = "^", 0
            for param in signature._params:
                pattern += param.regex
                match = re.match(pattern, bad_sig)
                if match is None:
                    break
                good_to = match.end()
            raise JException("T0410", -1, good_to + 1, function_name)

        Signature.throw_validation_error = throw_validation_error

        # The function table sits between the workflow variables and JSONata's built-ins, so
        # `$random` with a seed replaces JSONata's seedless one, and `$string` its own.
        self.functions = Jsonata.Frame(Jsonata.static_frame)

        class Native:
            def __init__(self, impl):
                self.impl = impl

            def call(self, _input, args):
                return self.impl(*(args or ()))

        for name, (impl, signature) in jsonata_functions.FUNCTIONS.items():
            self.functions.bind(name, Jsonata.JFunction(Native(impl), signature))

        string = jsonata_functions.string

        class Runner(Jsonata):
            calls = 0
            deadline = float("inf")

            # `&` converts its operands the way `$string` does.
            def evaluate_string_concat(self, lhs, rhs):
                return ("" if lhs is None else string(lhs)) + ("" if rhs is None else string(rhs))

            def apply_inner(self, proc, args, input, environment):
                # Every function call, tail calls included, passes here: a tail-recursive
                # function that never ends neither grows the stack nor returns, so the
                # evaluation is given a wall-clock budget (checked every 1,024 calls).
                self.calls += 1
                if not self.calls & 1023 and time.monotonic() > self.deadline:
                    raise JException("D1012", -1, int(MAX_EVALUATION_SECONDS * 1000))
                return Jsonata.apply_inner(self, proc, args, input, environment)

        self.Runner = Runner

        class WorkflowFrame(Jsonata.Frame):
            """The root scope of one evaluation: `$states`, then the variables, then functions.

            Variables are read from the caller's dict instead of copied in; `:=` binds into this
            frame's own dict, so expressions never write to the workflow's variables.
            """

            def __init__(self, states, variables):
                # Binding the callback hooks to None answers the two lookups jsonata-python
                # makes at every node here instead of walking the whole frame chain.
                self.bindings = {"__evaluate_entry": None, "__evaluate_exit": None}
                self.parent = functions
                self.is_parallel_call = False
                self.states = states
                self.variables = variables

            def lookup(self, name):
                value = self.bindings.get(name, NONE)
                if value is not NONE:
                    return value
                if name == "states":
                    return self.states
                value = self.variables.get(name, NONE)
                if value is not NONE:
                    # jsonata-python reads a None binding as undefined; a variable holding
                    # JSON null must still be null.
                    return null if value is None else value
                return functions.lookup(name)

        functions, NONE, null = self.functions, self.NONE, self.NULL
        self.WorkflowFrame = WorkflowFrame

    def runner(self):
        """This thread's evaluator instance, made the one jsonata-python's functions consult.

        jsonata-python evaluates on `Jsonata.CURRENT.jsonata`, the last instance *constructed* in
        the thread, and `$now()`/`$millis()` read that instance's timestamp; so every evaluation
        must install our runner and stamp it, or `$now()` returns a stale compile-time instant.
        """
        runner = getattr(self.local, "runner", None)
        if runner is None:
            runner = self.local.runner = self.Runner("$")
        if getattr(self.current, "jsonata", None) is not runner:
            self.current.jsonata = runner
        return runner


# --------------------------------------------------------------------------- compile


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str, field: str) -> "Expression":
    """Parse `text` (the inside of `{% ... %}`, or a whole `{% ... %}` string) for `field`.

    Cached: the validator and the compiler, and every load of a definition, share one parse."""
    if is_jsonata_string(text):
        text = text[2:-2]
    source = text.strip()
    lib = _library()
    if not source:
        raise JSONataSyntaxError(
            f"The JSONata expression specified for the field '{field}' is empty", text, field)
    try:
        ast = lib.Jsonata(source).ast
        scan = _Scan(source)
        scan.node(ast, True)
    except lib.JException as e:
        raise JSONataSyntaxError(
            f"The JSONata expression '{source}' specified for the field '{field}' is invalid: "
            f"{_describe_jexception(e, lib)} (at position {e.location})", source, field) from None
    except RecursionError:
        raise JSONataSyntaxError(
            f"The JSONata expression specified for the field '{field}' is nested too deeply",
            source, field) from None
    if scan.newer_operators:
        raise JSONataSyntaxError(
            f"The JSONata expression '{source}' specified for the field '{field}' uses the operator "
            f"'{scan.newer_operators[0]}', which JSONata 2.0.6, the version Step Functions runs, does "
            "not have", source, field)
    if scan.eval_used:
        raise JSONataSyntaxError(
            f"The JSONata expression '{source}' specified for the field '{field}' uses $eval, "
            "which Step Functions does not support; use $parse to decode JSON text", source, field)
    if scan.top_level:
        what = scan.top_level[0]
        raise JSONataSyntaxError(
            f"The JSONata expression '{source}' specified for the field '{field}' refers to "
            f"{what} at the top level, which Step Functions does not allow; read the state input "
            "through $states.input", source, field)
    return Expression(source, field, ast, frozenset(scan.states_fields))


class _Scan:
    """One walk of the parsed tree: `$eval`, newer operators, top-level field references and the
    `$states.X` fields read.

    `at_root` is True where the context item would be the expression's input (AWS offers none):
    there a bare name, `$`, `$$`, `*` or `**` can only mean a top-level field. Path steps after
    the first, predicates, grouping, sort terms and transform clauses run on derived items.
    """

    _CHILDREN = ("procedure", "lhs", "rhs", "expression", "body", "condition", "then", "_else")

    def __init__(self, source: str):
        self.source = source
        self.eval_used = False
        self.newer_operators = []
        self.top_level = []
        self.states_fields = set()

    def node(self, n, at_root):
        if n is None or not hasattr(n, "type"):
            return
        kind = n.type
        if kind == "condition":
            # jsonata-python parses `a ?: b` and `a ?? b` (JSONata 2.1) into conditions; the
            # node's position is just past its operator token, which the tokenizer reads whole.
            operator = self.source[max(0, (n.position or 0) - 2):n.position or 0]
            if operator in ("?:", "??"):
                self.newer_operators.append(operator)
        if kind == "path":
            steps = n.steps or ()
            for i, step in enumerate(steps):
                self.node(step, at_root and i == 0)
            if (len(steps) >= 2 and steps[0].type == "variable" and steps[0].value == "states"
                    and steps[1].type == "name"):
                self.states_fields.add(steps[1].value)
        elif kind == "name":
            if at_root:
                self.top_level.append(f"the field '{n.value}'")
        elif kind == "variable":
            if n.value == "eval":
                self.eval_used = True
            elif at_root and n.value == "":
                self.top_level.append("'$'")
            elif at_root and n.value == "$":
                self.top_level.append("'$$'")
        elif kind in ("wildcard", "descendant"):
            if at_root:
                self.top_level.append(f"'{n.value}'")
        elif kind == "transform":
            self.node(n.pattern, False)
            self.node(n.update, False)
            self.node(n.delete, False)
        elif kind == "sort":
            for term in n.terms or ():
                self.node(term.expression, False)
        else:
            for name in self._CHILDREN:
                self.node(getattr(n, name, None), at_root)
            if kind != "lambda":  # a lambda's `arguments` are its parameter names
                for child in n.arguments or ():
                    self.node(child, at_root)
            for child in n.expressions or ():
                self.node(child, at_root)
            for key, value in n.lhs_object or ():
                self.node(key, at_root)
                self.node(value, at_root)
        for stage in n.predicate or ():
            self.node(getattr(stage, "expr", None), False)
        for stage in n.stages or ():
            self.node(getattr(stage, "expr", None), False)
        group = getattr(n, "group", None)
        if group is not None:
            for key, value in group.lhs_object or ():
                self.node(key, False)
                self.node(value, False)


# --------------------------------------------------------------------------- evaluate


class Expression:
    """A parsed JSONata expression for one field; `evaluate` may run on any thread."""

    __slots__ = ("text", "field", "states_fields", "_ast")

    def __init__(self, text: str, field: str, ast, states_fields: frozenset):
        self.text = text
        self.field = field
        #: the `$states.X` names the expression reads ("input", "result", "errorOutput", ...)
        self.states_fields = states_fields
        self._ast = ast

    def __repr__(self):
        return f"Expression({self.text!r}, field={self.field!r})"

    def evaluate(self, states: dict, variables: dict, now_ms: int | None = None) -> Any:
        """The value as plain JSON, or UNDEFINED; `now_ms` is what `$now()`/`$millis()` see."""
        lib = _lib
        runner = lib.runner()
        runner.timestamp = int(time.time() * 1000) if now_ms is None else now_ms
        runner.calls, runner.deadline = 0, time.monotonic() + MAX_EVALUATION_SECONDS
        try:
            result = runner.eval(self._ast, None, lib.WorkflowFrame(states, variables or _NO_VARIABLES))
        except RecursionError:
            raise self._threw("D1011: Stack overflow. Check for non-terminating recursive function.  "
                              "Consider rewriting as tail-recursive") from None
        except Exception as e:  # jsonata-python lets Python errors escape as well as JException
            raise self._threw(_describe(e, lib)) from None
        if result is None:
            return UNDEFINED
        try:
            if isinstance(result, (dict, list)):
                # Data passed through from $states or a variable is already plain JSON (and
                # keeps its number spelling, as AWS keeps 0.0 in pass-through data): skip it.
                roots = {id(v) for v in states.values()}
                if variables:
                    roots.update(id(v) for v in variables.values())
                return _plain(result, lib, roots)
            return _plain(result, lib, _NO_ROOTS)
        except _Unsupported:
            raise ASLError(QUERY_EVALUATION_ERROR, f"The JSONata expression '{self.text}' specified for "
                           f"the field '{self.field}' returned an unsupported result type.") from None
        except _OutOfRange as e:
            raise self._threw(f"D1001: Number out of range: {e.args[0]}") from None

    def evaluate_defined(self, states: dict, variables: dict, now_ms: int | None = None) -> Any:
        """Like `evaluate`, for fields that must have a value (AWS fails on undefined)."""
        value = self.evaluate(states, variables, now_ms)
        if value is UNDEFINED:
            raise self.undefined_error()
        return value

    def undefined_error(self) -> ASLError:
        return ASLError(QUERY_EVALUATION_ERROR, f"The JSONata expression '{self.text}' specified for the "
                        f"field '{self.field}' returned nothing (undefined).")

    def type_error(self, expected: str, value: Any) -> ASLError:
        """AWS's error for a result of the wrong JSON type (`expected`: 'array', 'number', ...)."""
        return ASLError(QUERY_EVALUATION_ERROR, f"The JSONata expression '{self.text}' specified for the "
                        f"field '{self.field}' returned an unexpected result type. Expected "
                        f"'{expected}', but was '{json_type(value)}' for value: {to_json(value)}")

    def _threw(self, detail: str) -> ASLError:
        return ASLError(QUERY_EVALUATION_ERROR, f"The JSONata expression '{self.text}' specified for the "
                        f"field '{self.field}' threw an error during evaluation. {detail}")


def json_type(value: Any) -> str:
    """The JSON type name AWS uses in its messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --------------------------------------------------------------------------- results

class _Unsupported(Exception):
    pass


class _OutOfRange(Exception):
    pass


_NO_VARIABLES: dict = {}
_SAFE_INTEGER = 2 ** 53
# JavaScript, whose numbers JSONata has, prints integers from 1e21 on in exponent form.
_EXPONENT_FROM = 10 ** 21
_NO_ROOTS = frozenset()
# Leaves that are already plain JSON; inside containers None is JSON null (jsonata-python keeps
# the nulls of its input as None there and marks only the nulls it creates).
_UNCHANGED = frozenset({str, bool, type(None)})


def _plain(value, lib, roots):
    """jsonata-python's result as plain JSON, copying only containers that change.

    Its sequences become lists, its null marker becomes None, integral doubles become ints
    (AWS prints 3.0 as 3), and functions are refused as AWS refuses them. Containers whose id
    is in `roots` came from the caller and are returned untouched.
    """
    kind = type(value)
    # The dict and list branches are kept apart on purpose: this walks every result value.
    if kind is dict:
        if id(value) in roots:
            return value
        out = None
        for key, item in value.items():
            kind = type(item)
            if kind in _UNCHANGED or (kind is int and -_EXPONENT_FROM < item < _EXPONENT_FROM) or \
                    (kind is float and not item.is_integer() and item - item == 0.0):
                continue
            new = _plain(item, lib, roots)
            if new is not item:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out
    if kind is list:
        if id(value) in roots:
            return value
        out = None
        for i, item in enumerate(value):
            kind = type(item)
            if kind in _UNCHANGED or (kind is int and -_EXPONENT_FROM < item < _EXPONENT_FROM) or \
                    (kind is float and not item.is_integer() and item - item == 0.0):
                continue
            new = _plain(item, lib, roots)
            if new is not item:
                if out is None:
                    out = list(value)
                out[i] = new
        return value if out is None else out
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        return value if -_EXPONENT_FROM < value < _EXPONENT_FROM else float(value)
    if kind is float:
        if value.is_integer() and -_SAFE_INTEGER <= value <= _SAFE_INTEGER:
            return int(value)
        if not math.isfinite(value):
            raise _OutOfRange("Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN")
        return value
    if value is lib.NULL:
        return None
    if isinstance(value, list):  # JSONata's sequence and range lists
        return [_plain(item, lib, roots) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, lib, roots) for key, item in value.items()}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _plain(int(value), lib, roots)
    if isinstance(value, float):
        return _plain(float(value), lib, roots)
    if isinstance(value, str):
        return str(value)
    raise _Unsupported(value)


# --------------------------------------------------------------------------- error wording

# jsonata-python's message table comes from a Java port that renamed every "function" to
# "Object"; JSONata 2.0.6, which AWS runs, says "function".
_OBJECT_FOR_FUNCTION = re.compile(r"\bObject\b")
_PLACEHOLDER = re.compile(r"\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}")
_templates = None


def _message_templates(lib):
    global _templates
    if _templates is None:
        table = {code: _OBJECT_FOR_FUNCTION.sub("function", text)
                 for code, text in lib.JException.error_codes.items()}
        # Some errors are raised with their message where the code belongs.
        by_text = {text: code for code, text in table.items() if "{{" not in text}
        _templates = (table, by_text)
    return _templates


def _describe(error: Exception, lib) -> str:
    if isinstance(error, lib.JException):
        return _describe_jexception(error, lib)
    if isinstance(error, lib.FunctionError):
        return str(error)
    if isinstance(error, (ZeroDivisionError, OverflowError)):
        return "D1001: Number out of range: Infinity"
    return str(error) or type(error).__name__


def _describe_jexception(error, lib) -> str:
    """`CODE: message` as JSONata 2.0.6 words it (the form AWS's causes show)."""
    table, by_text = _message_templates(lib)
    code = error.error
    template = table.get(code)
    if template is None:
        if code in by_text:
            return f"{by_text[code]}: {code}"
        return str(code)
    inserts = iter((error.current, error.expected, error.extra))

    def fill(match):
        value = next(inserts, None)
        if match.group(1) is not None:  # {{{x}}}: inserted as is
            return "undefined" if value is None else str(value)
        return _js_json(value, lib)     # {{x}}: inserted as JSON, as JSONata does

    return f"{code}: {_PLACEHOLDER.sub(fill, template)}"


def _js_json(value, lib) -> str:
    if value is None:
        return "undefined"
    try:
        return to_json(_plain(value, lib, _NO_ROOTS))
    except Exception:
        return str(value)


# --------------------------------------------------------------------------- templates


def compile_template(value: Any, field: str) -> "Template":
    """Compile a JSON value whose `{% %}` strings (at any depth) are JSONata expressions.

    `field` names the value (`Output`, `Arguments`, `Assign`, ...); nested expressions are
    named by their slash path (`Output/FunctionResult`, `Items/1`) in errors.
    """
    build = _build(value, field)
    return Template(value, field, build)


def _build(value, field):
    """A constant, or a function (states, variables, now_ms) -> value."""
    if isinstance(value, str):
        if is_jsonata_string(value):
            return compile_expression(value[2:-2], field).evaluate_defined
        if value.startswith("{%"):
            raise JSONataSyntaxError(
                f"The value of the field '{field}' starts with '{{%' but does not end with '%}}'",
                value, field)
        return _Constant(value)
    if isinstance(value, dict):
        parts = [(key, _build(item, f"{field}/{key}")) for key, item in value.items()]
        if all(isinstance(p, _Constant) for _, p in parts):
            return _Constant(value)
        constants = {key: p.value for key, p in parts if isinstance(p, _Constant)}
        dynamic = [(key, p) for key, p in parts if not isinstance(p, _Constant)]
        order = [key for key, _ in parts]

        def evaluate_object(states, variables, now_ms=None):
            computed = {key: p(states, variables, now_ms) for key, p in dynamic}
            return {key: computed[key] if key in computed else constants[key] for key in order}

        return evaluate_object
    if isinstance(value, list):
        parts = [_build(item, f"{field}/{i}") for i, item in enumerate(value)]
        if all(isinstance(p, _Constant) for p in parts):
            return _Constant(value)
        funcs = [(False, p.value) if isinstance(p, _Constant) else (True, p) for p in parts]

        def evaluate_array(states, variables, now_ms=None):
            return [p(states, variables, now_ms) if dynamic else p for dynamic, p in funcs]

        return evaluate_array
    return _Constant(value)


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Template:
    """A compiled `Arguments`/`Output`/`Assign`/`ItemSelector`... value."""

    __slots__ = ("source", "field", "is_constant", "_evaluate", "_constant")

    def __init__(self, source, field, build):
        self.source = source
        self.field = field
        self.is_constant = isinstance(build, _Constant)
        self._constant = build.value if self.is_constant else None
        self._evaluate = None if self.is_constant else build

    def __repr__(self):
        return f"Template(field={self.field!r}, constant={self.is_constant})"

    def evaluate(self, states: dict, variables: dict, now_ms: int | None = None) -> Any:
        """The built value; an expression that returns nothing fails as AWS fails it.

        A template without expressions returns its (shared) source value.
        """
        if self.is_constant:
            return self._constant
        return self._evaluate(states, variables, now_ms)
