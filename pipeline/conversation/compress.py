"""``compress_messages``: a whole conversation back in its own shape, its tool outputs compressed.

Guarantees (DESIGN.md §6): messages, order, roles, ids and call/result
pairings are unchanged; system prompts and user text are never changed except
that CacheAligner moves a system prompt's dynamic values to its tail; each
tool output's compressed form depends only on itself, its call, the user text
before it and the settings, so compressing the first k messages gives the
first k messages of the whole compressed conversation (without ``max_tokens``).
With ``max_tokens`` the conversation is held to a budget: older tool outputs
are compressed harder, then replaced by a marker, oldest first; the last turn
stays whole and every replaced output stays retrievable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import router
from ..compress import CompressionResult, Options, compress_content
from ..hints import hints_for
from ..markers import content_key, marker
from ..store import Store
from ..tokens import count_tokens
from .align import align_messages, align_system
from .formats import ToolOutput, replaced, text_parts, tool_outputs

# The user text that steers a tool output's compression: its last words are what was asked.
_USER_QUERY_CHARS = 500
# Compressing harder: an older output keeps this share of what it had, never under the floor.
_HARDER_SHARE = 0.25
_HARDER_FLOOR = 150
# Compressed tool outputs remembered per process (see _compress_once).
_MEMO_SIZE = 512
_memo: OrderedDict[tuple[Any, ...], tuple[CompressionResult, Store, router.Router]] = OrderedDict()
_memo_lock = threading.Lock()


@dataclass(slots=True)
class OutputDetail:
    """What happened to one tool output text."""

    index: int
    block: int | None
    kind: str
    hash: str | None
    tokens_before: int
    tokens_after: int
    transforms: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MessagesResult:
    """The compressed conversation, in the shape it came in, with its metrics."""

    messages: list[Any]
    system: Any
    tokens_before: int
    tokens_after: int
    transforms_applied: list[str]
    details: list[OutputDetail]
    diagnostics: list[str] = field(default_factory=list)

    @property
    def tokens_saved(self) -> int:
        """Tokens the conversation lost: before minus after."""
        return self.tokens_before - self.tokens_after


def conversation_tokens(messages: list[Any], system: Any = None) -> int:
    """o200k tokens of every text a model reads in ``messages`` and ``system``."""
    return sum(_tokens(text) for text in text_parts([system, messages] if system is not None else messages))


@lru_cache(maxsize=4096)
def _tokens(text: str) -> int:
    # The same history is counted before every model call: each text once.
    return count_tokens(text)


def _query(output: ToolOutput, extra: str | None = None) -> tuple[str | None, Any]:
    """The query for a tool output: its call's short arguments, the user text before it, and the caller's."""
    from_call, hints = hints_for(output.call_name, output.call_arguments)
    asked = output.user_text[-_USER_QUERY_CHARS:] if output.user_text else None
    parts = [part for part in (output.call_name, from_call, asked, extra) if part]
    return (" ".join(parts) or None), hints


def _last_turn(messages: list[Any]) -> set[int]:
    """The last message, with the run of OpenAI ``tool`` messages it ends (one turn's results)."""
    if not messages:
        return set()
    last = len(messages) - 1
    turn = {last}
    while last > 0 and _role(messages[last]) == "tool" and _role(messages[last - 1]) == "tool":
        last -= 1
        turn.add(last)
    return turn


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, Mapping) else None


def _compress_once(
    text: str, store: Store, query: str | None, hints: Any, options: Options | None, routes: router.Router
) -> CompressionResult:
    """``compress_content`` of one tool output, remembered: an agent sends the same history before every call.

    The result depends only on these arguments (the pipeline is deterministic), so a remembered one is exact.
    """
    key = (content_key(text), query, hints, options, id(store), id(routes))
    with _memo_lock:
        found = _memo.get(key)
        if found is not None:
            _memo.move_to_end(key)
            return found[0]
    result = compress_content(text, store=store, query=query, hints=hints, options=options, routes=routes)
    with _memo_lock:
        # The store and router are held with the result, so their ids cannot be reused while it is remembered.
        _memo[key] = (result, store, routes)
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return result


def forget_compressions() -> None:
    """Drop the remembered tool-output compressions (a benchmark's cold start)."""
    with _memo_lock:
        _memo.clear()


