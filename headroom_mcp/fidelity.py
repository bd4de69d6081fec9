"""``headroom-mcp bench --fidelity``: do the lines a user needs survive compression?

The corpus (``benchmarks/fidelity``) holds real tool outputs and, for each, the
questions a user would ask of it with the lines that answer them. Each answer
line is a list of fragments that must all appear on one line of a text. For
every case this module compresses the output without a query and with each
question's query, and checks every answer line three ways: visible in the
compressed text, visible when the question's query steered compression, and
recoverable (visible, or in the page one ``headroom_retrieve`` with the query
returns).

A question is a *lookup* when it names one item among many alike (the date of
version 5.0.2 among 3,478, one grep hit among hundreds, a line inside a
function body): no compressor can show every such item, so a lookup's answer
counts only with the query and by retrieval. Every other question is a *first
look* (what failed, what is largest, the newest, the summary, a signature):
its answer must be visible without a query. Both figures are printed.
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from headroom_mcp.pipeline.compress import compress_content
from headroom_mcp.pipeline.contract import Hints
from headroom_mcp.pipeline.retrieval import DEFAULT_PAGE_TOKENS, retrieve
from headroom_mcp.pipeline.store import MemoryStore
from headroom_mcp.pipeline.tokens import count_tokens

DEFAULT_DIR = Path("benchmarks/fidelity")
# Outputs this big that save less than this are the ones a developer should look at.
LOW_SAVINGS_MIN_TOKENS = 5_000
LOW_SAVINGS_RATIO = 0.30


@dataclass(frozen=True, slots=True)
class Question:
    """What a user asks of one output, the query an agent would send, and the lines that answer it."""

    ask: str
    query: str
    answers: list[list[str]]
    lookup: bool = False


@dataclass(frozen=True, slots=True)
class Case:
    """One recorded tool output and the questions asked of it."""

    file: str
    kind: str
    command: str
    hints: Hints
    questions: list[Question]


@dataclass(slots=True)
class AnswerCheck:
    """Whether one answer line of one question survived, three ways."""

    question: str
    fragments: list[str]
    lookup: bool = False
    visible: bool = False
    with_query: bool = False
    recoverable: bool = False


@dataclass(slots=True)
class CaseResult:
    """The figures of one case."""

    file: str
    kind: str
    detected: str
    tokens_before: int
    tokens_after: int
    largest_output: int
    largest_page: int
    answers: list[AnswerCheck] = field(default_factory=list)

    @property
    def saved(self) -> float:
        """Share of the output's tokens the no-query compression removed."""
        return 1 - self.tokens_after / self.tokens_before if self.tokens_before else 0.0


@dataclass(slots=True)
class KindSummary:
    """Medians and shares over the cases of one content kind."""

    kind: str
    cases: int
    median_saved: float
    visible: float  # first-look answer lines visible without a query
    visible_all: float  # every answer line, lookups included
    with_query: float
    recoverable: float


@dataclass(slots=True)
class Report:
    """Everything the fidelity run measured."""

    cases: list[CaseResult]
    kinds: list[KindSummary]
    tokens_before: int
    tokens_after: int
    visible: float  # first-look answer lines visible without a query
    visible_all: float  # every answer line, lookups included
    with_query: float
    recoverable: float
    largest_output: tuple[str, int]
    largest_page: tuple[str, int]
    low_savings: list[CaseResult]
    not_visible: list[tuple[str, AnswerCheck]]

    @property
    def saved(self) -> float:
        """Total savings: 1 - Σafter / Σbefore over every case, without a query."""
        return 1 - self.tokens_after / self.tokens_before if self.tokens_before else 0.0


def load_cases(directory: Path) -> list[Case]:
    """The cases listed in ``directory/cases.json``."""
    raw = json.loads((directory / "cases.json").read_text(encoding="utf-8"))
    cases = []
    for entry in raw:
        hints = entry.get("hints") or {}
        questions = [
            Question(q["ask"], q["query"], [list(a) for a in q["answers"]], bool(q.get("lookup")))
            for q in entry["questions"]
        ]
        cases.append(
            Case(
                entry["file"],
                entry["kind"],
                entry["command"],
                Hints(tool_name=hints.get("tool_name"), path=hints.get("path")),
                questions,
            )
        )
    return cases


