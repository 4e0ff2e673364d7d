"""Amazon S3: buckets (the trail's logs)."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec, gb_spec

SERVICE = Service(
    id="s3", name="Amazon S3",
    settings=(
        Setting("versioning", "bool", "Object versioning", default=True),
        Setting("block_public_access", "bool", "Block every form of public access", default=True),
        Setting("deny_insecure_transport", "bool", "Deny requests without TLS", default=True),
        Setting("kms_key", "ref", "The key that encrypts it"),
    ),
    usage={
        "storage_gb": Field(gb_spec("Standard storage")),
        "monthly_tier_1_requests": Field(count_spec("PUT, COPY, POST, LIST requests per month")),
        "monthly_tier_2_requests": Field(count_spec("GET and other requests per month")),
    },
)
