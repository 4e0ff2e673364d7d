"""The check kinds a rule's `review:` block may name, and the placeholders each kind's message and fix may use.

Plain data, read whenever rule files are validated; the logic of each kind is `advisor.review.checks`, which is
imported only by a review.
"""

from __future__ import annotations

from typing import NamedTuple

# Every kind's message and fix may name these.
COMMON_PLACEHOLDERS = ("resource", "resources", "count", "type")
# A finding's severities: advisor.findings.SEVERITIES, written here so that reading rules does not import the
# findings (a test holds the two equal).
SEVERITIES = ("error", "warning", "note")
SUPPRESSION_KIND = "unjustified-suppression"


class Kind(NamedTuple):
    """A check kind: what it looks for and the placeholders its messages may use."""

    name: str
    about: str
    own: tuple[str, ...] = ()  # placeholders beyond the common ones
    # One finding that lists several resources, each of which may suppress it for itself (the compute with no
    # alarm), rather than one finding sitting at its first resource (a chain).
    listing: bool = False
    needs_traffic: bool = False  # judged only with the workload's traffic, else asked as a question

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder its message and fix may name."""
        return COMMON_PLACEHOLDERS + self.own


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("queue-without-dlq", "an SQS queue with no dead-letter queue that is not a dead-letter queue itself"),
    Kind("async-function-without-dlq", "a function invoked asynchronously with no dead-letter queue and no "
         "on-failure destination", ("invokers",)),
    Kind("stream-source-without-on-failure", "a Kinesis or DynamoDB stream consumer (event source mapping or pipe) "
         "with no on-failure destination", ("stream", "consumer")),
    Kind("table-without-pitr", "a DynamoDB table without point-in-time recovery"),
    Kind("table-fixed-capacity", "a DynamoDB table at fixed provisioned capacity with no auto scaling",
         ("capacity",)),
    Kind("compute-without-alarm", "compute (functions, instances, Auto Scaling groups, container services) in a "
         "template with no CloudWatch alarm at all", listing=True),
    Kind("servers-where-managed-would-do", "EC2 instances or Auto Scaling groups: servers the team patches and "
         "scales", ("what",)),
    Kind("single-instance-or-single-az-db", "a single EC2 instance, an Auto Scaling group that can shrink to one, "
         "or a database in one Availability Zone", ("what", "why")),
    Kind("synchronous-chain", "an API whose function calls another function or workflow and waits for it, judged "
         "against the workload's peak", ("chain", "peak", "concurrency", "limit"), needs_traffic=True),
    Kind(SUPPRESSION_KIND, "a suppression in a resource's Metadata.advisor.ignore without a reason, naming no rule, "
         "or malformed", ("rule", "why")),
)}