def read_case(directory: Path, case: Case) -> str:
    """The recorded output of ``case``, exactly as the tool wrote it."""
    return (directory / case.file).read_text(encoding="utf-8", errors="surrogateescape")


def line_holds(text: str, fragments: list[str]) -> bool:
    """True when one line of ``text`` contains every fragment."""
    return any(all(fragment in line for fragment in fragments) for line in text.splitlines())


def unmatched_answers(directory: Path, cases: list[Case]) -> list[tuple[str, str, list[str]]]:
    """Answer lines whose fragments match no line of their original: (file, question, fragments)."""
    missing = []
    for case in cases:
        content = read_case(directory, case)
        for question in case.questions:
            missing.extend(
                (case.file, question.ask, fragments)
                for fragments in question.answers
                if not line_holds(content, fragments)
            )
    return missing


def measure_case(case: Case, content: str) -> CaseResult:
    """Compress ``content`` without and with each question's query, and check every answer line."""
    before = count_tokens(content)
    store = MemoryStore()
    plain = compress_content(content, store=store, hints=case.hints)
    after = count_tokens(plain.text) if plain.compressed else before
    result = CaseResult(case.file, case.kind, plain.kind, before, after, after, 0)
    for question in case.questions:
        steered = compress_content(content, store=MemoryStore(), query=question.query, hints=case.hints)
        if steered.compressed:
            result.largest_output = max(result.largest_output, count_tokens(steered.text))
        page = ""
        if plain.compressed and plain.hash:
            found = retrieve(plain.hash, store=store, query=question.query, page_tokens=DEFAULT_PAGE_TOKENS)
            page = "\n".join(found.blocks)
            result.largest_page = max(result.largest_page, count_tokens(page))
        for fragments in question.answers:
            visible = line_holds(plain.text, fragments)
            result.answers.append(
                AnswerCheck(
                    question.ask,
                    fragments,
                    lookup=question.lookup,
                    visible=visible,
                    with_query=line_holds(steered.text, fragments),
                    recoverable=visible or line_holds(page, fragments),
                )
            )
    return result


def _share(checks: list[AnswerCheck], attribute: str) -> float:
    return sum(getattr(check, attribute) for check in checks) / len(checks) if checks else 1.0


def _first_look(checks: list[AnswerCheck]) -> list[AnswerCheck]:
    return [check for check in checks if not check.lookup]


def measure(directory: Path = DEFAULT_DIR) -> Report:
    """Run every case of the corpus in ``directory``; the figures as data.

    Raises ValueError when an answer's fragments match no line of its original:
    a rotten corpus must not pass as a compressor's failure or success.
    """
    cases = load_cases(directory)
    missing = unmatched_answers(directory, cases)
    if missing:
        lines = "\n".join(f"  {file}: {ask!r} {fragments}" for file, ask, fragments in missing)
        raise ValueError(f"answer fragments that match no line of their original:\n{lines}")
    count_tokens("warm up the tokenizer")
    results = [measure_case(case, read_case(directory, case)) for case in cases]
    every = [check for result in results for check in result.answers]
    kinds = []
    for kind in sorted({result.kind for result in results}):
        group = [result for result in results if result.kind == kind]
        checks = [check for result in group for check in result.answers]
        kinds.append(
            KindSummary(
                kind,
                len(group),
                statistics.median(result.saved for result in group),
                _share(_first_look(checks), "visible"),
                _share(checks, "visible"),
                _share(checks, "with_query"),
                _share(checks, "recoverable"),
            )
        )
    biggest = max(results, key=lambda result: result.largest_output)
    deepest = max(results, key=lambda result: result.largest_page)
    return Report(
        cases=results,
        kinds=kinds,
        tokens_before=sum(result.tokens_before for result in results),
        tokens_after=sum(result.tokens_after for result in results),
        visible=_share(_first_look(every), "visible"),
        visible_all=_share(every, "visible"),
        with_query=_share(every, "with_query"),
        recoverable=_share(every, "recoverable"),
        largest_output=(biggest.file, biggest.largest_output),
        largest_page=(deepest.file, deepest.largest_page),
        low_savings=[
            result
            for result in results
            if result.tokens_before > LOW_SAVINGS_MIN_TOKENS and result.saved < LOW_SAVINGS_RATIO
        ],
        not_visible=[(result.file, check) for result in results for check in result.answers if not check.visible],
    )


