"""Disaster recovery that deploys: the strategy is the cheapest that meets both objectives, backups follow the RPO
and are priced as AWS bills them, objectives nothing meets are refused, and `render` writes a template for each
Region the strategy uses, with the commands that deploy them in order and a runbook that fails over."""

from __future__ import annotations

import re
import shlex
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from advisor.catalog import load_catalog
from advisor.costing import estimate
from advisor.engine import dr_strategies_meeting, recommend
from advisor.pricing.catalog import load_catalog as load_prices
from advisor.services.backup import interval_for, worst_rpo_minutes
from advisor.services.backup import pricing as backup
from advisor.workload import load_workload_text
from tests.conftest import ROOT

CATALOG = load_catalog()
USE1 = load_prices("us-east-1")
STRATEGIES = [s.id for s in CATALOG.dr_strategies]

# Test workloads, one per design the choice lands on, each with an API, a queue and functions, so that a
# recovery stack has something to run. A name is the strategy it picks, or (`STRATEGY_OF`) a way of it.
WORKLOADS = {
    # RPO 12 h and RTO 24 h on a 10 GB table taking half a million writes a month. Backup and
    # restore by incremental exports: the changes cost far less to send than whole backups, or than a replica.
    "backup-restore": """\
version: 1
name: catalogue
requirements:
  scalability: {peak_rps: 50}
  disaster-recovery: {rpo_minutes: 720, rto_minutes: 1440}
traffic: {requests_per_month: 500000, peak_requests_per_second: 20, writes_per_request: 1, reads_per_request: 0}
data: {item_kb: 1, storage_gb: 10}
""",
    # Writes dominate a small table: copying the whole table every 8 hours costs less than exporting and
    # replaying every change, or than replicating every write.
    "backup-restore-copies": """\
version: 1
name: ledger
requirements:
  scalability: {peak_rps: 200}
  disaster-recovery: {rpo_minutes: 720, rto_minutes: 1440}
traffic: {requests_per_month: 30000000, peak_requests_per_second: 200, writes_per_request: 1, reads_per_request: 0}
data: {item_kb: 1, storage_gb: 5}
""",
    # A tiny table taking few writes: its replica costs less than any backup's fixed costs (the exporter's alarm,
    # the monthly restore test).
    "pilot-light": """\
version: 1
name: settings
requirements:
  scalability: {peak_rps: 50}
  disaster-recovery: {rpo_minutes: 720, rto_minutes: 1440}
traffic: {requests_per_month: 100000, peak_requests_per_second: 20, writes_per_request: 1, reads_per_request: 0}
data: {item_kb: 1, storage_gb: 0.1}
""",
    # Seconds of RPO and minutes of RTO, no reads to serve: a scaled-down standby with streams and fan-out.
    "warm-standby": """\
version: 1
name: orders-standby
requirements:
  scalability: {peak_rps: 500}
  decoupling: {consumers: [billing, shipping]}
  real-time-updates: {subscribers: [email, sqs]}
  monitoring-governance: {audit: true, tracing: true}
  disaster-recovery: {rpo_minutes: 0.5, rto_minutes: 10}
traffic: {requests_per_month: 5000000, peak_requests_per_second: 300, writes_per_request: 1, reads_per_request: 0}
""",
    # Near-zero objectives: both Regions serve, Route 53 health checks fail over.
    "multi-site-active-active": """\
version: 1
name: global-scores
region: eu-west-1
requirements:
  scalability: {peak_rps: 800}
  security: {auth: iam}
  disaster-recovery: {rpo_minutes: 0.05, rto_minutes: 1, secondary_region: eu-central-1}
traffic: {requests_per_month: 20000000, peak_requests_per_second: 800}
""",
}


STRATEGY_OF = {"backup-restore-copies": "backup-restore"}


@lru_cache(maxsize=None)
def _workload(text: str):
    return load_workload_text(text, "dr.yaml")


# --- backups: priced as AWS Backup bills DynamoDB, scheduled from the RPO ---------------------------


