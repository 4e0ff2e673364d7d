"""Amazon Cognito user pools per monthly active user at each feature plan (US East (N. Virginia) prices).

Source: https://aws.amazon.com/cognito/pricing/ (its worked billing examples as transcribed on 2026-09-20 in
api-evangelist/amazon-cognito plans/amazon-cognito-plans-pricing.yml): Lite "First 10,000 (Free-tier)", $0.0055 per
MAU, "850,000 MAUs x $0.0046"; Essentials "free tier of 10,000 monthly active user (MAU) per month per account",
"Price / MAU charged above the free tier = $0.015"; Plus "$0.020", "There is no free tier for the Plus tier".
Figures marked "derived" are arithmetic on those unit prices, not numbers printed on the page.
"""

from __future__ import annotations

from decimal import Decimal

from advisor.pricing.base import FreeTier
from advisor.services.cognito import pricing as cognito

from .helpers import cents, line, usd


def test_lite_climbs_its_tiers_after_the_free_tier(use1) -> None:
    # The page's Lite example: 950,000 MAUs = the first 10,000 free, 90,000 × $0.0055 = $495.00 and
    # 850,000 × $0.0046 = $3,910.00; $4,405.00 in all (derived sum).
    lines = cognito.price(cognito.CognitoUsage(monthly_active_users=950_000, tier="lite"), use1,
                          free_tier=FreeTier.from_catalog(use1))
    assert line(lines, "Monthly active users (Lite plan) (free tier)").quantity == Decimal(10_000)
    assert cents(line(lines, "Monthly active users (Lite plan) (first 100,000 MAUs)")) == usd("495.00")
    [second] = [x for x in lines if x.unit_price == Decimal("0.0046")]
    assert second.quantity == Decimal(850_000) and cents(second) == usd("3,910.00")
    assert cents(lines) == usd("4,405.00")


def test_lite_without_the_free_tier_bills_from_the_first_user(use1) -> None:
    # Derived: with the free tier off (advisor's default), 10,000 MAUs × $0.0055 = $55.00.
    lines = cognito.price(cognito.CognitoUsage(monthly_active_users=10_000, tier="lite"), use1)
    assert cents(lines) == usd("55.00")


def test_essentials_is_flat_after_the_shared_free_tier(use1) -> None:
    # Derived: 100,000 MAUs on Essentials, the first 10,000 free: 90,000 × $0.015 = $1,350.00.
    lines = cognito.price(cognito.CognitoUsage(monthly_active_users=100_000, tier="essentials"), use1,
                          free_tier=FreeTier.from_catalog(use1))
    assert cents(lines) == usd("1,350.00")


def test_lite_and_essentials_share_one_free_tier_and_plus_has_none(use1) -> None:
    # The free 10,000 MAUs are the account's, for Lite and Essentials together: a second pool gets none; a Plus
    # pool never does. Derived: 10,000 × $0.015 = $150.00; 10,000 × $0.020 = $200.00.
    free = FreeTier.from_catalog(use1)
    first = cognito.price(cognito.CognitoUsage(monthly_active_users=10_000, tier="lite"), use1, free_tier=free)
    second = cognito.price(cognito.CognitoUsage(monthly_active_users=10_000, tier="essentials"), use1, free_tier=free)
    plus = cognito.price(cognito.CognitoUsage(monthly_active_users=10_000, tier="plus"), use1,
                         free_tier=FreeTier.from_catalog(use1))
    assert cents(first) == usd("0.00") and cents(second) == usd("150.00") and cents(plus) == usd("200.00")


def test_an_estimate_prices_the_plan_the_pool_deploys(use1) -> None:
    # A pool in compliance scope gets threat protection (ADV-S009), so the Plus plan: 250,000 MAUs × $0.020 =
    # $5,000.00 (derived); without a compliance regime the pool is Lite and the estimate assumes 10,000 MAUs,
    # saying so.
    from advisor.costing import estimate
    from advisor.engine import recommend
    from advisor.workload import load_workload_text

    plus = load_workload_text("version: 1\nname: x\nrequirements: {security: {auth: cognito, compliance: [hipaa]}}\n"
                              "usage: {cognito: {monthly_active_users: 250000}}\n")
    est = estimate(plus, recommend(plus), use1)
    [billed] = [x for x in est.lines if x.service == "cognito"]
    assert billed.item == "Monthly active users (Plus plan)" and cents(billed) == usd("5,000.00")
    assert "threat protection needs Plus" in billed.basis
    lite = load_workload_text("version: 1\nname: x\nrequirements: {security: {auth: cognito}}\n")
    est = estimate(lite, recommend(lite), use1)
    [billed] = [x for x in est.lines if x.service == "cognito"]
    assert billed.item.startswith("Monthly active users (Lite plan)") and billed.quantity == Decimal(10_000)
    assert any("usage.cognito.monthly_active_users is not given" in w for w in est.warnings)
