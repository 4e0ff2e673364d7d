"""The quantity model: each quantity as AWS bills it, each test citing the rule it checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.catalog import load_catalog
from advisor.costing import estimate
from advisor.engine import recommend
from advisor.pricing.base import FreeTier, to_cents
from advisor.pricing.catalog import find_catalog
from advisor.services.sqs import pricing as sqs
from advisor.workload import load_workload, load_workload_text
from tests.conftest import ROOT

CATALOG = load_catalog()
PRICES = find_catalog("us-east-1")


def _estimate(text: str):
    workload = load_workload_text(text, "w.yaml", CATALOG)
    arch = recommend(workload)
    return arch, estimate(workload, arch, find_catalog(workload.region))


def _example(name: str, **traffic):
    workload = load_workload(str(ROOT / "examples" / f"{name}.yaml"), CATALOG)
    if traffic:
        workload = workload._replace(traffic={**workload.traffic, **traffic})
    arch = recommend(workload)
    return arch, estimate(workload, arch, PRICES)


def _quantity(est, component: str, item: str) -> Decimal:
    return sum((line.quantity for line in est.lines if line.component == component and line.item.startswith(item)),
               Decimal(0))


MIXED = """\
version: 1
name: mixed
problems: [scalability-issues, high-latency]
traffic: {requests_per_month: 3000000, peak_requests_per_second: 20, writes_per_request: 1, reads_per_request: 2}
data: {item_kb: 1, storage_gb: 1}
"""


def test_writes_and_reads_follow_the_stated_shares():
    # The API splits requests by the stated mix: a third write (POST to the queue, one conditional put each),
    # two thirds read (GET through the function, one GetItem each). DynamoDB bills one WRU per write of up to
    # 1 KB and half an RRU per eventually consistent read of up to 4 KB (DynamoDB developer guide, read/write
    # capacity units).
    _, est = _estimate(MIXED)
    assert _quantity(est, "queue:ingest", "Standard requests") > 0
    assert _quantity(est, "table:main", "Write request units") == 1_000_000
    assert _quantity(est, "table:main", "Read request units") == 1_000_000  # 2,000,000 reads × 0.5 RRU
    reads = next(line for line in est.lines if line.component == "function:api" and line.item == "Requests")
    assert reads.quantity == 2_000_000
    assert "66.7% of requests read" in reads.basis


def test_reads_do_not_thin_the_writes_of_an_architecture_without_a_read_path():
    # order-fanout has no read path: every request is an event its producer publishes, however many reads
    # the workload states elsewhere.
    _, none = _example("order-fanout", reads_per_request=0)
    _, many = _example("order-fanout", reads_per_request=100)
    assert _quantity(none, "topic:events", "Publish requests") == _quantity(many, "topic:events", "Publish requests")
    assert none.total == many.total


def test_a_table_nothing_reads_bills_no_reads_and_says_so():
    # live-scores: the workload's application writes the table the real-time flow starts from; nothing in
    # the architecture reads it, so no read request units are billed, and the warning says why.
    _, est = _example("live-scores")
    assert _quantity(est, "table:main", "Write request units") > 0
    assert _quantity(est, "table:main", "Read request units") == 0
    assert any("nothing in the architecture reads table:main" in w for w in est.warnings)


def test_email_subscriptions_above_ten_a_second_are_warned_and_push_is_not_priced():
    # "Exceeding the limit of 10 messages per second (TPS) for an email or email-json endpoint will trigger an
    # automatic suspension of the subscription" (Amazon SNS developer guide, email notifications). Mobile push
    # needs a platform application the template cannot create, so it is not priced.
    _, est = _example("everything")
    assert any("e-mails a second at peak" in w and "topic:updates" in w for w in est.warnings)
    assert _quantity(est, "topic:updates", "Mobile push deliveries") == 0
    assert any("mobile push endpoints are created outside the template" in w for w in est.warnings)


def test_volume_tiers_apply_to_the_account_not_to_each_queue():
    # SQS standard requests: $0.40 per million for the first 100 billion a month, $0.30 for the next 100
    # billion, $0.24 beyond (aws.amazon.com/sqs/pricing; Infracost sqs_queue_test golden). Two queues of 60
    # billion requests each: 100 billion at $0.40 and 20 billion at $0.30, as one account's month.
    ledger = FreeTier(())
    lines = []
    for _ in range(2):
        lines += sqs.price(sqs.SqsUsage(monthly_requests=60_000_000_000, request_size_kb=1), PRICES, free_tier=ledger)
    total = sum(line.monthly_usd for line in lines)
    assert total == Decimal(100_000) * Decimal("0.40") * 1000 / 1000 + Decimal(20_000) * Decimal("0.30")
    alone = sum(line.monthly_usd for line in sqs.price(sqs.SqsUsage(monthly_requests=60_000_000_000,
                                                                    request_size_kb=1), PRICES))
    assert alone * 2 > total  # priced per queue, both would stay in the first tier


def test_a_rotated_key_costs_its_first_two_rotations():
    # "the first and second rotation of the key adds $1/month (prorated hourly) in cost. This price increase is
    # capped at the second rotation" (aws.amazon.com/kms/pricing; KMS developer guide, rotate-keys).
    arch, est = _example("startup-mvp")
    assert arch.components["key:main"].settings["rotation"] is True
    keys = [line for line in est.lines if line.service == "kms" and line.unit_price == 1]
    assert sum(line.monthly_usd for line in keys) == 3


def test_transfer_between_us_east_1_and_us_east_2_is_a_cent_a_gigabyte():
    # Data transfer between US East (N. Virginia) and US East (Ohio) is $0.01 per GB; other inter-Region
    # transfer from us-east-1 is $0.02 per GB (Infracost data_transfer_test golden).
    _, est = _example("inventory-dr")
    transfer = [line for line in est.lines if line.item == "Data transfer out to other regions"]
    assert transfer and all(line.unit_price == Decimal("0.01") for line in transfer)
    workload = load_workload(str(ROOT / "examples" / "inventory-dr.yaml"), CATALOG)
    workload = workload._replace(requirements={**workload.requirements, "disaster-recovery": {
        **workload.requirements["disaster-recovery"], "secondary_region": "eu-west-1"}})
    west = [line for line in estimate(workload, recommend(workload), PRICES).lines
            if line.item == "Data transfer out to other regions"]
    assert west and all(line.unit_price == Decimal("0.02") for line in west)


def test_sqs_messages_up_to_a_mebibyte_need_no_claim_check():
    # SendMessage: "The maximum size is 1 MiB or 1,048,576 bytes" (since 2025-08-04); "Each 64 KB chunk of a
    # payload is billed as 1 request" (aws.amazon.com/sqs/pricing).
    _, est = _estimate("version: 1\nname: big\nproblems: [scalability-issues]\n"
                       "traffic: {requests_per_month: 1000, request_kb: 600}\n")
    assert not any("claim check" in w for w in est.warnings)
    line = next(line for line in est.lines if line.component == "queue:ingest")
    assert "× 10 (64 KB chunks of 600 KB)" in line.basis
    _, huge = _estimate("version: 1\nname: big\nproblems: [scalability-issues]\n"
                        "traffic: {requests_per_month: 1000, request_kb: 2000}\n")
    # Larger bodies travel through S3 (ADV-R018), so the queue never carries one and nothing exceeds the quota.
    assert not any("limit of 1,024 KB" in w for w in huge.warnings)
    assert any(line.component == "bucket:payloads" for line in huge.lines)


def _line(est, component: str, item: str):
    (found,) = [line for line in est.lines if line.component == component and line.item.startswith(item)]
    return found


def test_a_claim_check_bills_one_put_one_get_and_the_bodies_held_until_they_expire():
    # S3 pricing (aws.amazon.com/s3/pricing/, us-east-1): PUT, COPY, POST, LIST $0.005 per 1,000 requests; GET
    # $0.0004 per 1,000; S3 Standard $0.023 per GB-month for the first 50 TB, prorated by the hours an object is
    # stored. "Data transferred ... from an Amazon S3 bucket to any AWS service(s) within the same AWS Region as the
    # S3 bucket" is free, and so is transfer in: API Gateway's PUT and Lambda's GET bill requests only.
    arch, est = _estimate("version: 1\nname: big\nrequirements: {scalability: true}\n"
                          "traffic: {requests_per_month: 100000, request_kb: 2048}\n")
    assert ("api:public", "queue:ingest") in {(e.source, e.target) for e in arch.edges if e.settings.get("via") == "s3"}
    puts, gets = _line(est, "bucket:payloads", "PUT"), _line(est, "bucket:payloads", "GET")
    assert (puts.quantity, puts.unit, puts.unit_price, to_cents(puts.monthly_usd)) == \
        (100_000, "requests", Decimal("0.000005"), Decimal("0.50"))
    assert (gets.quantity, gets.unit_price, to_cents(gets.monthly_usd)) == (100_000, Decimal("0.0000004"),
                                                                           Decimal("0.04"))
    assert "one PUT per request body api:public stores" in puts.basis
    assert "one GET per record function:processor processes" in gets.basis
    # 100,000 bodies of 2 MiB are 195.3125 GB; each is held 14 days, then 1 more as a noncurrent version: 360 of
    # the month's 730 hours.
    storage = _line(est, "bucket:payloads", "Standard storage")
    assert abs(storage.quantity - Decimal("195.3125") * 360 / 730) < Decimal("1e-20")
    assert to_cents(storage.monthly_usd) == Decimal("2.22") and storage.unit == "GB-month"
    assert "held 15 days (expires after 14" in storage.basis
    assert not [line for line in est.lines if line.service == "s3" and "transfer" in line.item.lower()]


def test_a_claim_checked_queue_carries_the_pointer_and_warns_of_no_quota():
    # SendMessage: "The maximum size is 1 MiB or 1,048,576 bytes" (Amazon SQS API reference); the developer guide's
    # large-message pattern (SQSDeveloperGuide/sqs-s3-messages.html) stores the body in S3 and queues a reference.
    # "Each 64 KB chunk of a payload is billed as 1 request" (aws.amazon.com/sqs/pricing/): the pointer is one.
    _, est = _estimate("version: 1\nname: big\nrequirements: {scalability: true}\n"
                       "traffic: {requests_per_month: 100000, request_kb: 10240}\n")
    queue = _line(est, "queue:ingest", "Standard requests")
    assert "× 1 (64 KB chunks of 2 KB)" in queue.basis and "S3 event notification" in queue.basis
    # One send per body, then receives and deletes in batches of 10, plus the idle pollers' empty receives.
    assert queue.quantity == 100_000 + 2 * 10_000 + sqs.idle_poller_receives()
    assert not any("exceed" in w or "claim check" in w for w in est.warnings)


def test_a_workload_without_traffic_is_priced_at_an_assumption_it_names():
    _, est = _estimate("version: 1\nname: quiet\nproblems: [scalability-issues]\n")
    assert any("gives no traffic" in w and "1,000,000 requests a month" in w for w in est.warnings)
    _, stated = _estimate("version: 1\nname: quiet\nproblems: [scalability-issues]\ntraffic: {requests_per_month: 5}\n")
    assert not any("gives no traffic" in w for w in stated.warnings)


def test_usage_for_a_service_the_architecture_lacks_is_named_not_ignored():
    _, est = _estimate("version: 1\nname: u\nproblems: [scalability-issues]\nusage:\n  s3: {storage_gb: 5}\n"
                       "  stepfunctions: {monthly_transitions: 100}\n")
    assert any(w.startswith("usage.s3 is given but the architecture has no Amazon S3") for w in est.warnings)
    assert any(w.startswith("usage.stepfunctions is given") for w in est.warnings)


def test_trail_data_events_are_the_audited_tables_item_calls():
    # "Data Events ... are charged at $0.10 per 100,000 events"; "For data events, all deliveries incur
    # CloudTrail costs, including the first" (aws.amazon.com/cloudtrail/pricing; CloudTrail user guide).
    _, est = _estimate(MIXED + "requirements: {security: true}\n")
    calls = _quantity(est, "table:main", "Write request units") + 2_000_000  # 1M writes, 2M reads
    events = next(line for line in est.lines if line.item == "Data events")
    assert events.quantity == calls
    assert events.monthly_usd == calls / 100_000 * Decimal("0.10")


def test_a_replica_bills_its_own_storage_and_point_in_time_recovery_in_its_region():
    # Each replica of a global table is a table of its own in its Region: storage and point-in-time recovery
    # are billed per table (DynamoDB pricing; PointInTimeRecovery_Howitworks), replicated writes per replica
    # (global tables billing).
    arch, est = _example("inventory-dr")
    replica = next(c for c in arch.of_service("dynamodb") if c.settings.get("replica_of"))
    storage = _quantity(est, "table:main", "Data storage")
    assert _quantity(est, replica.id, "Data storage") == storage
    assert _quantity(est, replica.id, "Point-in-time recovery") == storage


def test_read_consistency_is_priced_and_deployed_alike():
    # A strongly consistent read of up to 4 KB is one RRU, an eventually consistent one half (DynamoDB
    # developer guide); the handler reads as the table's setting says.
    from advisor.render.cfn import build_template

    for consistency, units in (("eventual", 1_000_000), ("strong", 2_000_000), ("transactional", 4_000_000)):
        workload = load_workload_text(MIXED + f"usage:\n  dynamodb: {{read_consistency: {consistency}}}\n",
                                      "w.yaml", CATALOG)
        arch = recommend(workload)
        est = estimate(workload, arch, PRICES)
        assert _quantity(est, "table:main", "Read request units") == units
        env = build_template(workload, arch)["Resources"]["FunctionApi"]["Properties"]["Environment"]["Variables"]
        assert env["READ_CONSISTENCY"] == consistency


def test_an_archive_is_priced_from_the_events_it_keeps():
    # "Archive processing = 2 M events * 6 KB/(1024 * 1024) * $0.10/GB" and "$0.023/GB" a month stored
    # (aws.amazon.com/eventbridge/pricing example).
    arch, est = _example("order-fanout")
    bus = arch.of_service("eventbridge")[0]
    assert bus.settings["archive_days"] > 0
    events = _quantity(est, bus.id, "Custom events")
    processed = _quantity(est, bus.id, "Archive processing")
    item_kb = Decimal(str(load_workload(str(ROOT / "examples" / "order-fanout.yaml"), CATALOG).data["item_kb"]))
    assert processed == events * item_kb / (1024 * 1024)
    assert _quantity(est, bus.id, "Archive storage") > 0


def test_service_conditioned_rules_give_the_service_as_their_reason():
    arch, _ = _example("everything")
    decisions = {d.rule: d.because for d in arch.decisions}
    assert decisions["ADV-C003"] == ("service:dynamodb",)
    assert decisions["ADV-P002"] == ("service:lambda",)
    assert decisions["ADV-R001"] == ("requirement:scalability",)


@pytest.mark.parametrize("key, value", [("apigateway", "{type: http}"), ("sqs", "{fifo: true}"),
                                        ("lambda", "{provisioned_concurrency: 5}")])
def test_usage_that_cannot_be_deployed_is_refused_at_its_line(cli, tmp_path, key, value):
    path = tmp_path / "w.yaml"
    path.write_text(f"version: 1\nname: w\nproblems: [scalability-issues]\nusage:\n  {key}: {value}\n")
    result = cli("cost", str(path), "--format", "json")
    assert result.code == 2
    assert f"{path}:5:" in result.err and "cannot be deployed" in result.err
    assert "Traceback" not in result.err


def test_kms_requests_follow_the_sqs_and_sns_formulas():
    # Amazon SQS: "R = B / D * (2 * P + C)", P producing and C consuming principals per queue; Amazon SNS:
    # "R = B / D * (2 * P)", P publishing principals per topic (developer guides, estimating AWS KMS costs);
    # B the month's seconds, D the 300 s data-key reuse period. order-fanout: three queues, each fed by
    # the topic and read by its function (2 + 1 each), one topic the integration workflow publishes to (2),
    # the alarm topic CloudWatch publishes to (2), and three functions and the workflow, whose log groups use
    # the key (1 each): 17 a period, 8,760 periods in 730 hours.
    _, est = _example("order-fanout")
    requests = next(line for line in est.lines if line.service == "kms" and line.item == "Requests")
    assert requests.quantity == 17 * 730 * 3600 // 300


def test_the_sns_guide_example_one_topic_one_publisher():
    # "2,678,400 / 300 * (2 * 1) = 17,856": one topic, one publisher, January (31 days).
    from advisor.costing import graph_of
    from advisor.services import service

    arch, _ = _example("order-fanout")
    topic = arch.components["topic:events"]
    per_period = service("sns").kms_principals(graph_of(arch), topic)
    assert 2_678_400 // 300 * per_period == 17_856


def test_a_topic_two_edges_feed_publishes_what_both_bring():
    # In everything, topic:events takes the processor's events (one per queued write) and the integration
    # workflow's (one per event the bus routes to it). SNS bills every publish (Amazon SNS pricing), so the
    # topic's publishes are the sum of both, each source named in the basis; before, the last edge priced
    # overwrote the other.
    from advisor.costing import Flows, graph_of

    arch, est = _example("everything")
    workload = load_workload(str(ROOT / "examples" / "everything.yaml"), CATALOG)
    flows = Flows(workload, graph_of(arch), Decimal(1))
    from_bus, from_processor = flows.get("events", "workflow:integration"), flows.get("records", "function:processor")
    assert from_bus > 0 and from_processor > 0
    assert flows.get("events", "workflow:integration") == flows.get("events", "bus:integration")
    line = next(l for l in est.lines if l.component == "topic:events" and l.item == "Publish requests")
    assert line.quantity == from_bus + from_processor
    assert "execution of workflow:integration" in line.basis and "function:processor processes" in line.basis


STANDARD = """\
version: 1
name: integrations
problems: [complex-integrations]
traffic: {requests_per_month: 1000000, peak_requests_per_second: 5}
usage: {stepfunctions: {type: standard}}
"""


def test_a_standard_workflow_bills_the_transitions_of_the_definition_it_deploys():
    # Standard workflows bill $0.025 per 1,000 state transitions, a transition per state executed (AWS Step
    # Functions pricing). The deployed definition checks the event's contract, then publishes it: two states
    # on the success path, so one million events make two million transitions, $50.00.
    from advisor.render.cfn import build_template
    from advisor.services.stepfunctions.workflow import success_path

    workload = load_workload_text(STANDARD, "w.yaml", CATALOG)
    arch = recommend(workload)
    est = estimate(workload, arch, PRICES)
    machine = build_template(workload, arch)["Resources"]["WorkflowIntegration"]["Properties"]
    assert machine["StateMachineType"] == "STANDARD"
    assert success_path(machine["Definition"]) == ["CheckContract", "Deliver"]
    line = next(l for l in est.lines if l.component == "workflow:integration")
    assert line.item.startswith("Standard state transitions")
    assert line.quantity == 2_000_000
    assert line.monthly_usd == Decimal("50.000")


def test_an_express_workflow_bills_one_request_and_its_duration_per_event():
    # Express workflows bill $1.00 per million requests and $0.00001667 per GB-second for the first 1,000 hours,
    # duration rounded up to 100 ms and memory to 64 MB (AWS Step Functions pricing). One execution per event
    # the bus routes to it; at the assumed 100 ms and 64 MB: 1,000,000 × 0.1 s × 1/16 GB = 6,250 GB-seconds.
    workload = load_workload_text(STANDARD.replace("usage: {stepfunctions: {type: standard}}\n", ""), "w.yaml",
                                  CATALOG)
    arch = recommend(workload)
    est = estimate(workload, arch, PRICES)
    lines = {l.item.split(" (")[0]: l for l in est.lines if l.component == "workflow:integration"}
    assert lines["Express requests"].quantity == 1_000_000
    assert lines["Express requests"].monthly_usd == Decimal("1.000000")
    assert lines["Express duration"].quantity == 6250
    assert to_cents(lines["Express duration"].monthly_usd) == Decimal("0.10")
    # The workflow publishes each event once to the topic it delivers to.
    assert _quantity(est, "topic:events", "Publish requests") == 1_000_000
