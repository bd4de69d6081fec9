"""The default router tells real tool outputs apart: each goes to the compressor of its kind.

Every sample is the output of a real command run here (git, grep, find,
pytest, python), so the detectors are checked against what agents see,
with all routes competing, in the order the pipeline tries them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mcp
import pytest
from conftest import run_git
from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.router import DEFAULT
from headroom_mcp.pipeline.store import MemoryStore
from samples import api_results

TREE = Path(mcp.__file__).parent


def run(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A git repository with 40 commits over copies of the mcp package's modules."""
    root = tmp_path_factory.mktemp("repo")
    run_git(root, "init", "-q", "-b", "main")
    sources = sorted(TREE.rglob("*.py"))[:40]
    for number, source in enumerate(sources):
        target = root / source.relative_to(TREE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
        run_git(root, "add", ".")
        run_git(root, "commit", "-q", "-m", f"Add {target.name}\n\nImported as step {number}.")
    for source in sources[:20]:
        target = root / source.relative_to(TREE)
        text = target.read_text()
        target.write_text(text.replace("def ", "def renamed_", 3).replace("return ", "return  ", 5))
    return root


def outputs(repo: Path, tmp_path: Path) -> dict[str, str]:
    suite = tmp_path / "test_many.py"
    suite.write_text(
        "import pytest\n\n@pytest.mark.parametrize('n', range(1500))\ndef test_n(n):\n    assert n != 1234\n"
    )
    pytest_log = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(suite)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    ).stdout
    return {
        "log": pytest_log,
        "diff": run_git(repo, "diff"),
        "gitlog": run_git(repo, "log", "--stat"),
        "search": run("grep", "-rn", "def ", ".", cwd=TREE),
        "listing": run("find", "mcp", "pydantic", "-type", "f", cwd=TREE.parent),
        "json": json.dumps(api_results(300), indent=2),
        "code": (TREE / "client" / "session.py").read_text(),
        "prose": (Path(__file__).resolve().parent / "upstreams" / "node_modules" / "commander" / "Readme.md").read_text(),
    }


def test_each_real_output_goes_to_its_own_kind(repo, tmp_path):
    for expected, content in outputs(repo, tmp_path).items():
        assert len(content) > 8_000, expected
        assert DEFAULT.detect(content, Hints()) == expected
        result = compress_content(content, store=MemoryStore())
        assert result.kind == expected and result.compressed, (expected, result.diagnostics)
        assert result.tokens_after < result.tokens_before * 0.5, expected


def test_a_source_path_makes_code_and_a_markdown_readme_is_prose():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert DEFAULT.detect(readme, Hints()) == "prose"
    for source in sorted(TREE.rglob("*.py"))[:60]:
        assert DEFAULT.detect(source.read_text(), Hints(path=str(source))) == "code", source


def test_grep_output_over_source_code_is_search_not_code():
    content = run("grep", "-rn", "-A", "3", "class ", ".", cwd=TREE)
    assert DEFAULT.detect(content, Hints()) == "search"


def test_pydoc_of_a_package_is_prose_even_from_a_shell_tool():
    """pydoc draws class bodies behind "     |" gutters, which are not a compiler's quoted source."""
    page = subprocess.run(
        [sys.executable, "-m", "pydoc", "json"], capture_output=True, text=True, check=True, env={"PAGER": "cat"}
    ).stdout
    assert "     |  " in page
    for hints in (Hints(), Hints(tool_name="run_command")):
        assert DEFAULT.detect(page, hints) == "prose"
