"""The order services are created in: callees first, circles broken deterministically."""

from __future__ import annotations

from shipspec.plan.call_order import creation_order


def test_callees_come_first_and_independent_services_keep_the_spec_order() -> None:
    order, after, later = creation_order(
        ["gateway", "orders", "catalog", "mailer"],
        {"gateway": ["orders", "catalog"], "orders": ["catalog"]},
    )
    assert order == ["catalog", "orders", "gateway", "mailer"]
    assert after == {
        "gateway": ["catalog", "orders"],
        "orders": ["catalog"],
        "catalog": [],
        "mailer": [],
    }
    assert not any(later.values())


def test_only_calls_inside_a_circle_are_left_to_resolve_later() -> None:
    # front is listed first and calls into the circle a <-> b: it still waits for both.
    order, after, later = creation_order(
        ["front", "a", "b", "c"], {"front": ["a"], "a": ["b"], "b": ["a", "c"], "c": ["c"]}
    )
    assert order == ["c", "a", "b", "front"]  # c calling itself is no circle to break
    assert later == {"front": [], "a": ["b"], "b": [], "c": []}
    assert after == {"front": ["a"], "a": [], "b": ["c", "a"], "c": []}


def test_a_three_service_circle_defers_one_call() -> None:
    order, after, later = creation_order(["x", "y", "z"], {"x": ["y"], "y": ["z"], "z": ["x"]})
    assert order == ["x", "z", "y"]
    assert later == {"x": ["y"], "y": [], "z": []}
    assert after == {"x": [], "y": ["z"], "z": ["x"]}
