"""A 30-turn agent conversation in both formats: tokens before and after, time per call, prefix stability.

Run: .venv/bin/python benchmarks/conversation.py

The tool outputs are the real recorded runs of ``tests/conversations.py``,
cycled to 30 turns. Each call compresses the whole conversation so far, as an
agent would before every model call; the store is shared, as it is in use.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conversations import (  # noqa: E402
    SYSTEM,
    anthropic_conversation,
    openai_conversation,
    real_turns,
)
from headroom_mcp.pipeline.conversation.compress import (  # noqa: E402
    compress_messages,
    forget_compressions,
)
from headroom_mcp.pipeline.store import MemoryStore  # noqa: E402
from headroom_mcp.pipeline.tokens import count_tokens  # noqa: E402

TURNS = 30
QUESTION = "Why do the tests fail, and which commit touched count_tokens?"


def run(name: str, messages: list, system: object) -> None:
    store = MemoryStore()
    count_tokens("warm up")
    forget_compressions()
    started = time.perf_counter()
    compress_messages(messages, store=MemoryStore(), system=system)
    cold = time.perf_counter() - started
    forget_compressions()
    timings, whole = [], None
    for end in range(2, len(messages) + 1):
        started = time.perf_counter()
        whole = compress_messages(messages[:end], store=store, system=system)
        timings.append(time.perf_counter() - started)
    assert whole is not None
    stable = all(
        compress_messages(messages[:k], store=store, system=system).messages == whole.messages[:k]
        for k in range(1, len(messages) + 1)
    )
    budget = compress_messages(messages, store=store, system=system, max_tokens=int(whole.tokens_before * 0.05))
    print(
        f"{name:<9} {len(messages):>3} messages  {whole.tokens_before:>9,} → {whole.tokens_after:>7,} tokens "
        f"({whole.tokens_saved / whole.tokens_before:.1%} saved)  cold: {cold * 1000:.0f} ms  per call: median "
        f"{statistics.median(timings) * 1000:.0f} ms, last {timings[-1] * 1000:.0f} ms  prefix-stable: {stable}  "
        f"5% budget → {budget.tokens_after:,} tokens ({', '.join(budget.transforms_applied[-2:])})"
    )


def main() -> None:
    turns = [real_turns()[i % 8] for i in range(TURNS)]
    run("anthropic", anthropic_conversation(turns, QUESTION), SYSTEM)
    run("openai", openai_conversation(turns, QUESTION), None)
    print("tokens: o200k_base (a stand-in for Claude's tokenizer)")


if __name__ == "__main__":
    main()
