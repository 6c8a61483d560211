"""Handlers for the checkout_jsonata example: a stock service and a card processor, in memory.

STOCK maps a sku to (units, warehouse); RESTOCK lists skus that arrive overnight, one round each
time the workflow waits.  BUSY makes the next calls to the stock service fail with a retryable
error.  CARD_LIMIT is the most the card accepts.
"""

STOCK: dict[str, list] = {"kettle": [3, "west-2"], "mug": [10, "east-1"]}
RESTOCK: dict[str, int] = {}
BUSY: list[bool] = []
CARD_LIMIT = [1000.0]
CHARGES: list[dict] = []
RESERVATIONS: list[dict] = []


class StockServiceBusy(Exception):
    """The stock service asks to be called again later."""


class CardDeclined(Exception):
    """The card processor refused the amount."""


def ReserveStock(event, context):
    if BUSY and BUSY.pop(0):
        raise StockServiceBusy("try again in a moment")
    units, warehouse = STOCK.get(event["sku"], [0, None])
    if units < event["qty"]:
        # Whatever was on its way arrives before the next round.
        STOCK[event["sku"]] = [units + RESTOCK.pop(event["sku"], 0), warehouse or "east-1"]
        return {"sku": event["sku"], "reserved": False, "warehouse": None}
    STOCK[event["sku"]] = [units - event["qty"], warehouse]
    RESERVATIONS.append(event)
    return {"sku": event["sku"], "reserved": True, "warehouse": warehouse}


def ChargeCard(event, context):
    if event["amount"] > CARD_LIMIT[0]:
        raise CardDeclined(f"amount {event['amount']} exceeds the card limit")
    CHARGES.append(event)
    return {"chargeId": f"ch-{len(CHARGES)}", "amount": event["amount"]}
