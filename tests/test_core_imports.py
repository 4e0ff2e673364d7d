"""The core (loading, rules, engine) stays free of the CLI and AWS SDK imports."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_neither_typer_rich_nor_boto3():
    code = (
        "import sys\n"
        "import advisor.workload, advisor.rules, advisor.engine, advisor.architecture, advisor.views\n"
        "from advisor.engine import recommend\n"
        "from advisor.workload import load_workload\n"
        "recommend(load_workload('examples/everything.yaml'))\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'boto3', 'botocore', 'click', 'jinja2'))\n"
        "print(','.join(heavy))\n"
    )
    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""


def test_only_the_command_line_imports_the_terminal_views():
    """advisor.termviews loads rich; the command line alone may import it."""
    from tests.conftest import ROOT

    importers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "advisor").rglob("*.py")
                       if "termviews" in path.read_text(encoding="utf-8") and path.name != "termviews.py")
    assert importers == ["advisor/cli.py"]
