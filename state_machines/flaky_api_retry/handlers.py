"""Handler for the flaky_api_retry example: a payments API that fails on purpose.

PLAN lists what the next calls do ("throttled", "unavailable", "slow" = charges but answers too
late, "rejected"); once it is empty, calls succeed.  The API is idempotent by key: a repeated key
returns the first charge instead of charging again.
"""

from asl_runtime import sleep

PLAN: list[str] = []
CHARGES: dict[str, dict] = {}  # idempotency key -> charge
CALLS: list[dict] = []


class ApiThrottled(Exception):
    """429: retry later."""


class ApiUnavailable(Exception):
    """503: retry later."""


class ApiRejected(Exception):
    """400: retrying cannot help."""


def CallPaymentsApi(event, context):
    key = event["idempotencyKey"]
    CALLS.append({"key": key, "attempt": event["attempt"]})
    outcome = PLAN.pop(0) if PLAN else "ok"
    if outcome == "throttled":
        raise ApiThrottled("429 Too Many Requests")
    if outcome == "unavailable":
        raise ApiUnavailable("503 Service Unavailable")
    if outcome == "rejected":
        raise ApiRejected(f"400 amount {event['charge']['amount']} is not allowed")
    replayed = key in CHARGES
    if not replayed:
        CHARGES[key] = {"chargeId": f"ch_{len(CHARGES) + 1}", **event["charge"]}
    if outcome == "slow":
        sleep(60)  # the charge went through, but the answer comes after the Task's timeout
    return {"chargeId": CHARGES[key]["chargeId"], "replayed": replayed}
