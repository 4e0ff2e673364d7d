"""advisor: an architecture advisor and cost estimator for AWS."""

__version__ = "0.1.0"
