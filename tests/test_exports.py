"""Backup and restore by incremental exports: the exporter the template runs on a schedule (its DynamoDB calls
stubbed with botocore's Stubber, its state in moto's S3) and the restore script `render` writes beside the
templates (against exports laid out in moto's S3 as DynamoDB writes them, replayed into moto's DynamoDB)."""

from __future__ import annotations

import gzip
import io
import json
import types
from contextlib import redirect_stdout

import pytest

from advisor.services.dynamodb_exports.exporter import EXPORTER_SOURCE
from advisor.services.dynamodb_exports.restore import RESTORE_FILE, RESTORE_SOURCE

moto = pytest.importorskip("moto")
boto3 = pytest.importorskip("boto3")
from botocore.stub import ANY, Stubber  # noqa: E402 - after the skip

BUCKET, REGION = "exports-bucket", "us-east-2"
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/items"
DAY = 86400
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


def arn(name: str) -> str:
    """An export's ARN, shaped as DynamoDB returns them."""
    return f"{TABLE_ARN}/export/01767225600000-{name}"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "BUCKET": BUCKET, "BUCKET_REGION": REGION, "TABLE_ARN": TABLE_ARN,
                        "FULL_EVERY_DAYS": "30"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _module(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)  # noqa: S102 - our own shipped source
    return module


# --- the exporter -------------------------------------------------------------------------------------------


@pytest.fixture()
def exporter():
    """The exporter as Lambda imports it, its S3 in moto and its DynamoDB client stubbed."""
    with moto.mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        module = _module(EXPORTER_SOURCE, "index")
        module.ddb = boto3.client("dynamodb", region_name="us-east-1")
        with Stubber(module.ddb) as stub:
            module.stub = stub
            yield module
            stub.assert_no_pending_responses()


def _export(stub, kind: str, arn: str, **expected) -> None:
    params = {"TableArn": TABLE_ARN, "S3Bucket": BUCKET, "ExportFormat": "DYNAMODB_JSON", "ExportType": kind,
              "ClientToken": ANY, **expected}
    stub.add_response("export_table_to_point_in_time", {"ExportDescription": {"ExportArn": arn}}, params)


def _pitr(stub, earliest: int | None) -> None:
    """Point-in-time recovery as DescribeContinuousBackups reports it: on, reaching back to `earliest`."""
    import datetime

    description = {"ContinuousBackupsStatus": "ENABLED",
                   "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"}}
    if earliest is not None:
        description["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"] = \
            datetime.datetime.fromtimestamp(earliest, datetime.timezone.utc)
    stub.add_response("describe_continuous_backups", {"ContinuousBackupsDescription": description},
                      {"TableName": TABLE_ARN})


def _status(stub, arn: str, status: str) -> None:
    stub.add_response("describe_export", {"ExportDescription": {"ExportArn": arn, "ExportStatus": status}},
                      {"ExportArn": arn})


def _state(module) -> dict:
    return json.loads(module.s3.get_object(Bucket=BUCKET, Key="state.json")["Body"].read())


def test_the_first_run_makes_a_full_export_to_restore_from(exporter):
    end = NOW - 600  # point-in-time recovery trails the table: exports reach 10 minutes back
    _pitr(exporter.stub, NOW - 35 * DAY)
    _export(exporter.stub, "FULL_EXPORT", arn("full-1"), ExportTime=end, S3Prefix=f"full/{end:012d}")
    exporter.handler({}, None, now=NOW)
    state = _state(exporter)
    assert (state["arn"], state["type"], state["to"], state["full"], state["prev"]) == \
        (arn("full-1"), "FULL_EXPORT", end, end, {})


def test_a_new_tables_first_run_waits_until_point_in_time_recovery_reaches_back(exporter):
    # Enabled 5 minutes ago: an export of 10 minutes ago would fail, so the run waits and writes no state.
    _pitr(exporter.stub, NOW - 300)
    assert exporter.handler({}, None, now=NOW) == {"waiting": "point-in-time recovery to reach back to the export time"}
    with pytest.raises(exporter.s3.exceptions.NoSuchKey):
        exporter.s3.get_object(Bucket=BUCKET, Key="state.json")


