"""Prose on real documentation: a long markdown guide, a man page, pydoc output and an rst README.

Every document is one that ships on this machine (commander's README in the
test upstreams, diskcache's long description, ``man grep``, ``pydoc json``);
what must survive is looked up in the document by a distinctive phrase, never
by line numbers, so a new version of a document changes no expectation.
"""

from __future__ import annotations

import csv
import difflib
import importlib.metadata
import inspect
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import mcp
import pytest
from conftest import headroom_command, require_tools
from headroom_mcp.pipeline.compress import CompressionResult, Options, compress_content
from headroom_mcp.pipeline.contract import Context, Hints
from headroom_mcp.pipeline.kinds.prose import stats as prose_stats
from headroom_mcp.pipeline.kinds.prose import words as prose_words
from headroom_mcp.pipeline.kinds.prose.compress import ProseCompressor
from headroom_mcp.pipeline.kinds.prose.detect import ProseDetector
from headroom_mcp.pipeline.kinds.prose.parse import parse, sentences
from headroom_mcp.pipeline.model import load_embedder
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.router import Route, Router
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens
from samples import api_results

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "tests" / "upstreams" / "node_modules" / "commander" / "Readme.md"
MCP_DIR = Path(mcp.__file__).parent
NOTE_RE = re.compile(r"^\[… .*\]$")


def routes(compressor: ProseCompressor | None = None) -> Router:
    return Router([Route("prose", ProseDetector(), compressor or ProseCompressor(embedder=None))])


def compress(
    text: str,
    query: str | None = None,
    compressor: ProseCompressor | None = None,
    store: MemoryStore | None = None,
    options: Options | None = None,
) -> CompressionResult:
    return compress_content(text, store=store or MemoryStore(), query=query, routes=routes(compressor), options=options)


def saved(text: str, result: CompressionResult) -> float:
    return 1 - count_tokens(result.text) / count_tokens(text)


def paragraph_with(text: str, phrase: str) -> str:
    """The blank-line separated paragraph of ``text`` that contains ``phrase``, exactly as written."""
    found = [chunk.strip("\n") for chunk in re.split(r"\n[ \t]*\n", text) if phrase in chunk]
    assert found, phrase
    return found[0]


def markdown_headings(text: str, deepest: int) -> list[str]:
    """ATX heading lines up to ``deepest`` level, outside fenced code, in order."""
    headings, fenced = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{1,{deepest}}} \S", line):
            headings.append(line)
    return headings


def assert_in_order(lines: list[str], output: str) -> None:
    at = 0
    for line in lines:
        found = output.find(f"\n{line}\n", at - 1) if at else output.find(f"{line}\n")
        assert found >= 0, f"missing or out of order: {line!r}"
        at = found + len(line)


def assert_extractive(original: str, output: str) -> None:
    """Every line of the output is a note, the marker, or verbatim text of the original (split at `…`)."""
    for line in output.split("\n"):
        if NOTE_RE.match(line) or line.startswith("[headroom: "):
            continue
        for fragment in re.split(r"(?:^|\s)…(?:\s|$)", line):
            assert fragment in original, fragment


def run(*command: str) -> str:
    """A real command's output, run over the installed mcp package."""
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(command, cwd=MCP_DIR, capture_output=True, text=True, env=env).stdout


