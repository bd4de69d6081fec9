"""The source tree is the tree Python runs: one folder per content kind, relative imports, every package installed.

A reader who wants "how are logs handled" opens ``pipeline/kinds/log/`` and
finds the detector, the compressor and their helpers there; tools that draw
the import graph follow ``from ...contract import Item`` to the file it names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import EXAMPLES, ROOT
from headroom_mcp.pipeline.router import ROUTES, Router

PIPELINE = ROOT / "pipeline"
KINDS = PIPELINE / "kinds"
# Where each installed top-level package lives in the source tree (pyproject's package-dir).
SOURCE_ROOTS = {"headroom_mcp": ROOT / "headroom_mcp", "headroom_mcp.pipeline": PIPELINE, "headroom_mcp.wrappers": ROOT / "wrappers"}


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(level, dotted name)`` of every import in ``path``; level 0 is absolute, 1 is ``.``, 2 is ``..``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and not node.module:
                found += [(node.level, alias.name) for alias in node.names]
            else:
                found.append((node.level, base))
    return found


def installed_name(path: Path) -> str:
    """The dotted name ``path`` is imported by once installed (``pipeline/kinds/log/compress.py`` → ...)."""
    for package, folder in SOURCE_ROOTS.items():
        if path.is_relative_to(folder) and package != "headroom_mcp":
            parts = path.with_suffix("").relative_to(folder).parts
            return ".".join((package, *parts))
    return ".".join(("headroom_mcp", *path.with_suffix("").relative_to(SOURCE_ROOTS["headroom_mcp"]).parts))


def source_of(name: str) -> Path:
    """The module file or package folder in the source tree behind an installed dotted name."""
    package = max((p for p in SOURCE_ROOTS if name == p or name.startswith(p + ".")), key=len)
    target = SOURCE_ROOTS[package].joinpath(*name[len(package) :].split(".")[1:])
    return target.with_suffix(".py") if target.with_suffix(".py").is_file() else target


def resolve(path: Path, level: int, name: str) -> Path:
    """The module file or package folder a relative import in ``path`` points at, as installed."""
    package = installed_name(path).split(".")
    package = package[: len(package) - level]
    return source_of(".".join([*package, *([name] if name else [])]))


def test_each_route_names_the_detector_and_compressor_of_one_kind_folder():
    router = Router()
    for route in ROUTES:
        detect_module, _, _ = route.detector.partition(":")
        compress_module, _, _ = route.compressor.partition(":")
        assert detect_module == f"kinds.{route.kind}.detect", route
        assert compress_module == f"kinds.{route.kind}.compress", route
        compressor = router.compressor(route.kind)
        assert Path(sys.modules[type(compressor).__module__].__file__).parent == KINDS / route.kind
    folders = {p.name for p in KINDS.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == {route.kind for route in ROUTES}


def test_no_kind_imports_another_kind():
    for kind in (p for p in KINDS.iterdir() if p.is_dir()):
        for path in modules(kind):
            for level, name in imported_modules(path):
                if level == 0:
                    continue
                target = resolve(path, level, name).resolve()
                if target.is_relative_to(KINDS) and target != KINDS:
                    own = target.relative_to(KINDS).parts[0]
                    assert own == kind.name, f"{path.relative_to(ROOT)} imports {'.' * level}{name} of kind {own}"


def test_pipeline_and_wrappers_import_their_own_tree_relatively():
    for folder in (PIPELINE, ROOT / "wrappers"):
        for path in modules(folder):
            for level, name in imported_modules(path):
                absolute_own = level == 0 and name.split(".")[0] in {"headroom_mcp", "pipeline", "wrappers"}
                assert not absolute_own, f"{path.relative_to(ROOT)} imports {name} absolutely"
                if folder == PIPELINE:
                    assert not (level == 0 and name.split(".")[0] == "mcp"), f"{path.relative_to(ROOT)} imports mcp"
                if level:
                    assert resolve(path, level, name).exists(), f"{path.relative_to(ROOT)}: {'.' * level}{name} is not a file"


def test_pipeline_runs_from_the_source_tree_without_the_package_face(tmp_path):
    """``pipeline/`` opened as it stands (no install, no headroom_mcp) detects, routes and compresses."""
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pipeline.compress import compress_content\n"
        "from pipeline.store import MemoryStore\n"
        f"text = open({str(EXAMPLES / 'pytest_run.log')!r}).read()\n"
        "result = compress_content(text, store=MemoryStore())\n"
        "print(json.dumps([result.kind, result.compressed, any(m.startswith('headroom_mcp') for m in sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["log", True, False]


def test_every_package_folder_is_installed():
    """A wheel holds every folder with an ``__init__.py``: pyproject lists packages one by one."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = set()
    for package, folder in SOURCE_ROOTS.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder).parts
            on_disk.add(".".join((package, *relative)))
    assert set(config["packages"]) == on_disk
    assert {name: ROOT / path for name, path in config["package-dir"].items()} == SOURCE_ROOTS