def test_each_later_run_exports_the_changes_since_the_last_export(exporter):
    first = NOW - 600
    _pitr(exporter.stub, NOW - 35 * DAY)
    _export(exporter.stub, "FULL_EXPORT", arn("full-1"), ExportTime=first, S3Prefix=f"full/{first:012d}")
    exporter.handler({}, None, now=NOW)
    later = NOW + 8 * 3600
    _status(exporter.stub, arn("full-1"), "COMPLETED")
    _export(exporter.stub, "INCREMENTAL_EXPORT", arn("inc-1"), S3Prefix=f"incremental/{first:012d}-{later - 600:012d}",
            IncrementalExportSpecification={"ExportFromTime": first, "ExportToTime": later - 600,
                                            "ExportViewType": "NEW_IMAGE"})
    exporter.handler({}, None, now=later)
    state = _state(exporter)
    assert (state["type"], state["to"], state["full"], state["prev"]["arn"]) == \
        ("INCREMENTAL_EXPORT", later - 600, first, arn("full-1"))


def test_a_run_waits_while_the_last_export_is_still_running(exporter):
    exporter.s3.put_object(Bucket=BUCKET, Key="state.json", Body=json.dumps(
        {"arn": arn("inc-1"), "type": "INCREMENTAL_EXPORT", "to": NOW - 3600, "full": NOW - DAY, "prev": {}}))
    _status(exporter.stub, arn("inc-1"), "IN_PROGRESS")
    assert exporter.handler({}, None, now=NOW) == {"waiting": arn("inc-1")}
    assert _state(exporter)["arn"] == arn("inc-1")  # nothing started, nothing moved


def test_a_failed_export_is_made_again_from_where_it_started(exporter):
    good = {"arn": arn("inc-1"), "type": "INCREMENTAL_EXPORT", "to": NOW - 9 * 3600, "full": NOW - 2 * DAY}
    exporter.s3.put_object(Bucket=BUCKET, Key="state.json", Body=json.dumps(
        {"arn": arn("inc-2"), "type": "INCREMENTAL_EXPORT", "to": NOW - 3600, "full": NOW - 2 * DAY,
         "prev": good}))
    _status(exporter.stub, arn("inc-2"), "FAILED")
    start, end = NOW - 9 * 3600, NOW - 600
    _export(exporter.stub, "INCREMENTAL_EXPORT", arn("inc-3"), S3Prefix=f"incremental/{start:012d}-{end:012d}",
            IncrementalExportSpecification={"ExportFromTime": start, "ExportToTime": end,
                                            "ExportViewType": "NEW_IMAGE"})
    exporter.handler({}, None, now=NOW)
    assert _state(exporter)["arn"] == arn("inc-3")


@pytest.mark.parametrize(("last_full", "last_to", "why"), [
    (NOW - 31 * DAY, NOW - 3600, "the last full export is older than FULL_EVERY_DAYS"),
    (NOW - 2 * DAY, NOW - 2 * DAY, "the changes since span more than an incremental export's 24 hours"),
])
def test_a_full_export_restarts_the_chain(exporter, last_full, last_to, why):
    exporter.s3.put_object(Bucket=BUCKET, Key="state.json", Body=json.dumps(
        {"arn": arn("inc-1"), "type": "INCREMENTAL_EXPORT", "to": last_to, "full": last_full, "prev": {}}))
    _status(exporter.stub, arn("inc-1"), "COMPLETED")
    end = NOW - 600
    _pitr(exporter.stub, NOW - 35 * DAY)
    _export(exporter.stub, "FULL_EXPORT", arn("full-2"), ExportTime=end, S3Prefix=f"full/{end:012d}")
    exporter.handler({}, None, now=NOW)
    assert _state(exporter)["full"] == end, why


def test_a_window_shorter_than_15_minutes_waits(exporter):
    exporter.s3.put_object(Bucket=BUCKET, Key="state.json", Body=json.dumps(
        {"arn": arn("inc-1"), "type": "INCREMENTAL_EXPORT", "to": NOW - 1000, "full": NOW - DAY, "prev": {}}))
    _status(exporter.stub, arn("inc-1"), "COMPLETED")
    assert exporter.handler({}, None, now=NOW) == {"waiting": "a window of 15 minutes"}


def test_the_exporter_fits_the_zipfile_limit():
    assert len(EXPORTER_SOURCE) <= 4096


# --- the restore script -------------------------------------------------------------------------------------


def _item(pk: str, value: str) -> dict:
    return {"pk": {"S": pk}, "value": {"S": value}}


def _write_export(s3, prefix: str, export_id: str, lines: list[dict], *, complete: bool = True) -> None:
    """An export as DynamoDB lays it out: gzipped JSON-lines data files, listed by manifest-files.json, which
    manifest-summary.json names; an export that has not completed has no summary."""
    folder = f"{prefix}/AWSDynamoDB/{export_id}"
    data_key = f"{folder}/data/part-0.json.gz"
    s3.put_object(Bucket=BUCKET, Key=data_key,
                  Body=gzip.compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    s3.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-files.json",
                  Body=json.dumps({"itemCount": len(lines), "dataFileS3Key": data_key}) + "\n")
    if complete:
        s3.put_object(Bucket=BUCKET, Key=f"{folder}/manifest-summary.json",
                      Body=json.dumps({"manifestFilesS3Key": f"{folder}/manifest-files.json"}))


