"""Detectors' line patterns, split into start-anchored and searched alternatives, answer what re.search answers."""

from __future__ import annotations

import re

from conftest import EXAMPLES, ROOT
from headroom_mcp.pipeline.kinds.code import detect as code_detect
from headroom_mcp.pipeline.kinds.code import languages
from headroom_mcp.pipeline.kinds.log import detect as log_detect
from headroom_mcp.pipeline.kinds.prose import detect as prose_detect
from headroom_mcp.pipeline.linepattern import LinePattern, branches


def test_alternatives_are_split_only_at_the_top_level():
    assert branches(r"^a|b(?:c|d)|[|\]]x|[]|]y|(?<!e|f)g|\|h") == [
        r"^a",
        r"b(?:c|d)",
        r"[|\]]x",
        r"[]|]y",
        r"(?<!e|f)g",
        r"\|h",
    ]


def test_every_detector_pattern_answers_as_search_does_on_real_lines():
    lines = []
    for path in [*EXAMPLES.iterdir(), *(ROOT / "benchmarks" / "fidelity" / "cases").iterdir()]:
        lines += [line[:500] for line in path.read_text(encoding="utf-8").split("\n")[::2]]
    patterns = [
        prose_detect._FOREIGN_RE,
        log_detect._LOG_LINE,
        log_detect._SERVER_LINE,
        code_detect._STRUCTURAL,
        code_detect._FOREIGN,
        *languages._PATTERNS.values(),
        LinePattern(r"^=+ .*\bfailed\b|\bERROR\b|^\s*\d+ passed", re.IGNORECASE),
    ]
    for pattern in patterns:
        original = re.compile(pattern.pattern, pattern.flags)
        found = [line for line in lines if pattern.search(line)]
        assert found == [line for line in lines if original.search(line)], pattern.pattern[:60]
        assert found, pattern.pattern[:60]


def test_log_words_are_found_whether_or_not_the_cheap_hint_looks_first():
    lines = []
    for folder in (EXAMPLES, ROOT / "benchmarks" / "fidelity" / "cases", ROOT / "tests" / "data" / "log"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                lines += path.read_text(encoding="utf-8", errors="replace").split("\n")
    found = [line for line in lines if log_detect.has_log_words(line)]
    assert found == [line for line in lines if log_detect._WORDS.search(line)]
    assert len(found) > 100  # levels, level= fields and test ids of several tools