def test_backup_lines_at_published_prices():
    # us-east-1, pricing-facts: AWS Backup DynamoDB warm storage $0.10 per GB-month (the Infracost golden's
    # "backup 460 GB -> $46.00"), cross-Region copy $0.02 per GB, restore $0.15 per GB ("restore 230 GB -> $34.50").
    lines = backup.price(backup.BackupUsage(warm_storage_gb=460, monthly_cross_region_copy_gb=1000,
                                            copy_storage_gb=460, monthly_restored_gb=230), USE1)
    assert {line.item: line.monthly_usd.quantize(Decimal("0.01")) for line in lines} == {
        "DynamoDB backup storage (warm)": Decimal("46.00"), "Cross-region copy transfer": Decimal("20.00"),
        "DynamoDB backup copies (warm)": Decimal("46.00"), "Restore test": Decimal("34.50")}


@pytest.mark.parametrize(("rpo", "hours"), [(10_000, 24), (1500, 24), (1499, 12), (1440, 12), (780, 12),
                                            (779, 8), (720, 8), (420, 6), (300, 4), (240, 3), (180, 2),
                                            (120, 1)])
def test_backups_run_as_often_as_the_rpo_needs(rpo, hours):
    # A backup may start up to its 60-minute start window late: the interval plus that hour stays within the RPO.
    assert interval_for(rpo) == hours
    assert worst_rpo_minutes(hours) <= rpo
    assert hours == 24 or worst_rpo_minutes(next(h for h in (24, 12, 8, 6, 4, 3, 2) if h > hours)) > rpo


