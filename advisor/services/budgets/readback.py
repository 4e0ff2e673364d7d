"""budget:* (budgets) read back from a template: a cost budget; `alarms-to` the topics its notifications go to
(the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, number

TYPES = ("AWS::Budgets::Budget",)


def components(r: Reading) -> None:
    """One component per budget: its limit (a parameter's default, when it has one) and alert thresholds."""
    for budget in r.of_type("AWS::Budgets::Budget"):
        cid = r.component(r.name(budget.logical_id, "budget"), "budgets", budget)
        spec = budget.props.get("Budget") or {}
        limit = number((spec.get("BudgetLimit") or {}).get("Amount")) if isinstance(spec, dict) and isinstance(
            spec.get("BudgetLimit"), dict) else None
        r.set(cid, "limit_usd", limit, budget, "Budget", "BudgetLimit")
        thresholds = sorted(int(n["Notification"]["Threshold"]) for n in budget.props.get("NotificationsWithSubscribers")
                            or [] if isinstance(n, dict) and isinstance(n.get("Notification"), dict)
                            and n["Notification"].get("NotificationType") == "ACTUAL"
                            and number(n["Notification"].get("Threshold")) is not None)
        if thresholds:
            r.set(cid, "alerts_percent", thresholds, budget, "NotificationsWithSubscribers")


def edges(r: Reading) -> None:
    """The topics its notifications publish to."""
    for cid in r.components_of("budgets"):
        for topic in r.targets(r.main(cid).props.get("NotificationsWithSubscribers"), "AWS::SNS::Topic"):
            r.edge(cid, r.component_of(topic), "alarms-to")