@pytest.fixture()
def exports():
    """A bucket with a full export at T and two incremental exports after it; a table as imported from the full."""
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName="restored", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        t, e1, e2 = NOW, NOW + 8 * 3600, NOW + 16 * 3600
        _write_export(s3, f"full/{t - DAY:012d}", "old", [{"Item": _item("a", "stale")}])
        _write_export(s3, f"full/{t:012d}", "f1", [{"Item": _item("a", "1")}, {"Item": _item("b", "1")}])
        for row in ({"Item": _item("a", "1")}, {"Item": _item("b", "1")}):  # what the import creates
            ddb.put_item(TableName="restored", Item=row["Item"])
        _write_export(s3, f"incremental/{t:012d}-{e1:012d}", "i1", [
            {"Metadata": {"WriteTimestampMicros": {"N": "1"}}, "Keys": {"pk": {"S": "a"}}, "NewImage": _item("a", "2")},
            {"Metadata": {"WriteTimestampMicros": {"N": "2"}}, "Keys": {"pk": {"S": "c"}}, "NewImage": _item("c", "2")}])
        # A retried export of a shorter window that completed too, and one that never did: both are passed over.
        _write_export(s3, f"incremental/{t:012d}-{e1 - 3600:012d}", "i1-short", [
            {"Keys": {"pk": {"S": "a"}}, "NewImage": _item("a", "short")}])
        _write_export(s3, f"incremental/{e1:012d}-{e2 + 60:012d}", "failed", [
            {"Keys": {"pk": {"S": "a"}}, "NewImage": _item("a", "never")}], complete=False)
        _write_export(s3, f"incremental/{e1:012d}-{e2:012d}", "i2", [
            {"Keys": {"pk": {"S": "a"}}, "NewImage": _item("a", "3")}, {"Keys": {"pk": {"S": "b"}}}])
        yield types.SimpleNamespace(s3=s3, ddb=ddb, t=t, e2=e2)


def _run(args: list[str]) -> tuple[int, str]:
    script = _module(RESTORE_SOURCE, "restore_exports")
    out = io.StringIO()
    with redirect_stdout(out):
        code = script.main(args)
    return code, out.getvalue()


def _table(ddb) -> dict[str, str]:
    return {i["pk"]["S"]: i["value"]["S"] for i in ddb.scan(TableName="restored")["Items"]}


def test_the_script_names_the_latest_full_exports_data_for_the_import(exports):
    code, out = _run(["--region", REGION, BUCKET, "full-export"])
    assert code == 0 and out == f"full/{exports.t:012d}/AWSDynamoDB/f1/data/\n"


def test_the_changes_since_the_full_export_are_replayed_in_order(exports):
    code, out = _run(["--region", REGION, BUCKET, "apply", "restored"])
    assert code == 0
    # a: 1 -> 2 -> 3 (the later export wins); b deleted in the second; c created in the first.
    assert _table(exports.ddb) == {"a": "3", "c": "2"}
    assert out.startswith("replayed 4 changes from 2 incremental exports; the table is as of 2026-01-01 16:00:00")


def test_a_gap_in_the_exports_stops_the_replay_before_any_write(exports):
    # The first incremental export is lost: the second starts 8 hours after the full export ends.
    for obj in exports.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"incremental/{exports.t:012d}-")["Contents"]:
        exports.s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    with pytest.raises(SystemExit) as stopped:
        _run(["--region", REGION, BUCKET, "apply", "restored"])
    assert str(stopped.value) == (f"the exports stop at {exports.t} and resume at {exports.t + 8 * 3600}: "
                                  "the changes between are missing")
    assert _table(exports.ddb) == {"a": "1", "b": "1"}


