"""dns:* (route53): a health check on the API's 5XX alarm and, when a domain is given, a Regional custom
domain with a latency record that fails over on the health check. The domain, hosted zone and certificate
are parameters behind one condition, so the stack deploys before DNS is ready."""

from __future__ import annotations

from typing import Any

from advisor.architecture import Component
from advisor.render.cfn.context import Builder
from advisor.render.cfn.intrinsics import REGION, And, Equals, GetAtt, Not, Ref


def build(b: Builder, c: Component) -> None:
    """Nothing before the late phase (the API stage and its alarm must exist)."""


def late(b: Builder, c: Component) -> None:
    from advisor.services.cloudwatch.blueprint import api_5xx_alarm

    targets = [e.target for e in b.edges_from(c.id, "routes-to") if b.service_of(e.target) == "apigateway"]
    if not targets:
        return
    api = b.lid(targets[0])
    stage = b.lid(targets[0], "Stage")
    name = next(n for a, _, n in b.apis if a == api)
    topic = next(iter(b.alarm_topic.values()), None)
    alarm = api_5xx_alarm(b, api, stage, name, [Ref(topic)] if topic else [])
    check = b.lid(c.id, "HealthCheck")
    b.add(check, "AWS::Route53::HealthCheck", {"HealthCheckConfig": {
        "Type": "CLOUDWATCH_METRIC",
        "AlarmIdentifier": {"Name": Ref(alarm), "Region": REGION},
        "InsufficientDataHealthStatus": "LastKnownStatus",
    }})
    domain = b.parameter(b.lid(c.id, "DomainName"), Type="String", Default="",
                         AllowedPattern=r"^$|^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
                         Description="API domain name served from every Region; leave empty to skip DNS")
    zone = b.parameter(b.lid(c.id, "HostedZoneId"), Type="String", Default="", AllowedPattern=r"^$|^Z[A-Z0-9]{1,32}$",
                       Description="Route 53 hosted zone id of the domain")
    cert = b.parameter(b.lid(c.id, "CertificateArn"), Type="String", Default="",
                       AllowedPattern=r"^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[a-f0-9-]+$",
                       Description="ACM certificate ARN for the domain in this Region")
    for given in (domain, zone, cert):
        b.note("each_region", given.value)  # the same domain and zone, and each Region's own certificate
    cond = b.condition(b.lid(c.id, "HasDomain"), And(Not(Equals(domain, "")), Not(Equals(zone, "")),
                                                     Not(Equals(cert, ""))))
    custom = b.lid(c.id, "CustomDomain")
    b.add(custom, "AWS::ApiGateway::DomainName", {
        "DomainName": domain, "RegionalCertificateArn": cert, "SecurityPolicy": "TLS_1_2",
        "EndpointConfiguration": {"Types": ["REGIONAL"]}}, Condition=cond)
    b.add(b.lid(c.id, "BasePathMapping"), "AWS::ApiGateway::BasePathMapping", {
        "DomainName": Ref(custom), "RestApiId": Ref(api), "Stage": Ref(stage)}, Condition=cond)
    b.add(b.lid(c.id, "Record"), "AWS::Route53::RecordSet", {
        "HostedZoneId": zone, "Name": domain, "Type": "A", "SetIdentifier": REGION, "Region": REGION,
        "HealthCheckId": Ref(check),
        "AliasTarget": {"DNSName": GetAtt(custom, "RegionalDomainName"),
                        "HostedZoneId": GetAtt(custom, "RegionalHostedZoneId"), "EvaluateTargetHealth": True},
    }, Condition=cond)
    b.note("dr", f"{c.id}: deploy this template in each Region with the same domain; Route 53 answers with the "
                 "lowest-latency healthy Region")


# --- the report: what its components contribute to ARCHITECTURE.md ---------------------------------


def failover_after(f: Any) -> list[Any]:
    """Nothing to deploy: Route 53 stops answering with a Region whose health check fails. How to confirm it, and
    to take a Region out by hand when an outage does not trip its check."""
    from advisor.render.runbook import Step

    records = [c for c in f.arch.of_service("route53") if f.arch.edges_from(c.id)]
    if not records:
        return []
    p = f.primary
    # Route 53 is global: the check is found by the Region and the stack of the alarm it watches, without asking
    # the lost Region's CloudFormation (the alarm's name starts with the stack's).
    return [Step(
        "Nothing to deploy: Route 53 stops answering with a Region whose health check fails (its API's 5XX alarm). "
        "Confirm the failed Region's check is unhealthy; if an outage does not trip it, take the Region out by "
        "inverting its check, and revert with `--no-inverted` afterwards. Editing a check is a call to Route 53's "
        "control plane, which runs in us-east-1; the automatic failover needs none.", (
            "CHECK=$(aws route53 list-health-checks --query \"HealthChecks[?HealthCheckConfig.AlarmIdentifier.Region"
            f"=='{p.region}' && starts_with(HealthCheckConfig.AlarmIdentifier.Name, '{p.name}-')].Id | [0]\" "
            "--output text)",
            "aws route53 get-health-check-status --health-check-id \"$CHECK\"",
            "aws route53 update-health-check --health-check-id \"$CHECK\" --inverted"))]
