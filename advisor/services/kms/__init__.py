"""AWS KMS: the customer managed key that encrypts the architecture's data."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="kms", name="AWS KMS",
    settings=(
        Setting("rotation", "bool", "Yearly automatic rotation", default=True),
        Setting("key_spec", "str", "Key spec", default="SYMMETRIC_DEFAULT", choices=("SYMMETRIC_DEFAULT",)),
    ),
)
