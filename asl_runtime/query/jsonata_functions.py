"""The functions Step Functions adds to JSONata: `$partition`, `$range`, `$hash`, `$random`,
`$uuid` and `$parse`.

Each is plain Python over JSON values; `jsonata.py` registers them once, with a JSONata signature
so that argument-type errors come out as the usual T0410 errors. Integer parameters are rounded
down, as AWS documents for its JSONata functions.
"""

from __future__ import annotations

import hashlib
import json
import math
import random as _random
import uuid as _uuid


class FunctionError(Exception):
    """A call AWS's function would refuse; the message becomes the QueryEvaluationError cause."""


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
    stop = last + 1 if delta > 0 else last - 1
    values = range(first, stop, delta)
    if len(values) > MAX_RANGE_ITEMS:
        raise FunctionError(
            f"The function \"range\" would generate {len(values)} items; the limit is {MAX_RANGE_ITEMS}")
    return values


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


def parse(text, null):
    """Decode JSON text; `null` is the JSONata null so that a JSON `null` is not "undefined".

    Blank text decodes to null, as AWS's JSON decoding of `States.StringToJson(' ')` was recorded.
    """
    if text is None:
        return None
    if not text.strip():
        return null
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as e:
        raise FunctionError(f"The argument of function \"parse\" is not valid JSON: {e}") from None
    return null if value is None else value


#: name -> (implementation, JSONata signature, wants the JSONata null as last argument)
FUNCTIONS = {
    "partition": (partition, "<an:a>", False),
    "range": (range_, "<nnn:a>", False),
    "hash": (hash_, "<ss:s>", False),
    "random": (random_, "<n?:n>", False),
    "uuid": (uuid, "<:s>", False),
    "parse": (parse, "<s:x>", True),
}
