"""The 256 KiB payload limit, checked on every state output without paying for json.dumps."""

from __future__ import annotations

from ..limits import MAX_PAYLOAD_BYTES, json_chunks as _chunks, json_size  # noqa: F401 - json_size: re-exported


def payload_too_large(value) -> bool:
    """True when the UTF-8 JSON of `value` is over MAX_PAYLOAD_BYTES."""
    if value is None or value.__class__ in (bool, int, float):
        return False
    if value.__class__ is str and len(value) * 4 < MAX_PAYLOAD_BYTES - 2:
        return False
    if value.__class__ is dict and len(value) <= 16 and _small_flat(value):
        return False
    parts = _chunks(value)
    chars = sum(map(len, parts))
    if chars * 4 <= MAX_PAYLOAD_BYTES:  # UTF-8 needs at most 4 bytes per character
        return False
    if chars > MAX_PAYLOAD_BYTES:
        return True
    return len("".join(parts).encode("utf-8")) > MAX_PAYLOAD_BYTES


_NUMBERS = (bool, float, type(None))
_INT_BOUND = 1 << 62


def _small_flat(obj: dict) -> bool:
    """Provably far below the limit without encoding: the common shape of state outputs.

    At most 16 entries, keys and strings of at most 1,024 characters, or nested dicts of at most
    16 entries of at most 64 characters: under 36,000 characters, so under 144 KiB in UTF-8.
    The two levels are written out rather than shared: this runs on every transition.
    """
    for key, value in obj.items():
        cls = value.__class__
        if len(key) > 1024:
            return False
        if cls is str:
            if len(value) > 1024:
                return False
        elif cls is int:
            if not -_INT_BOUND < value < _INT_BOUND:
                return False
        elif cls is dict:
            if len(value) > 16:
                return False
            for k, v in value.items():
                c = v.__class__
                if len(k) > 64:
                    return False
                if c is str:
                    if len(v) > 64:
                        return False
                elif c is int:
                    if not -_INT_BOUND < v < _INT_BOUND:
                        return False
                elif c not in _NUMBERS:
                    return False
        elif cls not in _NUMBERS:
            return False
    return True
