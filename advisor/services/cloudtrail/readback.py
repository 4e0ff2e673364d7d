"""trail:* (cloudtrail) read back from a template: a trail; `writes` to its bucket and `audits` the tables its
data-event selectors name (the inverse of blueprint.py)."""

from __future__ import annotations

from advisor.review.infer import Reading, flag

TYPES = ("AWS::CloudTrail::Trail",)


def components(r: Reading) -> None:
    """One component per trail."""
    for trail in r.of_type("AWS::CloudTrail::Trail"):
        cid = r.component(r.name(trail.logical_id, "trail"), "cloudtrail", trail)
        r.set(cid, "log_file_validation", flag(trail.props.get("EnableLogFileValidation")), trail,
              "EnableLogFileValidation")
        r.set(cid, "multi_region", flag(trail.props.get("IsMultiRegionTrail")), trail, "IsMultiRegionTrail")


def edges(r: Reading) -> None:
    """Its bucket, and the tables whose data events it records."""
    for cid in r.components_of("cloudtrail"):
        trail = r.main(cid)
        for bucket in r.targets(trail.props.get("S3BucketName"), "AWS::S3::Bucket"):
            r.edge(cid, r.component_of(bucket), "writes")
        selectors = [trail.props.get("AdvancedEventSelectors"), trail.props.get("EventSelectors")]
        for table in r.targets(selectors, "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
            r.edge(cid, r.component_of(table), "audits")
