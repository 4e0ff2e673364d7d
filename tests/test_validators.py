"""The validators themselves work: Mermaid's parser and checkov, each on known-good and known-bad fixtures.

These run the real tools (two node processes, two checkov processes). When a tool is missing the
tests FAIL with the install commands; `ADVISOR_SKIP_SLOW_VALIDATORS=1` skips them on a local run.
"""

from __future__ import annotations

import pytest

from tests.validators import SKIP_ENV, ValidatorMissing, require, require_checkov, require_mermaid
from tests.validators import checkov as ckv
from tests.validators import mermaid as mmd

# ---------------------------------------------------------------------------------------------
# Mermaid

VALID = {
    "flowchart": (
        "flowchart LR\n"
        '  client(["Client #quot;web#quot; (browser)"])\n'
        '  subgraph sg_ingest["Ingest: API #35;1 & queue"]\n'
        '    api["API Gateway<br/>REST (IAM auth)"]\n'
        '    queue[("SQS queue [KMS]; {DLQ} 50% < 100% > 0")]\n'
        "  end\n"
        '  fn["Lambda: process()"]\n'
        '  End["End"]\n'
        '  client -->|"POST /orders (async)"| api\n'
        '  api -->|"SendMessage"| queue --> fn\n'
        "  fn -.-> End\n"
    ),
    "xychart": (
        "xychart-beta\n"
        '  title "Monthly cost vs traffic (USD)"\n'
        '  x-axis "traffic" ["0.01x", "0.1x", "1x", "10x", "100x"]\n'
        '  y-axis "USD per month" 0 --> 5000\n'
        "  line [1.5, 12.25, 98, 950.5, 4800]\n"
        "  line [310, 310, 310, 620, 3100]\n"
    ),
}

INVALID = {
    "quote inside a quoted label": 'flowchart LR\n  A["the "orders" API"] --> B\n',
    "quote inside a quoted edge label": 'flowchart LR\n  A -->|"a "quoted" word"| B\n',
    "unquoted parentheses in a label": "flowchart LR\n  A[API (REST)] --> B\n",
    "unquoted parentheses in an edge label": "flowchart LR\n  A -->|sends (async)| B\n",
    "unquoted slash label": "flowchart LR\n  A[/api] --> B\n",
    "node id end": "flowchart LR\n  A --> end\n",
    "empty quoted label": 'flowchart LR\n  A[""] --> B\n',
    "xychart exponent": 'xychart-beta\n  x-axis ["a", "b"]\n  line [1e3, 2]\n',
    "xychart NaN": 'xychart-beta\n  x-axis ["a", "b"]\n  bar [NaN, 2]\n',
    "no diagram type": "this is not a diagram\n",
}


@pytest.fixture(scope="module")
def parsed() -> dict[str, str | None]:
    """Every fixture diagram through one parse_all call (one node process), by name."""
    require_mermaid()
    names = [*VALID, *INVALID]
    results = mmd.parse_all([*VALID.values(), *INVALID.values()])
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", VALID)
def test_valid_diagram_parses(parsed, name):
    assert parsed[name] is None, f"{name}:\n{VALID[name]}\n{parsed[name]}"


@pytest.mark.parametrize("name", INVALID)
def test_invalid_diagram_is_reported_with_the_parsers_message(parsed, name):
    message = parsed[name]
    assert message, f"{name} parsed, but Mermaid rejects it:\n{INVALID[name]}"
    assert "error" in message.lower() or "no diagram type" in message.lower(), message


def test_parse_all_keeps_order_and_handles_an_empty_list():
    assert mmd.parse_all([]) == []  # no node process at all
    require_mermaid()
    ok, bad = VALID["flowchart"], INVALID["node id end"]
    results = mmd.parse_all([bad, ok, ok, bad])
    assert [r is None for r in results] == [False, True, True, False]
    assert "got 'end'" in results[0]


def test_mermaid_blocks_follow_commonmark_fences():
    markdown = (
        "# Report\n\n"
        "```mermaid\nflowchart LR\n  A --> B\n```\n\n"
        "```python\nprint('not a diagram')\n```\n\n"
        "   ~~~~ mermaid {title}\n"  # indented tilde fence with extra info words
        "   xychart-beta\n"
        "     line [1, 2]\n"
        "   ```\n"  # a backtick line does not close a tilde fence
        "   ~~~~\n\n"
        "```mermaidx\nflowchart LR\n```\n\n"
        "    ```mermaid\n    indented code, not a fence\n    ```\n\n"
        "````mermaid\nflowchart TD\n  X --> Y\n```\nstill inside\n"  # unclosed: runs to the end
    )
    assert mmd.mermaid_blocks(markdown) == [
        "flowchart LR\n  A --> B\n",
        "xychart-beta\n  line [1, 2]\n```\n",
        "flowchart TD\n  X --> Y\n```\nstill inside\n",
    ]
    assert mmd.mermaid_blocks("no code here") == []
    assert mmd.mermaid_blocks("```mermaid\n```\n") == [""]


