"""roles:* (iam) read back from a template: the functions' roles as one component, with whether each function
has a role of its own and whether any grants wildcard actions (the roles belong to their functions; this
component stands for how they are written)."""

from __future__ import annotations

from advisor.review.infer import Reading

TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


def components(r: Reading) -> None:
    """One component when the template has functions."""
    functions = r.components_of("lambda")
    if not functions:
        return
    roles = [r.role_of(r.main(fn)) for fn in functions]
    first = next((role for role in roles if role is not None), None)
    main = r.resources[first] if first is not None else r.main(functions[0])
    cid = r.component(r.named("roles", "functions"), "iam", main, shared=True)
    r.set(cid, "one_role_per_function", None not in roles and len(set(roles)) == len(roles), main)
    wildcard = any(s.effect == "Allow" and any(a == "*" or a.endswith(":*") for a in s.actions)
                   for role in set(roles) for s in r.statements(role))
    r.set(cid, "wildcard_actions", wildcard, main)
    for policy in r.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for role in r.targets(policy.props.get("Roles"), "AWS::IAM::Role"):
            owner = r.component_of(role)
            if owner is not None:
                r.claim(policy.logical_id, owner, "policy")
                break
