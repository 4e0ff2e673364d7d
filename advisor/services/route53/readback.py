"""dns:* (route53) read back from a template: a health check on an API's alarm and the custom domain, base path
mapping and record that route to the API in each Region; `routes-to` that API (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading

TYPES = ("AWS::Route53::HealthCheck", "AWS::Route53::RecordSet", "AWS::ApiGateway::DomainName",
         "AWS::ApiGateway::BasePathMapping", "AWS::Route53::HostedZone")


def components(r: Reading) -> None:
    """One component per health check, with the domain, mapping and records that use it."""
    for check in r.of_type("AWS::Route53::HealthCheck"):
        cid = r.component(r.name(check.logical_id, "dns", suffix="HealthCheck"), "route53", check)
        for alarm in r.targets(check.props.get("HealthCheckConfig"), "AWS::CloudWatch::Alarm"):
            r.claim(alarm, cid, "health check alarm")
        for record in r.referrers(check.logical_id):
            if record.type == "AWS::Route53::RecordSet":
                r.claim(record.logical_id, cid, "record")
                r.set(cid, "routing", "failover" if record.props.get("Failover") else "latency", record)
                for name in r.targets(record.props.get("AliasTarget"), "AWS::ApiGateway::DomainName"):
                    r.claim(name, cid, "custom domain")
                    for mapping in r.referrers(name):
                        if mapping.type == "AWS::ApiGateway::BasePathMapping":
                            r.claim(mapping.logical_id, cid, "base path mapping")
    for domain in r.of_type("AWS::ApiGateway::DomainName"):
        if domain.logical_id in r.parts:
            continue
        cid = r.component(r.name(domain.logical_id, "dns", suffix="CustomDomain"), "route53", domain)
        for mapping in r.referrers(domain.logical_id):
            if mapping.type == "AWS::ApiGateway::BasePathMapping":
                r.claim(mapping.logical_id, cid, "base path mapping")


def edges(r: Reading) -> None:
    """The API its mapping serves, or whose alarm its health check watches."""
    for cid in r.components_of("route53"):
        for lid in r.owned[cid]:
            resource = r.resources[lid]
            apis = r.targets(resource.props.get("RestApiId"), "AWS::ApiGateway::RestApi")
            if resource.type == "AWS::Route53::HealthCheck":
                for alarm in r.targets(resource.props.get("HealthCheckConfig"), "AWS::CloudWatch::Alarm"):
                    apis += _alarmed_apis(r, alarm)
            for api in apis:
                r.edge(cid, r.component_of(api), "routes-to")


def _alarmed_apis(r: Reading, alarm: str) -> list[str]:
    """The REST APIs an alarm's dimensions name (`ApiName: ${AWS::StackName}-Api`)."""
    from advisor.review.infer import text_of

    names = [text_of(d.get("Value")) for d in r.resources[alarm].props.get("Dimensions") or []
             if isinstance(d, dict) and d.get("Name") == "ApiName"]
    out = []
    for api in r.of_type("AWS::ApiGateway::RestApi"):
        if text_of(api.props.get("Name")) in names:
            out.append(api.logical_id)
    return out
