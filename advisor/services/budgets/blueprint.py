"""budget:* (budgets): a monthly cost budget with alerts (80% and 100% actual, 100% forecast) to the alarm topic.

The limit is a parameter. When the workload gives an amount it is the default; when the budget comes from a
problem without an amount (limited-monitoring-governance), the parameter has no default, so CloudFormation asks
for the amount at deploy time: a budget is the customer's number, and any guess would be wrong.
"""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component
from advisor.render.cfn.context import Builder, Statement
from advisor.render.cfn.intrinsics import Ref, Sub


def build(b: Builder, c: Component) -> None:
    limit = c.settings.get("limit_usd")
    spec: dict[str, Any] = {"Type": "Number", "MinValue": 1,
                            "Description": f"Monthly cost budget in USD for {c.id}"}
    if limit:
        spec["Default"] = limit if isinstance(limit, int) else float(limit)
    else:
        spec["Description"] += " (required: the workload named no amount)"
    amount = b.parameter(b.lid(c.id, "LimitUsd"), **spec)
    topic = b.lid(next(e.target for e in b.edges_from(c.id, "alarms-to")))
    subscribers = [{"SubscriptionType": "SNS", "Address": Ref(topic)}]
    notes = []
    for pct in sorted(int(p) for p in (c.settings.get("alerts_percent") or (80, 100))):
        notes.append({"Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                                       "Threshold": pct, "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers})
    notes.append({"Notification": {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN",
                                   "Threshold": 100, "ThresholdType": "PERCENTAGE"}, "Subscribers": subscribers})
    b.add(b.lid(c.id), "AWS::Budgets::Budget", {
        "Budget": {"BudgetType": "COST", "TimeUnit": "MONTHLY",
                   "BudgetLimit": {"Amount": amount, "Unit": "USD"}},
        "NotificationsWithSubscribers": notes,
    })
    b.topic_allow(topic, Statement("BudgetsPublish", "Allow", ("sns:Publish",), (Ref(topic),),
                                   {"Service": "budgets.amazonaws.com"},
                                   {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")},
                                    "ArnLike": {"aws:SourceArn": Sub("arn:${AWS::Partition}:budgets::${AWS::AccountId}:*")}}))
    b.key_allow_service("budgets.amazonaws.com", "BudgetsToEncryptedTopic")
