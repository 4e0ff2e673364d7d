"""tracing:* (xray) read back from a template: active tracing on functions or workflows as one component (the
tracing itself is their setting, as blueprint.py of lambda and stepfunctions write it)."""

from __future__ import annotations

from advisor.review.infer import Reading

TYPES = ("AWS::XRay::SamplingRule", "AWS::XRay::Group")


def components(r: Reading) -> None:
    """One component when a function traces actively or a workflow traces."""
    traced = [c for c in r.components_of("lambda") if r.settings[c].get("tracing") == "Active"]
    traced += [c for c in r.components_of("stepfunctions") if r.settings[c].get("tracing")]
    if not traced:
        return
    rules = r.of_type("AWS::XRay::SamplingRule", "AWS::XRay::Group")
    cid = r.component(r.named("tracing", "xray"), "xray", r.main(traced[0]), shared=True)
    r.set(cid, "sampling", "custom" if any(x.type == "AWS::XRay::SamplingRule" for x in rules) else "default")
    for rule in rules:
        r.claim(rule.logical_id, cid, "sampling rule" if rule.type.endswith("Rule") else "group")