def test_the_backup_plan_in_the_template_and_the_estimate_follow_the_rpo():
    workload = _workload(WORKLOADS["backup-restore-copies"])
    arch = recommend(workload)
    assert arch.dr.strategy == "backup-restore" and arch.dr.achieved_rpo_minutes == 9 * 60
    assert arch.dr.backup_method == "aws-backup"
    from advisor.render.cfn import build_template

    plan = build_template(workload, arch)["Resources"]["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    assert plan["ScheduleExpression"] == "cron(0 0/8 ? * * *)" and plan["StartWindowMinutes"] == 60
    assert plan["Lifecycle"] == {"DeleteAfterDays": 1} and plan["CopyActions"][0]["Lifecycle"] == {"DeleteAfterDays": 1}
    lines = {(line.item, line.region): line for line in estimate(workload, arch, USE1).lines if line.service == "backup"}
    # 5 GB backed up every 8 hours: 730 / 8 = 91.25 copies a month, 3 backups held at home and 3 copies there.
    assert lines[("Cross-region copy transfer", "us-east-1")].quantity == Decimal("456.25")
    assert lines[("DynamoDB backup storage (warm)", "us-east-1")].quantity == 15
    assert lines[("DynamoDB backup copies (warm)", "us-east-2")].quantity == 15
    assert lines[("Restore test", "us-east-2")].quantity == 5


# --- objectives nothing meets are refused ------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "recommend", "cost"])
def test_an_rpo_of_zero_is_refused_with_what_would_meet_it(cli, tmp_path, command):
    path = tmp_path / "zero.yaml"
    path.write_text("version: 1\nname: zero\nrequirements:\n  disaster-recovery: {rpo_minutes: 0, rto_minutes: 5}\n")
    result = cli(command, str(path))
    assert result.code == 2, result.err
    assert f"{path}:4:36: error: requirements.disaster-recovery.rpo_minutes: no disaster-recovery strategy " \
           "reaches an RPO of 0 minutes" in result.err
    assert "multi-site active/active's 1 second (rpo_minutes: 0.0166667)" in result.err
    assert "Traceback" not in result.err


def test_an_unreachable_rto_is_refused_at_its_line(cli, tmp_path):
    from advisor.catalog import dr_refusal

    strategies = tuple(s._replace(rto_minutes=max(s.rto_minutes, 2)) for s in CATALOG.dr_strategies)
    name, message, hint = dr_refusal(strategies, 60, 1)
    assert name == "rto_minutes" and "RTO of 1 minute" in message and "(rto_minutes: 2)" in hint


# --- the choice: the cheapest strategy that meets both objectives -----------------------------------


def _totals(workload) -> dict[str, Decimal]:
    """Each strategy's architecture priced on its own, as a reader would check the choice."""
    prices = load_prices(workload.region)
    return {s: estimate(workload, recommend(workload, dr_strategy=s), prices).total for s in STRATEGIES}


CASES = [(name, rpo, rto) for name in WORKLOADS for rpo, rto in ((720, 1440), (120, 240), (15, 60), (1, 30),
                                                               (0.5, 10), (0.05, 1))]


@pytest.mark.parametrize(("name", "rpo", "rto"), CASES)
def test_the_choice_is_the_cheapest_strategy_that_meets_both(name, rpo, rto):
    text = re.sub(r"disaster-recovery: \{rpo_minutes: [0-9.]+, rto_minutes: [0-9.]+",
                  f"disaster-recovery: {{rpo_minutes: {rpo}, rto_minutes: {rto}", WORKLOADS[name])
    workload = _workload(text)
    totals = _totals(workload)
    meeting = [s.id for s in dr_strategies_meeting(rpo, rto, CATALOG)]
    cheapest = min(meeting, key=lambda s: (totals[s], meeting.index(s)))
    arch = recommend(workload)
    assert arch.dr.strategy == cheapest and arch.dr.chosen_by == "price"
    assert {o.strategy: o.monthly_usd for o in arch.dr.options} == totals
    assert [o.strategy for o in arch.dr.options if o.meets] == meeting


def test_rpo_12_hours_rto_24_hours_backs_up_when_that_is_cheapest():
    # Hand-priced at us-east-1's published prices (the copies' Region, us-east-2, has no AWS Backup price of its
    # own, so the estimate uses us-east-1's, and says so): 5 GB, 30 million 1 KB writes a month.
    # Backup and restore by AWS Backup copies, every 8 hours: 3 backups × 5 GB kept a day at home
    # ($0.10/GB-month) $1.50; 91.25 copies × 5 GB × $0.02 $9.125; 3 copies kept a day there $1.50; one 5 GB
    # restore test × $0.15 $0.75.
    backups = Decimal("1.50") + Decimal("9.125") + Decimal("1.50") + Decimal("0.75")
    # Pilot light: the replica's storage 5 GB × $0.25 and point-in-time recovery × $0.20 (us-east-2), 30 million
    # replicated writes × $0.625 per million, and their 30,000,000 KB / 1024² GB sent at $0.01 to us-east-2.
    replica = (Decimal("1.25") + Decimal("1.00") + Decimal("18.75")
               + Decimal(30_000_000) / Decimal(1024 * 1024) * Decimal("0.01"))
    workload = _workload(WORKLOADS["backup-restore-copies"])
    totals = _totals(workload)
    # Both keep the recovery Region's key; everything else is the same stack.
    assert (totals["pilot-light"] - totals["backup-restore"]).quantize(Decimal("0.0001")) == \
        (replica - backups).quantize(Decimal("0.0001"))
    arch = recommend(workload)
    assert arch.dr.strategy == "backup-restore" and arch.dr.backup_method == "aws-backup"
    # Exporting its 30 million changes, and replaying half a month of them in the restore test, costs more.
    methods = dict(arch.dr.backup_options)
    assert methods["aws-backup"] < methods["exports"]


def _exports_by_hand(storage_gb: Decimal, writes: int, *, interval_hours: int, full_every_days: int) -> Decimal:
    """Backup and restore by incremental exports, priced line by line at us-east-1's published prices (the
    bucket's Region, us-east-2, is priced at its own S3 prices where the catalog has them)."""
    # DynamoDB pricing page: full export $0.10/GB, incremental export $0.10/GB processed, at least 10 MB an export
    # (DynamoDB Developer Guide, "How export works"); import from S3 $0.15/GB; on-demand writes $0.625 a million.
    # Lambda: $0.20 a million requests, $0.0000133334 a GB-second (arm64); CloudWatch: $0.10 an alarm metric.
    # S3 Standard $0.023/GB-month, PUT $0.005 a thousand; us-east-1 to us-east-2 transfer $0.01/GB.
    days = Decimal(730) / 24
    runs = Decimal(730) / interval_hours
    fulls = days / full_every_days
    full_gb = fulls * storage_gb
    changed = Decimal(writes) / (1024 * 1024)
    processed = max(changed, (runs - fulls) * Decimal(10) / 1024)
    sent = full_gb + processed
    kept = 2 * full_every_days + 1
    partitions = max(1, -(-storage_gb // 10))
    replayed = -(-(Decimal(writes) * full_every_days / 2 / days) // 1)
    return (full_gb * Decimal("0.10") + processed * Decimal("0.10")
            + runs * Decimal("0.0000002") + runs * 128 / 1024 * Decimal("0.0000133334") + Decimal("0.10")
            + sent * Decimal("0.01") + sent * kept / days * Decimal("0.023")
            + -(-(runs * (5 + partitions)) // 1) * Decimal("0.000005")
            + storage_gb * Decimal("0.15") + replayed * Decimal("0.000000625"))


def test_rpo_12_hours_rto_24_hours_exports_a_10_gb_table_taking_few_writes():
    # A 10 GB table taking half a million 1 KB writes a month. Every DynamoDB backup is a full
    # copy, so AWS Backup would send 912.5 GB a month; incremental exports send the changes (here the 10 MB minimum
    # of each of 90 exports, 0.88 GB) and a full export every 30 days, and the restore test imports 10 GB.
    workload = _workload(WORKLOADS["backup-restore"])
    exports = _exports_by_hand(Decimal(10), 500_000, interval_hours=8, full_every_days=30)
    # Pilot light: the replica's storage 10 GB × $0.25 and point-in-time recovery × $0.20, half a million
    # replicated writes × $0.625 a million, and their 500,000 KB / 1024² GB sent at $0.01 to us-east-2.
    replica = (Decimal("2.50") + Decimal("2.00") + Decimal("0.3125")
               + Decimal(500_000) / Decimal(1024 * 1024) * Decimal("0.01"))
    totals = _totals(workload)
    assert (totals["pilot-light"] - totals["backup-restore"]).quantize(Decimal("0.001")) == \
        (replica - exports).quantize(Decimal("0.001"))
    assert exports < replica
    arch = recommend(workload)
    assert arch.dr.strategy == "backup-restore" and arch.dr.backup_method == "exports"
    assert arch.dr.achieved_rpo_minutes == 9 * 60 and arch.dr.achieved_rpo_minutes <= 720
    export = arch.components["export:main"].settings
    assert (export["interval_hours"], export["full_every_days"], export["retention_days"]) == (8, 30, 61)
    methods = dict(arch.dr.backup_options)
    assert methods["exports"] == totals["backup-restore"] < methods["aws-backup"]


def test_the_recovery_stack_is_in_the_estimate():
    # The recovery Region's key (with its rotations) is the recovery stack's; a warm standby's idle stack bills
    # its alarms there too, and one hosted zone serves both Regions of an active/active pair.
    ws = _workload(WORKLOADS["warm-standby"])
    lines = estimate(ws, recommend(ws), USE1).lines
    there = [line for line in lines if line.region == "us-east-2" and line.item.endswith("(us-east-2 stack)")]
    assert {line.item for line in there} >= {"Customer managed keys (us-east-2 stack)",
                                              "Rotated key material (first two rotations) (us-east-2 stack)"}
    assert any(line.service == "cloudwatch" for line in there)
    aa = _workload(WORKLOADS["multi-site-active-active"])
    lines = estimate(aa, recommend(aa), load_prices("eu-west-1")).lines
    assert sum(line.quantity for line in lines if line.price_key == "route53.hosted-zones") == 1
    assert sum(line.quantity for line in lines if line.price_key == "route53.health-checks") == 2


# --- render: one template per Region, deployed in order with every parameter -------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from tests.conftest import run_cli

    out = {}
    for name, text in WORKLOADS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "w.yaml").write_text(text)
        result = run_cli("render", str(folder / "w.yaml"), "-o", str(folder / "out"))
        assert result.code == 0, result.err
        out[name] = folder / "out"
    return out


def _templates(folder: Path) -> dict[str, dict]:
    from advisor.render.cfn import load_template

    return {p.name: load_template(p.read_text()) for p in sorted(folder.glob("template*.yaml"))}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_render_writes_a_template_for_each_region(rendered, name):
    workload = _workload(WORKLOADS[name])
    region = workload.requirements["disaster-recovery"]["secondary_region"]
    restore = ["restore-exports.py"] if name == "backup-restore" else []
    assert sorted(p.name for p in rendered[name].iterdir()) == sorted(
        ["ARCHITECTURE.md", "template.yaml", f"template.{region}.yaml"] + restore)
    report = (rendered[name] / "ARCHITECTURE.md").read_text()
    assert f"Strategy **{CATALOG_TITLES[STRATEGY_OF.get(name, name)]}**" in report


CATALOG_TITLES = {s.id: s.title for s in CATALOG.dr_strategies}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_the_recovery_template_passes_cfn_lint_for_its_region(rendered, name):
    pytest.importorskip("cfnlint")
    from cfnlint.api import ManualArgs, lint

    for path in sorted(rendered[name].glob("template*.yaml")):
        region = path.name.split(".")[1] if path.name != "template.yaml" else _workload(WORKLOADS[name]).region
        assert region in CATALOG.regions
        matches = lint(path.read_text(), config=ManualArgs(regions=[region]))
        assert [(m.rule.id, m.message, m.linenumber) for m in matches] == [], path.name


def test_a_warm_standby_is_scaled_down_until_failover(rendered):
    recovery = _templates(rendered["warm-standby"])["template.us-east-2.yaml"]
    assert recovery["Parameters"]["Capacity"]["Default"] == "standby"
    mappings = [r for r in recovery["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mappings and all(m["Properties"]["ScalingConfig"]["MaximumConcurrency"].value[0] == "AtFullCapacity"
                            for m in mappings)
    # The key stands alone until the replica's name is given; every other resource waits for it.
    always = {lid for lid, r in recovery["Resources"].items() if "Condition" not in r}
    assert always == {"KeyMain", "KeyMainAlias"}
    assert "KeyMainArn" in recovery["Outputs"] and "Condition" not in recovery["Outputs"]["KeyMainArn"]


def _scripts(report: str, heading: str) -> list[str]:
    """The shell blocks of one section of the report, in order."""
    section = report.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def _run_dry(script_lines: list[str], templates: dict[str, dict], sizes: dict[str, int], defined: set[str],
             outputs_of: dict[str, set[str]], deployed: list[tuple[str, str, dict[str, str]]]) -> None:
    """Walk the commands as a shell would, without AWS: each variable is set before it is used, each output read
    is one the named stack's template declares, and each deploy gives every parameter without a default."""
    stacks: dict[str, str] = {}
    for line in script_lines:
        for var in re.findall(r"\$\{?([A-Z_]+)\}?", line.split("=", 1)[1] if re.match(r"[A-Z_]+=", line) else line):
            assert var in defined, (var, line)
        if re.match(r"[A-Z_]+=", line):
            defined.add(line.split("=", 1)[0])
        words = shlex.split(line.split("=", 1)[1].strip("$()") if re.match(r"[A-Z_]+=\$\(", line) else line)
        if words[:3] == ["aws", "cloudformation", "describe-stacks"]:
            stack = words[words.index("--stack-name") + 1]
            key = re.search(r"OutputKey=='([A-Za-z0-9]+)'", line).group(1)
            assert key in outputs_of[stack], (stack, key)
        if words[:3] == ["aws", "cloudformation", "deploy"]:
            file, region = words[words.index("--template-file") + 1], words[words.index("--region") + 1]
            stack = words[words.index("--stack-name") + 1]
            template = templates[file]
            assert region == template["Metadata"]["Advisor"]["Region"]
            assert ("--s3-bucket" in words) == (sizes[file] > 51_200)
            given = {}
            if "--parameter-overrides" in words:
                given = dict(w.split("=", 1) for w in words[words.index("--parameter-overrides") + 1:])
            params = template.get("Parameters", {})
            assert set(given) <= set(params)
            assert {p for p, spec in params.items() if "Default" not in spec} <= set(given), (file, given)
            outputs_of[stack] = set(template.get("Outputs", {}))
            stacks[file] = stack
            deployed.append((file, region, given))


@pytest.mark.parametrize("name", list(WORKLOADS) + ["inventory-dr", "everything"])
def test_the_report_deploys_both_stacks_in_order_and_fails_over(rendered, tmp_path, cli, name):
    if name in WORKLOADS:
        folder = rendered[name]
    else:  # the examples with a disaster-recovery requirement
        folder = tmp_path / "out"
        assert cli("render", str(ROOT / "examples" / f"{name}.yaml"), "-o", str(folder)).code == 0
    templates = _templates(folder)
    strategy = templates["template.yaml"]["Metadata"]["Advisor"]["DisasterRecovery"]["Strategy"]
    sizes = {n: len((folder / n).read_bytes()) for n in templates}
    report = (folder / "ARCHITECTURE.md").read_text()
    recovery = next(n for n in templates if n != "template.yaml")
    workload = templates["template.yaml"]["Metadata"]["Advisor"]["Workload"]
    outputs_of: dict[str, set[str]] = {workload: set(), f"{workload}-recovery": set()}
    defined: set[str] = set()
    deployed: list = []
    for script in _scripts(report, "## Deploying"):
        _run_dry(script.splitlines(), templates, sizes, defined, outputs_of, deployed)
    order = [file for file, _, _ in deployed]
    # The recovery Region's key first (no table yet), the primary stack with its ARN, then for a standing recovery
    # stack the same template again with the replica's name.
    assert order[:2] == [recovery, "template.yaml"]
    assert not deployed[0][2].get("TableMainName")
    wired = templates["template.yaml"]["Metadata"]["Advisor"]["FromRecoveryStack"]
    assert set(wired) <= set(deployed[1][2]) and all(deployed[1][2][p].startswith("$") for p in wired)
    stack = [lid for lid, r in templates[recovery]["Resources"].items() if r.get("Condition")]
    serves = strategy in ("warm-standby", "multi-site-active-active") and bool(stack)
    assert order[2:] == ([recovery] if serves else [])
    if serves:
        assert deployed[2][2]["TableMainName"] == "$TABLE_MAIN_NAME"
    # The runbook runs with what the deploy steps recorded: nothing is read from the lost Region but its health
    # check's id, from its stack's resources.
    failover: list = []
    for script in _scripts(report, "### Failover runbook"):
        _run_dry(script.splitlines(), templates, sizes, defined, outputs_of, failover)
        assert f"--region {templates['template.yaml']['Metadata']['Advisor']['Region']} " not in script
    if strategy in ("backup-restore", "pilot-light") and stack:
        assert [(f, g.get("TableMainName")) for f, _, g in failover] == [
            (recovery, "$RESTORED_TABLE" if strategy == "backup-restore" else "$TABLE_MAIN_NAME")]
    if strategy == "warm-standby" and stack:
        assert [g.get("Capacity") for _, _, g in failover] == ["full"]
    if strategy == "multi-site-active-active":
        assert failover == [] and "update-health-check" in report
    for script in _scripts(report, "### How to test it"):
        for line in script.splitlines():
            assert all(var in defined for var in re.findall(r"\$\{?([A-Z][A-Z_]+)\}?", line)), line


def test_the_report_shows_the_choice_beside_the_others_prices(rendered):
    report = (rendered["backup-restore"] / "ARCHITECTURE.md").read_text()
    table = report.split("| Strategy | RPO it reaches |", 1)[1].split("\n\n", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("| ") and "---" not in row]
    assert len(rows) == 4
    assert rows[0].startswith("| **Backup and restore** (chosen) | 9 hours | 4 hours | yes | $")
    assert all(re.search(r"\| \+\$[0-9,.]+ \|$", row) for row in rows[1:])
    assert "exports the table's changes every 8 hours to a bucket in `us-east-2`, with a full export every 30 " \
        "days: a Region's loss costs at most 9 hours of writes" in report
    # Both ways of keeping the data there were priced; the report says which and what each cost.
    methods = re.search(r"Backup and restore was priced by each way .*?: DynamoDB incremental exports .*?, "
                        r"\$([0-9,.]+) \(cheaper\); AWS Backup copies .*?, \$([0-9,.]+)\.", report)
    assert methods and float(methods.group(1).replace(",", "")) < float(methods.group(2).replace(",", ""))
    assert rows[0].split("|")[5].strip() == f"${methods.group(1)}"
    copies = (rendered["backup-restore-copies"] / "ARCHITECTURE.md").read_text()
    assert "backs up every 8 hours" in copies and "AWS Backup copies to a vault in the recovery Region, $" in copies


def test_the_example_dr_workload_writes_its_recovery_template(tmp_path, cli):
    result = cli("render", str(ROOT / "examples" / "inventory-dr.yaml"), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    recovery = yaml.safe_load((tmp_path / "out" / "template.us-east-2.yaml").read_text().replace("!", ""))
    assert set(recovery["Resources"]) == {"KeyMain", "KeyMainAlias"}


def test_without_prices_the_framework_order_decides_and_says_so():
    from advisor.pricing.errors import PriceNotFound

    def nowhere(region):
        raise PriceNotFound(None, region, detail="no catalog here")

    arch = recommend(_workload(WORKLOADS["backup-restore"]), prices=nowhere)
    # Without prices, the first strategy that meets both objectives in REL13-BP02's order of cost.
    assert arch.dr.strategy == "backup-restore" and arch.dr.chosen_by == "order"
    assert all(o.monthly_usd is None for o in arch.dr.options)
    assert any("could not be priced" in w for w in arch.warnings)
