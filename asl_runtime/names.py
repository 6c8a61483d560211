"""AWS's rules for the names and region an execution is known by (StartExecution, CreateStateMachine).

Names: 1 to 80 characters, no whitespace, none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /
and no control characters (U+0000-001F, U+007F-009F), as "Step Functions service quotas" states.
"""

from __future__ import annotations

import re

MAX_NAME = 80
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}\Z")


def name_problem(value: str, what: str = "name") -> str | None:
    """Why AWS would refuse `value` as an execution or state machine name, or None."""
    if not value:
        return f"the {what} must not be empty"
    if len(value) > MAX_NAME:
        return f"the {what} is {len(value)} characters long; AWS allows at most {MAX_NAME}"
    bad = _FORBIDDEN.search(value)
    if bad:
        shown = repr(bad.group()) if bad.group().isprintable() and not bad.group().isspace() \
            else f"U+{ord(bad.group()):04X}"
        return (f"the {what} {value!r} contains {shown}; AWS names cannot hold whitespace, brackets, "
                "wildcards, control characters or any of \" # % \\ ^ | ~ ` $ & , ; : /")
    return None


def region_problem(value: str) -> str | None:
    """None when `value` has the form of an AWS region (us-east-1, eu-central-2, us-gov-west-1)."""
    if _REGION.match(value or ""):
        return None
    return f"{value!r} is not an AWS region name such as us-east-1 or eu-west-2"
