"""AWS KMS: the customer managed key that encrypts the architecture's data."""

from advisor.services.base import Service, Setting
from advisor.spec import Field, count_spec

SERVICE = Service(
    id="kms", name="AWS KMS",
    # Each Region has a key of its own, made first: the primary stack's replica is encrypted with it.
    recovery=lambda arch, c: ("always", None),
    settings=(
        Setting("rotation", "bool", "Yearly automatic rotation", default=True),
        Setting("key_spec", "str", "Key spec", default="SYMMETRIC_DEFAULT", choices=("SYMMETRIC_DEFAULT",)),
    ),
    usage={
        "keys": Field(count_spec("Customer managed keys", 100_000)),
        "monthly_requests": Field(count_spec("Symmetric key requests per month")),
    },
    customer_key=True,
)
