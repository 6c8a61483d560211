"""Handlers for the order_saga example: an in-memory warehouse, payment provider and fraud model.

Each store is module state so that tests can look at what the saga did and undid.
"""

import hashlib

STOCK = {"book": 10, "lamp": 2}
RESERVATIONS: dict[str, dict] = {}
PAYMENTS: dict[str, dict] = {}  # paymentId -> {"amount", "status"}
CHARGES_BY_KEY: dict[str, str] = {}  # idempotency key -> paymentId
CARD_LIMITS = {"4111": 500, "4000": 0}


class OutOfStock(Exception):
    pass


class PaymentDeclined(Exception):
    pass


class FraudSuspected(Exception):
    pass


def ReserveInventory(event, context):
    items = event["items"]
    short = [i["sku"] for i in items if STOCK.get(i["sku"], 0) < i["quantity"]]
    if short:
        raise OutOfStock(f"not enough stock for {', '.join(short)}")
    for item in items:
        STOCK[item["sku"]] -= item["quantity"]
    reservation_id = f"res-{event['orderId']}"
    RESERVATIONS[reservation_id] = {"items": items, "released": False}
    return {"reservationId": reservation_id}


def ReleaseInventory(event, context):
    """Compensation for ReserveInventory; safe to repeat."""
    reservation = RESERVATIONS.get(event.get("reservationId"))
    if reservation and not reservation["released"]:
        for item in reservation["items"]:
            STOCK[item["sku"]] += item["quantity"]
        reservation["released"] = True
    return {"released": event.get("reservationId")}


def ChargePayment(event, context):
    key = event["idempotencyKey"]
    if key in CHARGES_BY_KEY:  # a retried charge must not charge twice
        return {"paymentId": CHARGES_BY_KEY[key], "replayed": True}
    if event["amount"] > CARD_LIMITS.get(event["card"], 0):
        raise PaymentDeclined(f"card {event['card']} declined for {event['amount']}")
    payment_id = "pay-" + hashlib.sha1(key.encode()).hexdigest()[:10]
    PAYMENTS[payment_id] = {"amount": event["amount"], "status": "CAPTURED"}
    CHARGES_BY_KEY[key] = payment_id
    return {"paymentId": payment_id}


def RefundPayment(event, context):
    """Compensation for ChargePayment; safe to repeat."""
    payment = PAYMENTS.get(event.get("paymentId"))
    if payment:
        payment["status"] = "REFUNDED"
    return {"refunded": event.get("paymentId")}


def FraudCheck(event, context):
    score = 0.1
    if event["email"].endswith("@example.invalid"):
        score += 0.5
    if event["amount"] > 300:
        score += 0.3
    if score >= 0.8:
        raise FraudSuspected(f"order {event['orderId']} scored {score:.1f}")
    return {"score": round(score, 2)}
