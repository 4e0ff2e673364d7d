"""The built wheel carries the rules and templates, found through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def test_wheel_ships_rules_and_templates(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("advisor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "advisor/_data/rules/catalog.yaml" in names
    assert "advisor/_data/rules/best-practices.yaml" in names
    assert "advisor/_data/templates/recommend.md.j2" in names
    rule_files = {n for n in names if n.startswith("advisor/_data/rules/") and "/ADV-" in n}
    assert len(rule_files) == len(list((ROOT / "rules").glob("*/ADV-*.yaml")))
    # Installed from the wheel alone, the package finds its data inside itself.
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import advisor.resources as r; p = r.data_dir('rules'); "
            "print(p.relative_to(p.parents[2]).as_posix())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": ""})
    assert out.stdout.strip() == "advisor/_data/rules"


def test_the_command_tunes_the_collector_before_importing_the_cli():
    """The console script and `python -m advisor` raise the collector's threshold, then load the CLI."""
    probe = ("import gc, sys; import advisor.__main__ as m; assert 'advisor.cli' not in sys.modules; "
             "sys.argv = ['advisor', '--version']\n"
             "try:\n    m.main()\nexcept SystemExit:\n    pass\n"
             "print(gc.get_threshold())")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "(100000, 50, 100)"
