"""The one call every caller goes through: detect → route → compress → mark → store.

Guarantees, whatever the compressor does: the original is stored before a
compressed text is returned (lossy output, lossless retrieval); no output is
over the cap (``max_tokens``, else ``max_budget_tokens``: past it, head and
tail); anything under the cap that cannot be compressed safely comes back
byte-identical; a compressor that raises is recorded in the diagnostics and
logged once, never silently. ANSI escapes and line-number gutters are
cleaned off before detection (DESIGN.md §2).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import router
from .cap import head_and_tail
from .clean.ansi import strip_ansi
from .clean.gutter import find_gutter
from .contract import Compressed, Context, Hints, Item
from .markers import content_key, marker
from .store import Store, StoreError
from .tokens import (
    BESIDE_CHARS,
    EXACT_COUNT_LIMIT,
    QUICK_CHUNK_CHARS,
    count_beside,
    count_tokens,
    estimate_beside,
    floor_tokens,
)

log = logging.getLogger(__name__)
_logged: set[str] = set()
# Outputs longer than this are counted on other threads while the original is stored.
_OUTPUT_BESIDE_CHARS = 4096
# The floor of this many characters already proves nearly any content over min_tokens.
_FLOOR_CHARS = 8192
# Control characters other than tab, line and page breaks and ESC (which starts an ANSI escape).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True, slots=True)
class Options:
    """How hard to compress. The defaults follow DESIGN.md §2."""

    min_tokens: int = 500
    target_ratio: float = 0.15
    min_budget_tokens: int = 1000
    # Claude Code refuses tool results over 25,000 tokens: a default budget stays under it.
    max_budget_tokens: int = 20_000
    max_output_ratio: float = 0.9
    # Prose ranked with the installed sentence model: off by default, as on the fidelity corpus and 16
    # questions over 42 documents it kept no answer that BM25 missed, for 10-20 times the time.
    sentence_model: bool = False


@dataclass(slots=True)
class CompressionResult:
    """What ``compress_content`` did.

    ``text`` is the compressed content, or the original unchanged when
    ``hash`` is None. ``diagnostics`` says why content passed through or what
    went wrong inside a compressor.
    """

    text: str
    hash: str | None
    kind: str
    tokens_before: int
    tokens_after: int
    transforms: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)

    @property
    def compressed(self) -> bool:
        """True when ``text`` differs from the original (which is then in the store)."""
        return self.hash is not None


def budget_for(tokens_before: int, max_tokens: int | None, options: Options) -> int:
    """Target output size: ``max_tokens`` if given, else a fraction of the input between a floor and a cap."""
    if max_tokens is not None:
        return max(1, max_tokens)
    return min(options.max_budget_tokens, max(options.min_budget_tokens, int(tokens_before * options.target_ratio)))


def looks_binary(content: str) -> bool:
    """True for content that is not text: NUL bytes or many control characters in a sample."""
    sample = content[:4096] + content[len(content) // 2 : len(content) // 2 + 4096] + content[-4096:]
    if "\x00" in sample:
        return True
    controls = len(_CONTROL_RE.findall(sample))
    return controls > len(sample) * 0.1


def compress_content(
    content: str,
    *,
    store: Store,
    query: str | None = None,
    kind: str | None = None,
    max_tokens: int | None = None,
    hints: Hints | None = None,
    options: Options | None = None,
    routes: router.Router = router.DEFAULT,
) -> CompressionResult:
    """Compress ``content`` for a model, keeping the original retrievable from ``store``.

    ``query`` steers what is kept (a search pattern, an id); ``kind`` forces a
    content kind (``json``); ``max_tokens`` overrides the default budget;
    ``routes`` decides which compressor handles which content.
    """
    options = options or Options()
    hints = hints or Hints()
    if kind:
        hints = Hints(tool_name=hints.tool_name, path=hints.path, kind=kind)

    def unchanged(reason: str, detected: str = router.UNKNOWN_KIND, tokens: int = 0) -> CompressionResult:
        return CompressionResult(content, None, detected, tokens, tokens, [], [reason])

    if not content:
        return unchanged("empty content")
    if len(content) < options.min_tokens and max_tokens is None:
        # Every token is at least one character: no need to tokenize to know it is small.
        return unchanged(f"under {options.min_tokens} tokens: passed through")
    if looks_binary(content):
        return unchanged("binary content passed through")

    def too_small(tokens: int) -> bool:
        return tokens < options.min_tokens and (max_tokens is None or tokens <= max_tokens)

    # The content is counted on other threads while it is cleaned, detected and compressed. Over
    # BESIDE_CHARS the budget comes from a quick, deterministic estimate, submitted first so that it is ready
    # first; over EXACT_COUNT_LIMIT the count itself is estimated from an even sample.
    if len(content) > EXACT_COUNT_LIMIT:
        counted = planned = estimate_beside(content)
    else:
        quick = estimate_beside(content, QUICK_CHUNK_CHARS) if len(content) > BESIDE_CHARS else None
        counted = count_beside(content)
        planned = counted if quick is None else quick
    # Pieces the tokenizer always makes, found without it, prove most content over min_tokens; the rest waits.
    if floor_tokens(content[:_FLOOR_CHARS]) < options.min_tokens and too_small(planned()):
        return unchanged(f"under {options.min_tokens} tokens: passed through", tokens=planned())

    cleaned = strip_ansi(content)
    cleaning = ["ANSI escape codes removed"] if cleaned is not content else []
    gutter = find_gutter(cleaned)
    body = gutter.body if gutter else cleaned
    detected = routes.detect(body, hints)
    key = content_key(content)
    # A caller's max_tokens is their cap; otherwise no output passes max_budget_tokens.
    cap = max(1, max_tokens) if max_tokens is not None else options.max_budget_tokens

    def planned_budget() -> int:
        return min(budget_for(planned(), max_tokens, options), cap)

    # The budget is read only when the compressor needs it: by then it has parsed the content while other
    # cores counted it.
    budget: int | Callable[[], int] = planned_budget if max_tokens is None else min(max(1, max_tokens), cap)
    ctx = Context(
        key=key,
        budget_tokens=budget,
        count_tokens=count_tokens,
        query=_without_path(query, hints.path),
        hints=hints,
        budget_is_cap=max_tokens is not None,
        sentence_model=options.sentence_model,
    )
    result, reason = _run_compressor(routes, detected, body, ctx)
    stored = False
    tokens_before = counted()
    if result is not None:
        summary = "; ".join([result.summary, *cleaning])
        shown = gutter.restore(result.text) if gutter else result.text
        text = f"{shown}\n{marker(summary, key, query)}"
        transforms, items = [result.transform], result.items
        # A token is at least one UTF-8 byte: when the output's bytes already pass the checks below, its
        # tokens will, and the original is stored while other threads count them (both let go of the GIL).
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if len(text) > _OUTPUT_BESIDE_CHARS and size <= cap and size < tokens_before * options.max_output_ratio:
            output_count = count_beside(text)
            failure = _store(store, key, content, detected, items)
            if failure is not None:
                return unchanged(failure, detected, tokens_before)
            stored = True
            tokens_after = output_count()
        else:
            tokens_after = count_tokens(text)
        if tokens_after > cap:
            shown, summary = head_and_tail(shown, cap, key, summary, query, count_tokens)
            text, transforms = f"{shown}\n{marker(summary, key, query)}", [*transforms, "cap:head+tail"]
            tokens_after = count_tokens(text)
        if tokens_after >= tokens_before * options.max_output_ratio:
            reason = f"{result.transform} saved too little ({tokens_after} of {tokens_before} tokens)"
            result = None
    if result is None:
        # No compressor helped: the cleaned text, or its head and tail when even that is over the cap.
        if tokens_before > cap:
            what = f"{tokens_before:,} tokens of {detected} content ({reason})"
            shown, summary = head_and_tail(cleaned, cap, key, what, query, count_tokens)
            transforms, reason = ["cap:head+tail"], f"{reason}: head and tail kept under the {cap:,}-token cap"
        elif cleaning and count_tokens(cleaned) < tokens_before * options.max_output_ratio:
            shown, summary, transforms = cleaned, "; ".join(cleaning), ["clean:ansi"]
        else:
            return unchanged(f"{reason}: passed through", detected, tokens_before)
        text, items = f"{shown}\n{marker(summary, key, query)}", []
        tokens_after = count_tokens(text)
    if not stored:
        failure = _store(store, key, content, detected, items)
        if failure is not None:
            return unchanged(failure, detected, tokens_before)
    diagnostics = [*(result.diagnostics if result else [reason]), *cleaning]
    if gutter:
        diagnostics.append(f"line-number gutter read from line {gutter.first_number}")
    return CompressionResult(text, key, detected, tokens_before, tokens_after, transforms, diagnostics)


def _store(store: Store, key: str, content: str, kind: str, items: list[Item]) -> str | None:
    """Put the original in ``store``; why the content must pass through instead when it cannot be stored."""
    try:
        store.put(key, content, kind, items)
    except StoreError as exc:
        # Without the original in the store a lossy answer would lose data.
        reason = f"store unavailable ({exc}); passed through"
        _log_once(reason, exc, trace=False)  # the message says it all: no traceback for the user
        return reason
    return None


def _run_compressor(routes: router.Router, kind: str, body: str, ctx: Context) -> tuple[Compressed | None, str]:
    """The compressor's result, or None and why not (no compressor, it could not help, it raised)."""
    compressor = routes.compressor(kind) if kind in routes.kinds() else None
    if compressor is None:
        return None, f"no compressor for {kind} content"
    try:
        result = compressor.compress(body, ctx)
    except Exception as exc:  # fail-open: any compressor bug leaves the content as it was
        reason = f"{kind} compressor failed ({type(exc).__name__}: {exc})"
        _log_once(reason, exc)
        return None, reason
    return result, f"{kind} compressor could not help"


def _without_path(query: str | None, path: str | None) -> str | None:
    """The query minus the path it names: a file read by its path is not about its path's words."""
    if not query or not path or path not in query:
        return query
    rest = " ".join(query.replace(path, " ").split())
    return rest or None


def _log_once(reason: str, exc: BaseException, trace: bool = True) -> None:
    signature = reason.split("(")[0]
    if signature not in _logged:
        _logged.add(signature)
        log.warning("%s", reason, exc_info=exc if trace else None)
