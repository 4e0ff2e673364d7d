"""Amazon S3: buckets (the trail's logs, and the claim-check bucket that holds request bodies too large for a queue
message)."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, gb_spec

# The lifecycle rule deletes a version this many days after it stops being current (versioning keeps an expired
# object as a noncurrent version); the estimate holds objects for as long.
NONCURRENT_DAYS = 1

SERVICE = Service(
    id="s3", name="Amazon S3",
    settings=(
        Setting("versioning", "bool", "Object versioning", default=True),
        Setting("block_public_access", "bool", "Block every form of public access", default=True),
        Setting("deny_insecure_transport", "bool", "Deny requests without TLS", default=True),
        Setting("kms_key", "ref", "The key that encrypts it"),
        Setting("purpose", "str", "What the bucket holds"),
        # A lifecycle rule's Expiration: at least one day (S3 user guide, lifecycle configuration elements).
        Setting("expiration_days", "int", "Days after which a lifecycle rule expires each object (unset: kept)",
                minimum=1, maximum=3650, source="S3 lifecycle configuration, Expiration"),
    ),
    # A function may read the objects of a bucket (a claim check's bodies): a service that came after Lambda
    # connects the edge itself.
    accepts=(("reads", "lambda"),),
    usage={
        "storage_gb": Field(gb_spec("Standard storage")),
        "monthly_tier_1_requests": Field(count_spec("PUT, COPY, POST, LIST requests per month")),
        "monthly_tier_2_requests": Field(count_spec("GET and other requests per month")),
    },
)