def man_page(name: str) -> str:
    """``man name`` as text, 80 columns wide."""
    require_tools("man")
    env = {**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(["man", "-P", "cat", name], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "\nDESCRIPTION\n" in done.stdout, f"no man page for {name}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def guide() -> str:
    assert GUIDE.is_file(), "scripts/setup installs the test upstreams (npm ci in tests/upstreams)"
    text = GUIDE.read_text()
    assert count_tokens(text) >= 10_000
    return text


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    """The real sentence model: the installed one, else installed here by the real command."""
    with pytest.MonkeyPatch.context() as patch:
        model = load_embedder()
        if model is None:
            directory = tmp_path_factory.mktemp("model")
            done = subprocess.run(
                [*headroom_command(), "model", "install", "--dir", str(directory)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            patch.setenv("HEADROOM_MCP_MODEL_DIR", str(directory))
            model = load_embedder()
        assert model is not None, "the sentence model could not be loaded"
        yield model


def test_a_long_guide_keeps_the_answer_whole_and_the_outline(guide):
    answer = paragraph_with(guide, "You may specify a required (mandatory) option")
    result = compress(guide, "How do I declare a required option?")
    assert result.kind == "prose"
    assert result.transforms == ["prose:extract+bm25"]
    assert "(mode=bm25)" in result.text
    assert saved(guide, result) >= 0.45
    assert answer in result.text
    assert_in_order(markdown_headings(guide, 3), result.text)
    assert_extractive(guide, result.text)
    # Dropped sections are named in the closing marker; dropped runs are counted where they were.
    assert re.search(r"\d+ sections omitted: \w", result.text)
    assert re.search(r"^\[… \d+ paragraphs?", result.text, re.M)
    assert result.text == compress(guide, "How do I declare a required option?").text


def test_without_a_query_the_guide_keeps_each_sections_first_sentence(guide):
    result = compress(guide)
    assert saved(guide, result) >= 0.45
    assert_in_order(markdown_headings(guide, 3), result.text)
    assert_extractive(guide, result.text)
    firsts = []
    for heading in markdown_headings(guide, 2)[1:]:
        body = guide.split(f"\n{heading}\n", 1)[1].lstrip("\n")
        lead = re.split(r"\n[ \t]*\n", body, maxsplit=1)[0]
        if lead.startswith(("#", "```", "-", "*", "|", "[")):
            continue  # the section opens with code, a list or a subsection: no sentence to lead with
        end = re.search(r"[.!?](?=\s|$)", lead)
        firsts.append(lead[: end.end()] if end else lead)
    assert len(firsts) >= 6
    for first in firsts:
        assert first in result.text


def test_the_sentence_model_finds_the_answer_to_a_question_in_other_words(guide, embedder):
    compressor = ProseCompressor()  # the default: the installed model, loaded on first use by a caller who opts in
    opted_in = Options(sentence_model=True)
    for phrase, question in (
        ("The optional `.version()` method", "show which release of my tool is installed"),
        ("You may specify a required (mandatory) option", "flag that is compulsory"),
    ):
        answer = paragraph_with(guide, phrase)
        # Not one word in common (plurals folded): BM25 alone has nothing to go on.
        assert not set(prose_words.words(question, query=True)) & set(prose_words.words(answer))
        result = compress(guide, question, compressor, options=opted_in)
        assert result.transforms == ["prose:extract+model"]
        assert "(mode=model)" in result.text
        assert saved(guide, result) >= 0.45
        assert answer in result.text, question
        assert_in_order(markdown_headings(guide, 3), result.text)
    assert compress(guide, "flag that is compulsory", compressor, options=opted_in).text == result.text


class CountingSession:
    """An onnxruntime session that counts the model's runs."""

    def __init__(self, session):
        self.session, self.runs = session, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.session.run(*args, **kwargs)


def test_a_guide_compressed_again_runs_the_model_only_for_what_it_has_not_seen(guide, embedder):
    from headroom_mcp.pipeline.model.runtime import MiniLM, model_dir

    question = "flag that is compulsory"
    in_a_fresh_process = compress(guide, question, ProseCompressor(embedder=MiniLM(model_dir()))).text
    model = MiniLM(model_dir())
    model._session = session = CountingSession(model._session)
    compressor = ProseCompressor(embedder=model)
    compress(guide, "show which release of my tool is installed", compressor)
    first_turn = session.runs
    for turn in range(2):
        runs = session.runs
        assert compress(guide, question, compressor).text == in_a_fresh_process
        # The guide's passages were embedded on the first turn: what is new is the question and the blocks
        # of the sections closest to it; the turn after that runs nothing.
        assert session.runs - runs < first_turn / 2 if turn == 0 else session.runs == runs


def test_a_passage_comes_back_from_the_store_with_its_place(guide):
    store = MemoryStore()
    result = compress(guide, "How do I declare a required option?", store=store)
    paragraph = paragraph_with(guide, "are normalized to camelCase")
    found = retrieve(result.hash, store=store, query="normalized to camelCase")
    first = guide[: guide.index(paragraph)].count("\n") + 1
    last = first + paragraph.count("\n")
    lines = f"line {first}" if first == last else f"lines {first}–{last}"
    assert found.blocks[1] == f"{lines} (Commander.js > Options): {paragraph}"


def test_a_man_page_keeps_its_sections_and_the_option_asked_about():
    page = man_page("grep")
    assert ProseDetector().matches(page, Hints())
    option = paragraph_with(page, "--files-without-match\n")
    result = compress(page, "print only the names of files without any match")
    assert saved(page, result) >= 0.45
    assert option in result.text
    sections = [line for line in page.split("\n") if re.fullmatch(r"[A-Z][A-Z ]+", line)]
    assert {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"} <= set(sections)
    assert_in_order(sections, result.text)
    assert_extractive(page, result.text)


def test_pydoc_output_keeps_its_sections_and_the_paragraph_asked_about():
    page = subprocess.run([sys.executable, "-m", "pydoc", "json"], capture_output=True, text=True, check=True).stdout
    assert ProseDetector().matches(page, Hints())
    answer = paragraph_with(page, "exposes an API familiar to users")
    result = compress(page, "an API familiar from marshal and pickle")
    assert saved(page, result) >= 0.45
    assert answer in result.text
    assert_in_order(["NAME", "DESCRIPTION", "CLASSES", "FUNCTIONS"], result.text)
    assert_extractive(page, result.text)


def test_a_man_pages_synopsis_is_kept_however_much_markup_it_holds():
    page = man_page("git-log")
    synopsis = page.split("\nSYNOPSIS\n", 1)[1].split("\n\n", 1)[0]
    assert "[<options>]" in synopsis
    result = compress(page, None)
    assert saved(page, result) >= 0.8
    assert synopsis in result.text


def test_pydoc_output_keeps_every_functions_signature_without_a_query():
    page = subprocess.run([sys.executable, "-m", "pydoc", "json"], capture_output=True, text=True, check=True).stdout
    after = page.split("\nFUNCTIONS\n", 1)[1]
    signatures = [line for line in after.splitlines() if re.match(r"    \w+\(", line)]
    assert len(signatures) >= 4
    result = compress(page, None)
    assert saved(page, result) >= 0.6
    assert [line for line in signatures if line not in result.text.splitlines()] == []


def test_a_restructuredtext_readme_keeps_its_titles_and_the_answer():
    readme = importlib.metadata.metadata("diskcache").get_payload()
    assert "\n========" in readme and "\n--------" in readme
    assert ProseDetector().matches(readme, Hints())
    answer = paragraph_with(readme, "persistent replacements for Python's")
    result = compress(readme, "Which types replace collections.deque and dict across processes?")
    assert saved(readme, result) >= 0.45
    assert answer in result.text
    lines = readme.split("\n")
    titles = [
        f"{lines[i]}\n{lines[i + 1]}"
        for i in range(len(lines) - 1)
        if lines[i].strip() and re.fullmatch(r"([=\-.])\1{3,}", lines[i + 1]) and len(lines[i + 1]) >= len(lines[i])
    ]
    assert len(titles) >= 10
    assert_in_order(titles, result.text)
    assert_extractive(readme, result.text)


def test_the_detector_says_no_to_every_other_kind_of_output(guide, tmp_path):
    detector = ProseDetector()
    assert detector.matches(guide, Hints())
    tests = tmp_path / "test_sample.py"
    tests.write_text("import pytest\n\n" + "".join(f"def test_{i}():\n    assert {i} % 7\n\n" for i in range(60)))
    pytest_log = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(tests)], capture_output=True, text=True
    ).stdout
    rows = api_results(300)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=sorted({key for row in rows for key in row}))
    writer.writeheader()
    writer.writerows(rows)
    readme_lines = guide.splitlines(keepends=True)
    edited = [line.replace("option", "flag") for line in readme_lines]
    others = {
        "json": json.dumps(rows, indent=2),
        "pytest log": pytest_log,
        "grep": run("grep", "-rn", "the", "."),
        "diff": "".join(difflib.unified_diff(readme_lines, edited, "a/Readme.md", "b/Readme.md")),
        "python": inspect.getsource(textwrap),
        "python, mostly docstring": inspect.getsource(json),
        "find": run("find", "."),
        "csv": table.getvalue(),
    }
    assert "::test_7 FAILED" in pytest_log
    for name, text in others.items():
        assert count_tokens(text) > 500, name
        assert not detector.matches(text, Hints()), name
        assert not detector.matches(text, Hints(path="notes.txt")), name


def test_a_terse_reference_is_prose_when_its_path_or_tool_says_so(guide):
    reference = (GUIDE.parent.parent / "http-errors" / "README.md").read_text()
    detector = ProseDetector()
    assert not detector.matches(reference, Hints())  # short lines: too few sentences to say on its own
    assert detector.matches(reference, Hints(path="node_modules/http-errors/README.md"))
    assert detector.matches(reference, Hints(tool_name="fetch"))
    assert not detector.matches(reference, Hints(tool_name="read_file", path="src/errors.py"))


def test_sentences_do_not_break_inside_abbreviations_versions_numbers_paths_or_urls():
    text = (
        "Pin it, e.g. to v1.2.3 or 3.14 at most. See https://example.com/a.b/c.html for details, i.e. the "
        "changelog! Is ./src/app.py read first? Yes. Then Dr. Smith reviews it."
    )
    assert [text[a:b] for a, b in sentences(text)] == [
        "Pin it, e.g. to v1.2.3 or 3.14 at most.",
        "See https://example.com/a.b/c.html for details, i.e. the changelog!",
        "Is ./src/app.py read first?",
        "Yes.",
        "Then Dr. Smith reviews it.",
    ]


def test_passages_are_scored_exactly_as_rank_bm25_scores_them(guide):
    from rank_bm25 import BM25Okapi

    # The guide's paragraphs, mostly ones about options (a word in over half the documents has its idf floored),
    # and an empty one.
    paragraphs = [prose_words.words(chunk) for chunk in guide.split("\n\n")]
    corpus = [words for words in paragraphs if "option" in words][:40] + paragraphs[:20] + [[]]
    assert sum("option" in words for words in corpus) > len(corpus) / 2
    for query in (["option", "required", "option"], ["command", "program"], ["nowhere"]):
        expected = BM25Okapi([doc or ["_"] for doc in corpus]).get_scores(query)
        assert prose_stats.bm25(corpus, query).tolist() == expected.tolist()


def test_short_or_unsplittable_text_is_left_alone(guide):
    compressor = ProseCompressor(embedder=None)
    ctx = Context(key="0" * 16, budget_tokens=1000, count_tokens=count_tokens, query=None)
    assert compressor.compress(paragraph_with(guide, "You may specify a required (mandatory)"), ctx) is None
    one_line = " ".join(["word"] * 3000)
    assert compressor.compress(one_line, ctx) is None


def test_the_outline_is_the_documents_headings_and_nothing_from_its_code(guide):
    readme = (GUIDE.parent.parent / "glob" / "README.md").read_text()
    fenced_comments = [line for line in re.findall(r"^```.*?^```", readme, re.M | re.S) if "\n# " in line]
    assert fenced_comments, "glob's README has shell comments in its examples, which look like headings"
    for text in (guide, readme):
        titles = [section.title for section in parse(text).sections[1:]]
        assert titles == [heading.lstrip("#").strip() for heading in markdown_headings(text, 6)]


def test_the_mode_used_is_in_the_callers_diagnostics():
    from headroom_mcp.pipeline.model import load_embedder

    text = "\n\n".join(
        f"## Topic {i}\n\nThe service number {i} keeps its settings in a file that operators edit by hand. "
        f"It restarts when the file changes, and it logs every change it notices for later review."
        for i in range(60)
    )
    assert load_embedder() is not None, "scripts/setup installs the sentence model"
    opted_in = Options(sentence_model=True)
    for compressor, options, expected in (
        (ProseCompressor(), None, "BM25 and statistics only (the sentence model is opt-in"),
        (ProseCompressor(embedder=None), opted_in, "BM25 and statistics only"),
        (ProseCompressor(), opted_in, "sentence model (minilm-l6-v2)"),
    ):
        routes = Router([Route("prose", ProseDetector(), compressor)])
        result = compress_content(text, store=MemoryStore(), query="restart", routes=routes, options=options)
        assert result.compressed and expected in result.diagnostics[0]
