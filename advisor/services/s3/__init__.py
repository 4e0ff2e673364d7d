"""Amazon S3: buckets (the trail's logs)."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="s3", name="Amazon S3",
    settings=(
        Setting("versioning", "bool", "Object versioning", default=True),
        Setting("block_public_access", "bool", "Block every form of public access", default=True),
        Setting("deny_insecure_transport", "bool", "Deny requests without TLS", default=True),
        Setting("kms_key", "ref", "The key that encrypts it"),
    ),
)
