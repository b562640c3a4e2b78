"""The shape of the package: one room per stage, arrows one way, small modules, fast start.

The import graph is read from the source with `ast` (every import, also those inside
functions and under TYPE_CHECKING), so an arrow cannot hide in a lazy import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "digest"
SHARED = {"models", "errors", "text", "urls", "files"}
"""Modules every room may import: the typed values, the errors, shared text utilities,
atomic writes and locks."""
STAGES = {"collect", "extract", "summarize", "compose", "render", "publish", "send", "subscribers"}
ALLOWED: dict[str, set[str]] = {
    **{name: set() for name in SHARED},
    "config": set(),
    "state": set(),
    **{stage: {"config"} for stage in STAGES},
    "pipeline": {"config", "state", *STAGES},
    "schedule": {"config", "pipeline"},
    "cli": {"config", "pipeline", "schedule", "__init__"},
    "__main__": {"cli"},
}
"""Which rooms each room may import, besides SHARED and itself."""
HEAVY = ("numpy", "sumy", "nltk", "trafilatura")
"""Libraries that `digest --help` and `digest check` must not load."""


def room(module: str) -> str:
    """digest.collect._feeds -> collect; digest.models -> models; digest -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imports(module: str, path: Path) -> Iterator[str]:
    """Every digest module this one imports, as an absolute dotted name."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("digest"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("digest"):
                continue
            if target == "digest":  # from digest import x: x is a room of its own
                yield from (f"digest.{alias.name}" for alias in node.names)
            else:
                yield target


def test_every_room_imports_only_what_it_may():
    wrong = []
    for module, path in modules():
        here = room(module)
        for target in imports(module, path):
            there = room(target)
            if here == "__init__" or there in (here, "__version__") or there in SHARED:
                continue  # the package root is the public API: it may re-export any room
            if there not in ALLOWED.get(here, set()):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_package_root_is_the_pipeline():
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms == STAGES | {"config", "state", "pipeline", "schedule", "cli"}
    files = {p.stem for p in PACKAGE.glob("*.py")}
    assert files == SHARED | {"__init__", "__main__"}


def test_stage_helpers_are_private():
    public = [
        str(path.relative_to(ROOT))
        for module, path in modules()
        if module.count(".") == 2 and not path.stem.startswith("_")
    ]
    assert public == []


def test_no_module_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for _, path in modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


@pytest.mark.parametrize("args", [["--help"], ["check", "--config", "config/digest.toml"]])
def test_help_and_check_load_no_heavy_library(args):
    probe = (
        "import sys\n"
        "from digest.cli import cli\n"
        "try:\n"
        f"    cli.main({args!r}, prog_name='digest')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
