"""Amazon EventBridge: an event bus with an archive, and pipes."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, gb_spec

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
    usage={
        "monthly_custom_events": Field(count_spec("Custom events published per month")),
        "monthly_pipes_requests": Field(count_spec("Pipes requests per month")),
        "monthly_archive_processing_gb": Field(gb_spec("Events archived per month")),
        "archive_storage_gb": Field(gb_spec("Archive storage")),
    },
)
