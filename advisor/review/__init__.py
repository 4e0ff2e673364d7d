"""`advisor review`: read a CloudFormation template, infer the architecture it deploys, price it and propose
the target.

- `template`: the bounded loader (YAML with short-form intrinsics, JSON, SAM) that evaluates parameters and
  conditions as CloudFormation would and keeps the line and column of every value;
- `infer`: the template's resources back to the Architecture `recommend` produces, each service package's
  `readback` module reading its own resources;
- `report`: the review document (architecture, not understood resources, proposal, cost).
"""
