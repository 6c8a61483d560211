"""RFC 3339 timestamps as Step Functions reads them (Choice Timestamp rules, Wait, IsTimestamp).

The one parser: the validator and the engine both judge a timestamp here, so what validates also
runs.  The States Language asks for an upper-case T between date and time and an upper-case Z
for UTC; a second of 60 (a leap second) is not a time a Wait or a comparison can use.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})\Z")


def parse_timestamp(value) -> datetime | None:
    """An aware datetime for a valid RFC 3339 string with an offset, else None."""
    if not isinstance(value, str):
        return None
    m = _RFC3339.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    try:
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        if offset == "Z":
            tz = timezone.utc
        else:
            sign = 1 if offset[0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz)
    except ValueError:
        return None


def is_rfc3339(text) -> bool:
    """A date-time with an offset, as Timestamp fields and operators require."""
    return parse_timestamp(text) is not None


def format_timestamp(dt: datetime) -> str:
    """ISO-8601 with milliseconds and Z, as AWS renders context-object times."""
    return _iso_utc(dt.astimezone(timezone.utc))


def format_epoch(ts: float) -> str:
    """`format_timestamp` of seconds since the epoch (the clocks' unit): every event's timestamp."""
    return _iso_utc(datetime.fromtimestamp(ts, tz=timezone.utc))


def _iso_utc(dt: datetime) -> str:
    # An f-string: strftime costs more than the rest of rendering an event's timestamp.
    return (f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}."
            f"{dt.microsecond // 1000:03d}Z")
