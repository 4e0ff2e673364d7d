"""Amazon DynamoDB Streams: a table's change records (the table's StreamSpecification)."""

from advisor.services.base import Service, Setting

SERVICE = Service(
    id="dynamodb-streams", name="Amazon DynamoDB Streams",
    settings=(Setting("starting_position", "str", "Where readers start", default="LATEST",
                      choices=("LATEST", "TRIM_HORIZON")),),
    free="its read requests are priced on its table's lines (streams read request units)",
    edges=(("publishes", "sns"),),
)
