"""Amazon EventBridge: an event bus with an archive, and pipes."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="eventbridge", name="Amazon EventBridge",
    settings=(
        Setting("archive_days", "int", "Days the bus's archive keeps events (0: no archive)", default=0,
                minimum=0, maximum=3650),
        Setting("schema_discovery", "bool", "Schema discovery on the bus", default=False),
    ),
    # Event buses take events up to 1 MB since January 2026 (aws.amazon.com/blogs/compute/
    # more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb).
    message_kb=1024, message_quota="EventBridge event size, 1 MB since 2026-01-29",
    edges=(("routes-to", "sns"),),
)