def compress_messages(
    messages: list[Any],
    *,
    store: Store,
    system: Any = None,
    query: str | None = None,
    max_tokens: int | None = None,
    align_cache: bool = True,
    options: Options | None = None,
    routes: router.Router = router.DEFAULT,
) -> MessagesResult:
    """Compress the tool outputs of an Anthropic or OpenAI conversation; see the module's guarantees.

    ``query`` (what the caller is after) steers every output's compression besides its own call.
    """
    tokens_before = conversation_tokens(messages, system)
    outputs = tool_outputs(messages)
    protected = _last_turn(messages) if max_tokens is not None else set()
    results: dict[int, CompressionResult] = {}
    texts: dict[tuple[int, Any], str] = {}
    for number, output in enumerate(outputs):
        if output.message in protected:
            continue
        steer, hints = _query(output, query)
        result = _compress_once(output.text, store, steer, hints, options, routes)
        results[number] = result
        if result.compressed:
            texts[(output.message, output.path)] = result.text
    transforms = sorted({t for result in results.values() if result.compressed for t in result.transforms})
    new_messages = replaced(messages, texts)
    new_system = system
    if align_cache:
        new_system = align_system(system)
        aligned = align_messages(new_messages)
        if new_system != system or aligned != new_messages:
            transforms.append("cache:align")
        new_messages = aligned
    diagnostics: list[str] = []
    if max_tokens is not None:
        new_messages, budget_steps, note = _fit(
            new_messages, new_system, outputs, results, texts, protected, max_tokens, store, options, routes, query
        )
        transforms += budget_steps
        if note:
            diagnostics.append(note)
    details = [
        OutputDetail(
            output.message,
            output.block,
            results[number].kind if number in results else "protected",
            results[number].hash if number in results else None,
            _tokens(output.text),
            _tokens(texts.get((output.message, output.path), output.text)),
            list(results[number].transforms) if number in results else [],
        )
        for number, output in enumerate(outputs)
    ]
    return MessagesResult(
        new_messages,
        new_system,
        tokens_before,
        conversation_tokens(new_messages, new_system),
        transforms,
        details,
        diagnostics,
    )


def _fit(
    messages: list[Any],
    system: Any,
    outputs: list[ToolOutput],
    results: dict[int, CompressionResult],
    texts: dict[tuple[int, Any], str],
    protected: set[int],
    max_tokens: int,
    store: Store,
    options: Options | None,
    routes: router.Router,
    extra_query: str | None,
) -> tuple[list[Any], list[str], str | None]:
    """Hold the conversation to ``max_tokens``: older outputs compressed harder, then replaced, oldest first.

    ``texts`` is updated in place, so the caller's details show what was sent.
    """
    total = conversation_tokens(messages, system)
    steps: list[str] = []
    older = [number for number, output in enumerate(outputs) if output.message not in protected]
    for harder in (True, False):
        for number in older:
            if total <= max_tokens:
                return messages, steps, None
            output = outputs[number]
            where = (output.message, output.path)
            current = texts.get(where, output.text)
            cost = count_tokens(current)
            if harder:
                target = max(_HARDER_FLOOR, int(cost * _HARDER_SHARE))
                if cost <= target:
                    continue
                steer, hints = _query(output, extra_query)
                result = compress_content(
                    output.text,
                    store=store,
                    query=steer,
                    hints=hints,
                    max_tokens=target,
                    options=options,
                    routes=routes,
                )
                if not result.compressed or count_tokens(result.text) >= cost:
                    continue
                text, step = result.text, "budget:harder"
                results[number] = result
            else:
                key = content_key(output.text)
                if store.get(key) is None:
                    store.put(key, output.text, results[number].kind if number in results else "text", [])
                what = f"output of {output.call_name or 'a tool'} ({count_tokens(output.text):,} tokens)"
                text = marker(f"{what} left out to fit the conversation's budget", key)
                step = "budget:replaced"
            texts[where] = text
            messages = replaced(messages, {where: text})
            total += count_tokens(text) - cost
            if step not in steps:
                steps.append(step)
    if total <= max_tokens:
        return messages, steps, None
    return messages, steps, f"budget of {max_tokens:,} tokens not reachable: {total:,} tokens remain"
