"""bus:* (eventbridge): a custom event bus with an archive; routes-to connectors add rules."""

from __future__ import annotations

from advisor.architecture import Component
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import GetAtt, Sub


def build(b: Builder, c: Component) -> None:
    lid = b.lid(c.id)
    b.add(lid, "AWS::Events::EventBus", {"Name": Sub("${AWS::StackName}-" + lid)})
    days = int(c.settings.get("archive_days") or 0)
    if days:
        b.add(b.lid(c.id, "Archive"), "AWS::Events::Archive", {
            "SourceArn": GetAtt(lid, "Arn"), "RetentionDays": days,
            "Description": "Replayable copy of every event on the bus"})
    b.output(b.lid(c.id, "Name"), GetAtt(lid, "Name"), f"Name of the {c.id} event bus")
