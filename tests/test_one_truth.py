"""One truth: the estimate prices what the template deploys.

For every example, per-problem and per-requirement workload, template variant and a generated set of valid
workloads (usage overrides included): the settings the estimate priced equal the deployed ones, every
component of the template has cost lines or is named in the estimate with the reason it has none, and
every cost line belongs to a component of the template.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from advisor.catalog import load_catalog
from advisor.costing import Flows, estimate, graph_of
from advisor.engine import recommend
from advisor.pricing.catalog import find_catalog
from advisor.pricing.errors import PriceNotFound
from advisor.render.cfn import build_template
from advisor.render.cfn.intrinsics import GetAtt
from advisor.render.cfn.naming import camel
from advisor.services.stepfunctions.workflow import success_path
from advisor.workload import load_workload, load_workload_text
from tests.conftest import EXAMPLES
from tests.test_properties import valid_workload
from tests.test_template import VARIANTS

CATALOG = load_catalog()
SINGLES = {f"problem:{p}": f"version: 1\nname: x\nproblems: [{p}]\n" for p in CATALOG.problems}
SINGLES.update({f"requirement:{r}": f"version: 1\nname: x\nrequirements: {{{r}: true}}\n" for r in CATALOG.requirements})
USAGE = {
    # Usage keys that change what is deployed, each against the rules' own choice.
    "usage-lambda": "version: 1\nname: x\nproblems: [scalability-issues, high-latency]\n"
                    "usage:\n  lambda: {memory_mb: 3008, architecture: x86_64, ephemeral_storage_mb: 2048}\n",
    "usage-provisioned": "version: 1\nname: x\nproblems: [scalability-issues, high-latency]\n"
                         "traffic: {requests_per_month: 5000000, peak_requests_per_second: 30}\n"
                         "usage:\n  dynamodb: {capacity_mode: provisioned, read_consistency: strong}\n",
    "usage-provisioned-global": "version: 1\nname: x\nproblems: [scalability-issues, disaster-recovery-gaps]\n"
                                "requirements: {disaster-recovery: {rpo_minutes: 1, rto_minutes: 10}}\n"
                                "usage:\n  dynamodb: {capacity_mode: provisioned, write_capacity_units: 40, "
                                "read_capacity_units: 12}\n",
    "usage-transactional-cache": "version: 1\nname: x\nproblems: [high-latency]\nrequirements: {security: true, "
                                 "monitoring-governance: {log_retention_days: 90}}\n"
                                 "usage:\n  dynamodb: {read_consistency: transactional}\n"
                                 "  apigateway: {type: rest, cache_size_gb: 1.6}\n",
}
CASES = {**{f"example:{p.stem}": p for p in EXAMPLES}, **SINGLES, **{f"variant:{k}": v for k, v in VARIANTS.items()},
         **USAGE}


def _load(case: object):
    if isinstance(case, str):
        return load_workload_text(case, "case.yaml", CATALOG)
    return load_workload(str(case), CATALOG)


@lru_cache(maxsize=None)
def _priced(name: str):
    workload = _load(CASES[name])
    arch = recommend(workload)
    try:
        est = estimate(workload, arch, find_catalog(workload.region))
    except PriceNotFound as exc:
        # Catalogs outside us-east-1 are partial until every Region is priced; us-east-1 must price everything.
        assert exc.region != "us-east-1", exc.message
        pytest.skip(exc.message)
    return workload, arch, est, build_template(workload, arch)


def _check_recovery(workload, arch, lines) -> None:
    """The recovery stack bills what it deploys from the start: its key always; a standby's or a second active
    Region's alarms too, one line per alarm its template declares; a pilot light's nothing else until failover."""
    from advisor.recovery import recovery_stack
    from advisor.render.cfn.recovery import build_recovery_template

    built = build_recovery_template(workload, arch)
    if built is None:
        assert not lines
        return
    recovery, template = built
    assert {line.region for line in lines} <= {recovery.region}
    keys = sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key")
    assert sum(line.quantity for line in lines if line.item.startswith("Customer managed keys")) == keys == 1
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    priced = sum((line.quantity for line in lines if line.item.startswith("Standard-resolution alarm")), Decimal(0))
    assert priced == (len(alarms) if recovery.serves else 0)
    assert all("Condition" in r for r in alarms)  # they wait for the table's name, like the rest of the stack
    assert recovery == recovery_stack(arch)


def _lines(est, component: str, item: str = "") -> list:
    return [line for line in est.lines if line.component == component and line.item.startswith(item)]


def check_one_truth(workload, arch, est, template) -> None:
    """Every assertion of this module for one workload: the primary stack's lines against its template, then
    the recovery Region's stack against its own."""
    recovery_lines = tuple(line for line in est.lines if line.item.endswith(" stack)"))
    est = est._replace(lines=tuple(line for line in est.lines if line not in recovery_lines))
    _check_recovery(workload, arch, recovery_lines)
    resources = template["Resources"]
    by_id = {camel(cid): cid for cid in arch.components}

    def props(cid: str) -> dict:
        return resources[camel(cid)]["Properties"]

    # Every cost line belongs to a component of the template, and every component is priced or accounted for.
    components = set(template["Metadata"]["Advisor"]["Components"])
    assert components == set(arch.components)
    priced = {line.component for line in est.lines}
    assert priced <= components, priced - components
    unbilled = {cid for cid, _, why in est.unbilled if why}
    assert priced | unbilled == components
    assert not priced & unbilled

    for fn in arch.of_service("lambda"):
        p = props(fn.id)
        assert p["MemorySize"] == fn.settings["memory_mb"]
        assert p["Architectures"] == [fn.settings["architecture"]]
        assert p["EphemeralStorage"] == {"Size": fn.settings["ephemeral_storage_mb"]}
        for line in _lines(est, fn.id, "Duration"):
            assert f"{fn.settings['memory_mb']:,} MB" in line.basis
            assert fn.settings["architecture"] in line.item
        assert p["LoggingConfig"]["LogFormat"] == fn.settings["log_format"]
        group = resources[camel(fn.id) + "Logs"]["Properties"]
        assert group["RetentionInDays"] == fn.settings["log_retention_days"]
        for line in _lines(est, fn.id, "Logs storage"):
            if "usage.cloudwatch" not in line.basis:
                assert f"kept {fn.settings['log_retention_days']} days" in line.basis

    for api in arch.of_service("apigateway"):
        assert api.settings["type"] == "rest"
        assert resources[camel(api.id)]["Type"] == "AWS::ApiGateway::RestApi"
        assert all("REST" in line.item or "Data transfer" in line.item or "Logs" in line.item
                   or "Cache" in line.item for line in _lines(est, api.id) if line.service == "apigateway")
        stage = resources[camel(api.id) + "Stage"]["Properties"]
        cache = api.settings.get("cache_size_gb")
        assert stage.get("CacheClusterSize") == (f"{cache:g}" if cache else None)
        assert bool(_lines(est, api.id, "Cache")) == bool(cache)
        group = resources[camel(api.id) + "AccessLogs"]["Properties"]
        assert group["RetentionInDays"] == api.settings["log_retention_days"]

    for table in arch.of_service("dynamodb"):
        if table.settings.get("replica_of"):
            continue
        p = props(table.id)
        provisioned = table.settings["capacity_mode"] == "provisioned"
        assert p["BillingMode"] == ("PROVISIONED" if provisioned else "PAY_PER_REQUEST")
        if provisioned:
            capacity = _lines(est, table.id, "Write capacity")
            assert capacity and f"{table.settings['write_capacity_units']:,} units" in capacity[0].basis
            deployed = (p.get("ProvisionedThroughput", {}).get("WriteCapacityUnits")
                        or p["WriteProvisionedThroughputSettings"]["WriteCapacityAutoScalingSettings"]["MaxCapacity"])
            assert deployed == table.settings["write_capacity_units"]
            assert not _lines(est, table.id, "Write request units")
        else:
            assert not _lines(est, table.id, "Write capacity")
        for line in _lines(est, table.id, "Read request units"):
            if "usage.dynamodb" not in line.basis:
                assert f"({table.settings['read_consistency']} reads" in line.basis
        for edge in arch.edges_to(table.id):
            if edge.kind == "reads":
                env = props(edge.source)["Environment"]["Variables"]
                assert env["READ_CONSISTENCY"] == table.settings["read_consistency"]
        pitr = table.settings["point_in_time_recovery"]
        assert bool(_lines(est, table.id, "Point-in-time recovery")) == pitr
        # Replica Regions: those of the global table, priced in their own Regions.
        replicas = [c for c in arch.of_service("dynamodb") if c.settings.get("replica_of") == table.id]
        deployed_regions = sorted(r["Region"] for r in p.get("Replicas", []) if isinstance(r["Region"], str))
        assert deployed_regions == sorted(str(r.settings["region"]) for r in replicas)
        priced_regions = sorted(re.sub(r".*\((.*)\)$", r"\1", line.item)
                                for line in _lines(est, table.id, "Replicated write"))
        if any(line.quantity for line in _lines(est, table.id, "Write")):
            assert priced_regions == deployed_regions
        for replica in replicas:
            assert _lines(est, replica.id, "Data storage")
            assert bool(_lines(est, replica.id, "Point-in-time recovery")) == replica.settings["point_in_time_recovery"]

    for pool in arch.of_service("cognito"):
        # The feature plan priced is the one deployed, and threat protection only with the plan that has it.
        p = props(pool.id)
        tier = pool.settings["tier"]
        assert p["UserPoolTier"] == tier.upper()
        assert ("UserPoolAddOns" in p) == (tier == "plus" and pool.settings["advanced_security"] != "OFF")
        billed = _lines(est, pool.id, "Monthly active users")
        assert billed and all(f"({tier.capitalize()} plan)" in line.item for line in billed)
        outputs = template["Outputs"]
        assert outputs[camel(pool.id) + "Id"]["Value"].value == camel(pool.id)
        assert outputs[camel(pool.id) + "ClientId"]["Value"].value == camel(pool.id) + "Client"

    for trail in arch.of_service("cloudtrail"):
        audited = [e.target for e in arch.edges_from(trail.id) if e.kind == "audits"]
        selectors = props(trail.id).get("AdvancedEventSelectors", [])
        data = [s for s in selectors if isinstance(s, dict) and s["FieldSelectors"][0]["Equals"] == ["Data"]]
        # The trail of the account's management events is deployed at the parameter's default, and priced so; the
        # estimate says it prices the trail as created and what reusing an organisation's trail changes.
        assert template["Parameters"]["CreateAccountTrail"]["Default"] == "true"
        said = [w for w in est.warnings if w.startswith(f"{trail.id} is priced as created")]
        assert len(said) == 1 and "CreateAccountTrail=false" in said[0]
        assert len(data) == len(audited)
        events = _lines(est, trail.id, "Data events")
        traffic = sum(line.quantity for t in audited for line in _lines(est, t, "Write request units")
                      + _lines(est, t, "Read request units"))
        if "cloudtrail" not in workload.usage:
            assert bool(events) == bool(audited and traffic)

    for workflow in arch.of_service("stepfunctions"):
        p = props(workflow.id)
        kind = workflow.settings["type"]
        assert p["StateMachineType"] == kind.upper()
        billed = [line for line in _lines(est, workflow.id) if line.service == "stepfunctions"]
        assert all(line.item.startswith("Express" if kind == "express" else "Standard") for line in billed)
        path = success_path(p["Definition"])
        for line in billed:
            if kind == "standard" and "usage.stepfunctions" not in line.basis:
                assert f"{len(path)} states on the success path ({' → '.join(path)})" in line.basis
        assert p["LoggingConfiguration"]["Level"] == workflow.settings["log_level"]
        assert resources[camel(workflow.id) + "Logs"]["Properties"]["RetentionInDays"] == \
            workflow.settings["log_retention_days"]
        assert bool(_lines(est, workflow.id, "Logs")) == (workflow.settings["log_level"] == "ALL"
                                                          and any(line.quantity for line in billed))

    for bucket in arch.of_service("s3"):
        days = bucket.settings.get("expiration_days")
        rules = props(bucket.id).get("LifecycleConfiguration", {}).get("Rules", [])
        assert [r["ExpirationInDays"] for r in rules] == ([days] if days else [])
        for line in _lines(est, bucket.id, "Standard storage"):
            if days and "request bodies" in line.basis:
                assert f"expires after {days}" in line.basis

    # A claim check: the API puts the body in the bucket, whose notification is what the queue carries and bills.
    for edge in arch.edges:
        if edge.settings.get("via") != "s3":
            continue
        bucket, queue = camel(edge.settings["bucket"]), camel(edge.target)
        method = resources[camel(edge.source) + "PostMethod"]["Properties"]["Integration"]
        assert method["IntegrationHttpMethod"] == "PUT" and f"${{{bucket}}}" in str(method["Uri"])
        notified = resources[bucket]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
        assert [str(n["Queue"]) for n in notified] == [str(GetAtt(queue, "Arn"))]
        if "sqs" not in workload.usage and "s3" not in workload.usage:
            sent = _lines(est, edge.target, "Standard requests")
            assert sent and all("(64 KB chunks of 2 KB)" in line.basis for line in sent)
            bodies = Flows(workload, graph_of(arch), Decimal(1)).get("messages", edge.target)
            assert sum(line.quantity for line in _lines(est, edge.settings["bucket"], "PUT")) == bodies

    alarms = sum(1 for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm")
    own = (workload.usage.get("cloudwatch") or {}).get("standard_alarms", 0) if arch.of_service("cloudwatch") else 0
    priced_alarms = sum((line.quantity for line in est.lines if line.item.startswith("Standard-resolution alarm")),
                        Decimal(0)) - own
    # Route 53 health checks reuse the API's 5XX alarm; each alarm is one metric.
    assert priced_alarms == alarms, (priced_alarms, alarms, sorted(by_id))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_estimate_prices_what_the_template_deploys(name):
    check_one_truth(*_priced(name))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(valid_workload)
def test_generated_workloads_price_what_they_deploy(doc):
    from advisor.errors import AdvisorError

    try:
        workload = load_workload_text(yaml.safe_dump(doc), "generated.yaml", CATALOG)
    except AdvisorError:
        return  # a clean refusal is checked by tests/test_properties.py
    arch = recommend(workload)
    try:
        catalog = find_catalog(workload.region)
        est = estimate(workload, arch, catalog)
    except AdvisorError:
        return  # a Region whose catalog lacks a price
    check_one_truth(workload, arch, est, build_template(workload, arch))
