"""The function table the JSONata adapter registers over jsonata-python's built-ins.

First the functions Step Functions adds (`$partition`, `$range`, `$hash`, `$random`, `$uuid`,
`$parse`); integer parameters round down, as AWS documents. Then the built-ins whose
jsonata-python behaviour differs from JSONata 2.0.6, the version AWS runs (`$string`, `$number`,
`$toMillis`). Each gets a JSONata signature, so argument-type errors are the usual T0410.

Only `jsonata.py` imports this module, on first use, so importing `jsonata` here costs nothing
for machines that never use JSONata.
"""

from __future__ import annotations

import hashlib
import json
import math
import random as _random
import re
import uuid as _uuid
from decimal import Decimal

from jsonata.functions import Functions
from jsonata.jexception import JException
from jsonata.jsonata import Jsonata
from jsonata.parser import Parser
from jsonata.utils import Utils

NULL = Utils.NULL_VALUE


class FunctionError(Exception):
    """A call AWS's function would refuse; the message becomes the QueryEvaluationError cause."""


# --------------------------------------------------------------------------- Step Functions' own

# JSONata range operator's own allocation limit; a larger $range would only exhaust memory.
MAX_RANGE_ITEMS = 10_000_000

HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _integer(value, function: str, position: int) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        raise FunctionError(f"Argument {position} of function \"{function}\" must be a finite number")
    return math.floor(value)


def partition(array, size):
    """Chunks of `size` items; the last chunk may be shorter."""
    if array is None or size is None:
        return None
    chunk = _integer(size, "partition", 2)
    if chunk < 1:
        raise FunctionError(
            f"The chunk size argument of function \"partition\" must be a positive integer, got {size!r}")
    items = list(array)
    return [items[i:i + chunk] for i in range(0, len(items), chunk)]


def range_(start, end, step):
    """From `start` towards `end` (inclusive) by `step`, either direction.

    Returned as a JSONata sequence: AWS collapses a one-item result to the item itself
    (recorded: `$range(1, 9, 9)` is `1`), which is what JSONata does with sequences.
    """
    if start is None or end is None or step is None:
        return None
    first = _integer(start, "range", 1)
    last = _integer(end, "range", 2)
    delta = _integer(step, "range", 3)
    if delta == 0:
        raise FunctionError("The step argument of function \"range\" must not be zero")
    values = range(first, last + 1 if delta > 0 else last - 1, delta)
    if len(values) > MAX_RANGE_ITEMS:
        raise FunctionError(
            f"The function \"range\" would generate {len(values)} items; the limit is {MAX_RANGE_ITEMS}")
    return Utils.create_sequence_from_iter(values)


def hash_(data, algorithm):
    """Hex digest of the UTF-8 bytes of `data`."""
    if data is None or algorithm is None:
        return None
    name = HASH_ALGORITHMS.get(algorithm)
    if name is None:
        allowed = ", ".join(HASH_ALGORITHMS)
        raise FunctionError(
            f"The hashing algorithm argument of function \"hash\" must be one of {allowed}; got {algorithm!r}")
    return hashlib.new(name, data.encode("utf-8")).hexdigest()


def random_(seed=None):
    """0 <= n < 1; the same seed always gives the same number."""
    if seed is None:
        return _random.random()
    return _random.Random(_integer(seed, "random", 1)).random()


def uuid():
    """A version 4 UUID."""
    return str(_uuid.uuid4())


def _no_constant(name):
    # JSON has no NaN or Infinity; Python's parser would otherwise accept them.
    raise ValueError(f"{name} is not valid JSON")


def parse(text):
    """Decode JSON text; a JSON `null` is JSONata's null, not "undefined".

    Blank text decodes to null, as AWS's JSON decoding of `States.StringToJson(' ')` was recorded.
    """
    if text is None:
        return None
    if not text.strip():
        return NULL
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as e:
        raise FunctionError(f"The argument of function \"parse\" is not valid JSON: {e}") from None
    return NULL if value is None else value


# --------------------------------------------------------------------------- JSONata 2.0.6 built-ins

_SAFE_INTEGER = 2 ** 53


def js_number(value) -> str:
    """A number as `$string` writes it: 15 significant digits, in JavaScript's notation."""
    value = float(f"{value:.15g}")
    if not math.isfinite(value):  # rounding to 15 digits overflowed; JSON.stringify says null
        return "null"
    if value.is_integer() and abs(value) < _SAFE_INTEGER:
        return str(int(value))
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    n = exponent + len(digit_tuple)  # the decimal point sits after n digits
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    k = len(digits)
    text = "-" if sign else ""
    if k <= n <= 21:
        return text + digits + "0" * (n - k)
    if 0 < n <= 21:
        return text + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return text + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{text}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def _stringify(value, prettify: bool, depth: int = 0) -> str:
    # JSON.stringify with JSONata's replacer: functions become "", numbers go through js_number.
    if value is None or value is NULL:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise JException("D3001", -1)
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dict, list)):
        if isinstance(value, dict):
            items = [json.dumps(str(k), ensure_ascii=False) + (": " if prettify else ":")
                     + _stringify(v, prettify, depth + 1) for k, v in value.items()]
            opening, closing = "{", "}"
        else:
            items = [_stringify(v, prettify, depth + 1) for v in value]
            opening, closing = "[", "]"
        if not items:
            return opening + closing
        if not prettify:
            return opening + ",".join(items) + closing
        inner, outer = "\n" + "  " * (depth + 1), "\n" + "  " * depth
        return opening + inner + ("," + inner).join(items) + outer + closing
    return '""'


def string(arg, prettify=None):
    """`$string`: jsonata-python writes numbers the Python way (`1.23456789012346e+19`, nested
    numbers with all 17 digits); JSONata writes them the JavaScript way."""
    if arg is None or isinstance(arg, str):
        return arg
    if isinstance(arg, Utils.JList) and arg.outer_wrapper:
        arg = arg[0]
    if isinstance(arg, (Jsonata.JFunctionCallable, Parser.Symbol)):
        return ""
    return _stringify(arg, bool(prettify))


_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?")
_PREFIXED = re.compile(r"0[xX][0-9A-Fa-f]+|0[oO][0-7]+|0[bB][01]+")


def number(arg):
    """`$number`: JSONata accepts only JSON-like decimals and 0x/0o/0b integers, and fails with
    D3030; jsonata-python hands strings to Python's float() and leaks its ValueError."""
    if arg is None:
        return None
    if isinstance(arg, bool):
        return 1 if arg else 0
    if isinstance(arg, (int, float)):
        return arg
    if _DECIMAL.fullmatch(arg):
        value = float(arg)
        if math.isfinite(value):
            return Utils.convert_number(value)
    elif _PREFIXED.fullmatch(arg):
        return int(arg, 0)
    raise JException("D3030", -1, arg)


def to_millis(timestamp, picture=None):
    """`$toMillis`: a timestamp jsonata-python cannot read fails with JSONata's D3110."""
    try:
        return Functions.datetime_to_millis(timestamp, picture)
    except (ValueError, OverflowError):
        raise JException("D3110", -1, timestamp) from None


#: name -> (implementation, JSONata signature)
FUNCTIONS = {
    "partition": (partition, "<an:a>"),
    "range": (range_, "<nnn:a>"),
    "hash": (hash_, "<ss:s>"),
    "random": (random_, "<n?:n>"),
    "uuid": (uuid, "<:s>"),
    "parse": (parse, "<s:x>"),
    "string": (string, "<x-b?:s>"),
    "number": (number, "<(nsb)-:n>"),
    "toMillis": (to_millis, "<s-s?:n>"),
}