def test_render_writes_the_restore_script_beside_the_templates(tmp_path, cli):
    workload = tmp_path / "catalogue.yaml"
    workload.write_text("version: 1\nname: catalogue\nrequirements:\n  scalability: {peak_rps: 50}\n"
                        "  disaster-recovery: {rpo_minutes: 720, rto_minutes: 1440}\n"
                        "traffic: {requests_per_month: 500000, peak_requests_per_second: 20, writes_per_request: 1, "
                        "reads_per_request: 0}\ndata: {item_kb: 1, storage_gb: 10}\n")
    result = cli("render", str(workload), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert (tmp_path / "out" / RESTORE_FILE).read_text() == RESTORE_SOURCE
    report = (tmp_path / "out" / "ARCHITECTURE.md").read_text()
    assert f"python3 {RESTORE_FILE} --region us-east-2 \"$BUCKET\" apply \"$RESTORED_TABLE\"" in report


@pytest.mark.parametrize("name", ["backup-restore", "backup-restore-copies"])
def test_both_backup_methods_deploy_in_the_rehearsal(tmp_path, cli, name):
    # Each way of keeping the data in the recovery Region, rendered and created in moto's CloudFormation in the
    # report's order with its parameters: the recovery Region's bucket (or vault) first, then the primary stack
    # given its name (or ARN), which the exporter's environment (or the plan's copy action) then holds.
    from tests.rehearsal import emulator, rehearse
    from tests.test_dr import WORKLOADS

    workload = tmp_path / f"{name}.yaml"
    workload.write_text(WORKLOADS[name])
    assert cli("render", str(workload), "-o", str(tmp_path / "out")).code == 0
    with emulator():
        recovery, primary = rehearse(tmp_path / "out")
    assert (recovery.region, primary.region) == ("us-east-2", "us-east-1")
    assert {recovery.status, primary.status} == {"CREATE_COMPLETE"}
    if name == "backup-restore":
        bucket = recovery.outputs["ExportMainBucketName"]
        assert primary.parameters["ExportMainBucketName"] == bucket
        kinds = {kind for kind, _ in primary.resources.values()}
        assert {"AWS::Lambda::Function", "AWS::Events::Rule", "AWS::Lambda::EventInvokeConfig"} <= kinds
        assert {kind for kind, _ in recovery.resources.values()} >= {"AWS::S3::Bucket", "AWS::KMS::Key"}
    else:
        assert primary.parameters["BackupPlanRecoveryVaultArn"] == recovery.outputs["BackupPlanVaultArn"]


def test_recommend_json_names_the_method_and_both_prices(tmp_path, cli):
    from tests.test_dr import WORKLOADS

    path = tmp_path / "catalogue.yaml"
    path.write_text(WORKLOADS["backup-restore"])
    result = cli("recommend", str(path), "--format", "json")
    assert result.code == 0, result.err
    dr = json.loads(result.out)["disaster_recovery"]
    assert dr["strategy"] == "backup-restore" and dr["backup_method"] == "exports"
    methods = {m["method"]: float(m["monthly_usd"]) for m in dr["backup_methods"]}
    chosen = next(float(o["monthly_usd"]) for o in dr["options"] if o["strategy"] == "backup-restore")
    assert set(methods) == {"exports", "aws-backup"} and methods["exports"] == chosen < methods["aws-backup"]


def test_a_stated_backup_method_wins_over_the_price(tmp_path, cli):
    # The same 10 GB table that exports when left to the price (above), told to use AWS Backup: backup and restore
    # is priced that way, which makes pilot light the cheapest strategy; the report says the method was stated.
    from tests.test_dr import WORKLOADS

    text = WORKLOADS["backup-restore"].replace("rto_minutes: 1440}", "rto_minutes: 1440, backup_method: aws-backup}")
    path = tmp_path / "pinned.yaml"
    path.write_text(text)
    result = cli("recommend", str(path), "--format", "json")
    assert result.code == 0, result.err
    dr = json.loads(result.out)["disaster_recovery"]
    assert dr["strategy"] == "pilot-light" and dr["backup_methods"] == []
    from advisor.engine import recommend
    from advisor.workload import load_workload_text

    arch = recommend(load_workload_text(text, "pinned.yaml"), dr_strategy="backup-restore")
    assert arch.dr.backup_method == "aws-backup" and "backup:plan" in arch.components
    assert not arch.of_service("dynamodb-exports")
    assert cli("render", str(path), "-o", str(tmp_path / "out")).code == 0
    report = (tmp_path / "out" / "ARCHITECTURE.md").read_text()
    assert ("Backup and restore keeps the table's data in the recovery Region by AWS Backup copies to a vault in "
            "the recovery Region, as the workload states (`backup_method`).") in report


def test_an_unknown_backup_method_is_refused_at_its_line(tmp_path, cli):
    path = tmp_path / "typo.yaml"
    path.write_text("version: 1\nname: typo\nrequirements:\n"
                    "  disaster-recovery: {rpo_minutes: 720, rto_minutes: 1440, backup_method: aws-bakup}\n")
    result = cli("validate", str(path))
    assert result.code == 2 and "Traceback" not in result.err
    assert (f"{path}:4:75: error: requirements.disaster-recovery.backup_method: unknown backup method 'aws-bakup' "
            "(did you mean 'aws-backup'?)") in result.err
