"""state_machines/checkout_jsonata: a JSONata workflow that keeps its state in variables."""

import json

import pytest

from example_support import example_dir, example_input, example_machine, fresh_handlers

HERE = example_dir("checkout_jsonata")
INPUT = example_input("checkout_jsonata")
DAY = 86_400


@pytest.fixture
def flow():
    return example_machine("checkout_jsonata")


@pytest.fixture
def shop():
    handlers, state = fresh_handlers("checkout_jsonata")
    state["STOCK"].update({"kettle": [3, "west-2"], "mug": [10, "east-1"]})
    return handlers, state


def assigned(result, state_name):
    """The variables a state assigned the last time it ran, decoded from its StateExited event."""
    for event in reversed(result.history):
        details = event.get("stateExitedEventDetails")
        if details and details["name"] == state_name:
            return {k: json.loads(v) for k, v in details.get("assignedVariables", {}).items()}
    raise AssertionError(f"{state_name} never exited")


def test_prices_reserves_charges_and_reports_from_variables(flow, shop):
    handlers, state = shop
    result = flow.run(INPUT, handlers=handlers)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {
        "orderId": "o-1001", "email": "ada@example.com", "chargeId": "ch-1",
        "subtotal": 109.9, "shipping": 0, "total": 109.9,
        "lines": [{"sku": "kettle", "warehouse": "west-2"}, {"sku": "mug", "warehouse": "east-1"}],
        "reservationRounds": 1,
    }
    assert state["CHARGES"] == [{"orderId": "o-1001", "customerId": "c-42", "amount": 109.9}]
    assert assigned(result, "PriceCart")["subtotal"] == 109.9
    assert assigned(result, "CheckStock") == {"shipping": 0}  # the Default's Assign


def test_small_orders_pay_shipping(flow, shop):
    handlers, state = shop
    small = {**INPUT, "lines": [{"sku": "mug", "qty": 2, "price": 12.5}]}
    result = flow.run(small, handlers=handlers)
    assert result.status == "SUCCEEDED", result.cause
    assert (result.output["subtotal"], result.output["shipping"], result.output["total"]) == (25, 7.5, 32.5)
    assert result.output["lines"] == [{"sku": "mug", "warehouse": "east-1"}]


def test_waits_a_simulated_day_for_a_restock_and_reserves_only_what_is_pending(flow, shop):
    handlers, state = shop
    state["STOCK"]["kettle"] = [0, "west-2"]
    state["RESTOCK"]["kettle"] = 5
    state["BUSY"][:] = [True]  # the first call is retried after 2 s
    result = flow.run(INPUT, handlers=handlers)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["reservationRounds"] == 2
    assert result.output["lines"] == [{"sku": "mug", "warehouse": "east-1"},
                                      {"sku": "kettle", "warehouse": "west-2"}]
    assert DAY - 1 < result.duration < DAY + 60
    assert [(r["sku"], r["round"], r["position"]) for r in state["RESERVATIONS"]] == [
        ("mug", 1, 1), ("kettle", 2, 0)]
    assert assigned(result, "ReserveLines")["pending"] == []


def test_gives_up_after_three_rounds(flow, shop):
    handlers, state = shop
    state["STOCK"]["kettle"] = [0, "west-2"]
    result = flow.run(INPUT, handlers=handlers)
    assert result.status == "FAILED"
    assert result.error == "OutOfStock"
    assert result.cause == "Order o-1001: no stock for kettle after 3 rounds"
    assert [r["sku"] for r in state["RESERVATIONS"]] == ["mug"]  # reserved once, in round 1
    assert 2 * DAY - 1 < result.duration < 2 * DAY + 60  # $now() has millisecond precision
    assert state["CHARGES"] == []


def test_a_declined_card_fails_with_the_processors_message(flow, shop):
    handlers, state = shop
    state["CARD_LIMIT"][0] = 50.0
    result = flow.run(INPUT, handlers=handlers)
    assert result.status == "FAILED"
    assert result.error == "PaymentFailed"
    assert result.cause == "Order o-1001: amount 109.9 exceeds the card limit"
    assert assigned(result, "Charge") == {"reason": "amount 109.9 exceeds the card limit"}