def test_missing_node_fails_with_install_instructions(monkeypatch):
    monkeypatch.setenv(mmd.ENV_VAR, "/nonexistent/node")
    message = mmd.missing()
    assert message and "npm ci" in message and SKIP_ENV in message and "/nonexistent/node" in message
    with pytest.raises(ValidatorMissing, match="npm ci"):
        mmd.parse_all(["flowchart LR\n  A --> B\n"])


# ---------------------------------------------------------------------------------------------
# checkov

KEY = """\
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: "kms:*"
            Resource: "*"
"""

TEMPLATES = {
    "passes.yaml": f"""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
{KEY}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
""",
    "unencrypted-queue.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PlainQueue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
""",
    "skipped.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SkippedQueue:
    Type: AWS::SQS::Queue
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_27
            comment: Fixture; the queue carries only public data
    Properties:
      SqsManagedSseEnabled: true
""",
    "no-resources.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Description: parameters and outputs only
Outputs:
  Answer: {Value: "42"}
""",
    "broken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Queue: [\n",
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """Every fixture template through one run_checkov call (one checkov process), by file name."""
    require_checkov()
    folder = tmp_path_factory.mktemp("checkov")
    paths = []
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text)
        paths.append(folder / name)
    results = ckv.run_checkov(paths)
    assert list(results) == paths  # keyed by the paths given, in order
    return {p.name: r for p, r in results.items()}


def test_checkov_passes_an_encrypted_queue(scanned):
    result = scanned["passes.yaml"]
    assert result.ok, result.describe()
    assert {(f.check_id, f.logical_id) for f in result.passed} >= {("CKV_AWS_27", "Queue"), ("CKV_AWS_7", "Key")}


def test_checkov_reports_an_unencrypted_queue(scanned):
    result = scanned["unencrypted-queue.yaml"]
    assert not result.ok
    assert result.failed_ids == ["CKV_AWS_27"], result.describe()
    (finding,) = result.failed
    assert finding.resource == "AWS::SQS::Queue.PlainQueue"
    assert (finding.resource_type, finding.logical_id) == ("AWS::SQS::Queue", "PlainQueue")
    assert finding.lines == (3, 6)
    assert "CKV_AWS_27 AWS::SQS::Queue.PlainQueue" in result.describe()


def test_checkov_reports_an_in_template_skip_with_its_comment(scanned):
    result = scanned["skipped.yaml"]
    assert result.ok and not result.failed, result.describe()
    (finding,) = result.skipped
    assert (finding.check_id, finding.logical_id) == ("CKV_AWS_27", "SkippedQueue")
    assert finding.comment == "Fixture; the queue carries only public data"


def test_checkov_files_without_resources_and_parse_errors(scanned):
    empty = scanned["no-resources.yaml"]
    assert empty.ok and not (empty.passed or empty.failed or empty.skipped)
    broken = scanned["broken.yaml"]
    assert broken.parsing_error and not broken.ok


def test_checkov_alone_on_a_file_without_resources(tmp_path):
    # checkov prints only a summary object (no "results") when nothing has resources.
    require_checkov()
    path = tmp_path / "empty.yaml"
    path.write_text(TEMPLATES["no-resources.yaml"])
    (result,) = ckv.run_checkov([path]).values()
    assert result.ok and not result.passed
    assert ckv.run_checkov([]) == {}


def test_checkov_runs_offline():
    assert "--skip-download" in ckv.ARGS
    assert ckv.OFFLINE_ENV == {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def test_missing_checkov_fails_with_install_instructions(monkeypatch):
    monkeypatch.setenv(ckv.ENV_VAR, "/nonexistent/checkov")
    assert ckv.find_checkov() is None
    message = ckv.missing()
    assert message and ".venv-checkov/bin/pip install" in message and SKIP_ENV in message
    with pytest.raises(ValidatorMissing, match="venv-checkov"):
        ckv.run_checkov([])


# ---------------------------------------------------------------------------------------------
# Missing tools fail unless opted out


def test_a_missing_validator_fails_unless_opted_out(monkeypatch):
    monkeypatch.delenv(SKIP_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="Install it"):
        require("tool is not available: gone.\nInstall it ...")
    require(None)  # present: nothing happens
    monkeypatch.setenv(SKIP_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match=SKIP_ENV):
        require("tool is not available: gone.\nInstall it ...")
    with pytest.raises(pytest.skip.Exception, match=SKIP_ENV):
        require(None)  # opted out: skipped even when installed
