"""DynamoDB Streams: how change records move on. A stream has no cost step of its own: what it costs is on
its table's lines, and its consumers' lines price what it carries."""

from advisor.architecture import Component
from advisor.costing import Flows, Graph


def watched(graph: Graph, stream: Component) -> dict[str, int]:
    """An EventBridge pipe that reads the stream has a dead-letter queue; the alarms watch it."""
    pipes = sum(1 for e in graph.edges_from(stream.id) if e.settings.get("via") == "eventbridge-pipes")
    return {"dead-letter queues": pipes} if pipes else {}


def flow(f: Flows, stream: Component) -> None:
    """Each change record the table writes to its stream is published on to its targets."""
    changes = f.get("changes", stream.id)
    for edge in f.graph.edges_from(stream.id):
        if edge.kind == "publishes":
            f.add("events", edge.target, changes, f.why("changes", stream.id))