def _counts(checks: list[AnswerCheck], attribute: str) -> str:
    return f"{sum(getattr(check, attribute) for check in checks)}/{len(checks)}"


def render(report: Report) -> str:
    """The report as the tables ``headroom-mcp bench --fidelity`` prints ("first": first-look answers visible)."""
    out = []
    header = (
        f"{'case':<44} {'kind':<8} {'detected':<8} {'before':>7} {'after':>7} {'saved':>6} "
        f"{'first':>7} {'all':>7} {'w/query':>8} {'recover':>8}"
    )
    out += [header, "-" * len(header)]
    for result in report.cases:
        name = Path(result.file).name
        out.append(
            f"{name[:44]:<44} {result.kind:<8} {result.detected[:8]:<8} {result.tokens_before:>7} "
            f"{result.tokens_after:>7} {result.saved:>6.1%} {_counts(_first_look(result.answers), 'visible'):>7} "
            f"{_counts(result.answers, 'visible'):>7} "
            f"{_counts(result.answers, 'with_query'):>8} {_counts(result.answers, 'recoverable'):>8}"
        )
    header = f"{'kind':<8} {'cases':>5} {'median saved':>12} {'first':>7} {'all':>7} {'w/query':>8} {'recover':>8}"
    out += ["", header, "-" * len(header)]
    for kind in report.kinds:
        out.append(
            f"{kind.kind:<8} {kind.cases:>5} {kind.median_saved:>12.1%} {kind.visible:>7.1%} {kind.visible_all:>7.1%} "
            f"{kind.with_query:>8.1%} {kind.recoverable:>8.1%}"
        )
    out.append("")
    out.append(
        f"total: {report.tokens_before} → {report.tokens_after} tokens, {report.saved:.1%} saved; answer lines "
        f"visible without a query {report.visible:.1%} of first looks ({report.visible_all:.1%} of all, lookups "
        f"included), with the question's query {report.with_query:.1%}, "
        f"recoverable with one retrieval {report.recoverable:.1%}"
    )
    out.append(
        f"largest output: {report.largest_output[1]} tokens ({report.largest_output[0]}); "
        f"largest retrieval page: {report.largest_page[1]} tokens ({report.largest_page[0]})"
    )
    out.append(f"outputs over {LOW_SAVINGS_MIN_TOKENS} tokens saving under {LOW_SAVINGS_RATIO:.0%}:")
    out += [f"  {r.file}: {r.tokens_before} → {r.tokens_after} ({r.saved:.1%})" for r in report.low_savings]
    out += ["  (none)"] if not report.low_savings else []
    out.append("answer lines not visible without a query (L lookup, Q with the query, R recoverable):")
    for file, check in report.not_visible:
        flags = f"{'L' if check.lookup else '-'}{'Q' if check.with_query else '-'}{'R' if check.recoverable else '-'}"
        out.append(f"  [{flags}] {file}: {check.question!r} {check.fragments}")
    out += ["  (none)"] if not report.not_visible else []
    out.append("tokens: o200k_base (a stand-in for Claude's tokenizer)")
    return "\n".join(out)


def run(directory: str | Path = DEFAULT_DIR) -> int:
    """Print the fidelity report for the corpus in ``directory``; returns a process exit code."""
    path = Path(directory)
    if not (path / "cases.json").is_file():
        print(f"headroom-mcp: no fidelity corpus at {path} (cases.json missing)", file=sys.stderr)
        return 1
    try:
        report = measure(path)
    except ValueError as exc:
        print(f"headroom-mcp: {exc}", file=sys.stderr)
        return 1
    print(render(report))
    return 0
