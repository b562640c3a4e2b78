"""The systemd units in deploy/ are valid units that start commands digest has."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli

from .conftest import ROOT

UNITS = sorted((ROOT / "deploy").glob("*.service"))
INSTALLED = "/opt/digest/.venv/bin/digest"
"""Where the units expect digest (their comments say how to put it there)."""


def test_there_are_units_for_the_daemon_and_the_workers():
    assert [unit.name for unit in UNITS] == ["digest-worker@.service", "digest.service"]


@pytest.mark.parametrize("unit", UNITS, ids=[unit.name for unit in UNITS])
def test_each_unit_starts_a_digest_command(unit: Path):
    commands = re.findall(rf"^Exec\w+={re.escape(INSTALLED)} (.+)$", unit.read_text(), re.M)
    assert commands, unit.read_text()
    for command in commands:
        result = CliRunner().invoke(cli, [*command.split(), "--help"])
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.parametrize("unit", UNITS, ids=[unit.name for unit in UNITS])
def test_systemd_finds_nothing_wrong_with_the_unit(unit: Path, tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    digest = Path(sys.executable).with_name("digest")
    if not digest.exists():
        pytest.skip(f"no digest script beside {sys.executable}")
    # The unit as installed, with this checkout's digest where the unit expects its own.
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(INSTALLED, str(digest)))
    name = copy.with_name(copy.name.replace("@.", "@1.")) if "@." in copy.name else copy
    result = subprocess.run(
        [analyze, "verify", str(name)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
