"""AWS IAM: one role per function, its actions written from the edges."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="iam", name="AWS IAM",
    settings=(
        Setting("actions_from_edges", "bool", "Each role allows what its edges need"),
        Setting("one_role_per_function", "bool", "No role is shared"),
        Setting("wildcard_actions", "bool", "Wildcard actions allowed"),
    ),
    free="IAM roles and policies have no charge (aws.amazon.com/iam/faqs)",
)
