"""Whole conversations: the same messages back, tool outputs compressed, prefixes stable, a budget held.

The tool outputs are real recorded runs (``tests/conversations.py``); the
compressed conversations are checked by the Anthropic and OpenAI SDKs' own
request types and sent through their clients to a local transport, offline.
"""

from __future__ import annotations

import json
import subprocess

import anthropic
import httpx2 as httpx
import openai
import pytest
from conftest import headroom_command
from conversations import (
    SYSTEM,
    anthropic_conversation,
    openai_conversation,
    real_turns,
)
from headroom_mcp.pipeline.conversation.align import align_text
from headroom_mcp.pipeline.conversation.compress import (
    compress_messages,
    conversation_tokens,
)
from headroom_mcp.pipeline.markers import find_keys
from headroom_mcp.pipeline.retrieval import retrieve
from headroom_mcp.pipeline.store import MemoryStore
from pydantic import TypeAdapter
from test_serve_stdio import serve

QUESTION = "Why do the tests fail, and which commit touched count_tokens?"


@pytest.fixture(scope="module")
def turns():
    return real_turns()


@pytest.fixture(scope="module", params=["anthropic", "openai"])
def conversation(request, turns):
    """``(format, messages, system)`` for each format."""
    if request.param == "anthropic":
        return request.param, anthropic_conversation(turns, QUESTION), SYSTEM
    return request.param, openai_conversation(turns, QUESTION), None


def _shape(messages):
    """Roles, ids, pairings and user text: everything but tool outputs and the (aligned) system prompt."""
    out = []
    for message in messages:
        content = message.get("content")
        blocks = (
            [{k: v for k, v in block.items() if k != "content"} for block in content]
            if isinstance(content, list)
            else ("<text>" if message.get("role") in ("tool", "system") else content)
        )
        out.append((message["role"], message.get("tool_call_id"), json.dumps(message.get("tool_calls")), blocks))
    return out


def _outputs(messages):
    """The tool output texts, in order."""
    found = []
    for message in messages:
        if message["role"] == "tool":
            found.append(message["content"])
        elif isinstance(message["content"], list):
            found += [block["content"] for block in message["content"] if block.get("type") == "tool_result"]
    return found


def test_the_same_conversation_comes_back_with_its_tool_outputs_compressed(conversation):
    _, messages, system = conversation
    store = MemoryStore()
    result = compress_messages(messages, store=store, system=system)
    assert _shape(result.messages) == _shape(messages)
    for before, after in zip(messages, result.messages, strict=True):
        if before["role"] == "user" and isinstance(before["content"], str):
            assert after["content"] == before["content"]
    originals, compressed = _outputs(messages), _outputs(result.messages)
    assert sum(a != b for a, b in zip(originals, compressed, strict=True)) >= len(originals) - 1
    for original, text in zip(originals, compressed, strict=True):
        if text != original:
            keys = find_keys(text)
            assert keys and "".join(retrieve(keys[-1], store=store).blocks) != ""
    assert result.tokens_after < result.tokens_before * 0.3
    assert result.tokens_saved == result.tokens_before - result.tokens_after
    assert {detail.kind for detail in result.details} >= {"log", "json", "search"}


def test_compressing_the_first_k_messages_gives_the_first_k_of_the_whole(conversation):
    _, messages, system = conversation
    whole = compress_messages(messages, store=MemoryStore(), system=system)
    for k in range(1, len(messages) + 1):
        part = compress_messages(messages[:k], store=MemoryStore(), system=system)
        assert part.messages == whole.messages[:k], k
        assert part.system == whole.system


def test_two_system_prompts_differing_in_a_timestamp_and_a_uuid_share_all_their_static_text():
    other = SYSTEM.replace("2026-12-03T07:45:12Z", "2026-12-04T19:02:55Z").replace(
        "5b0c7a9e-2f1d-4c3b-9a8e-6d5f4e3c2b1a", "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
    )
    first, second = align_text(SYSTEM), align_text(other)
    common = 0
    while common < min(len(first), len(second)) and first[common] == second[common]:
        common += 1
    static = SYSTEM.replace("2026-12-03T07:45:12Z", "").replace("5b0c7a9e-2f1d-4c3b-9a8e-6d5f4e3c2b1a", "")
    assert "Run tools to answer; quote file paths and line numbers exactly." in first[:common]
    assert len(first[:common]) >= len(static)
    assert "2026-12-03T07:45:12Z" in first and "5b0c7a9e-2f1d-4c3b-9a8e-6d5f4e3c2b1a" in first


def test_the_system_prompt_is_aligned_in_both_formats_and_user_text_is_never_touched(conversation):
    name, messages, system = conversation
    result = compress_messages(messages, store=MemoryStore(), system=system)
    prompt = result.system if name == "anthropic" else result.messages[0]["content"]
    assert prompt == align_text(SYSTEM) and "cache:align" in result.transforms_applied
    assert compress_messages(messages, store=MemoryStore(), system=system, align_cache=False).system == system


def test_a_budget_of_30_percent_is_met_the_last_message_kept_and_every_marker_retrievable(conversation):
    _, messages, system = conversation
    whole = compress_messages(messages, store=MemoryStore(), system=system)
    # 30% of the conversation, and half of what plain compression reaches, so the budget has work to do.
    for budget in (int(conversation_tokens(messages, system) * 0.3), int(whole.tokens_after * 0.5)):
        store = MemoryStore()
        result = compress_messages(messages, store=store, system=system, max_tokens=budget)
        assert result.tokens_after <= budget * 1.05, (result.tokens_after, budget, result.diagnostics)
        assert result.messages[-1] == messages[-1]
        assert _shape(result.messages) == _shape(messages)
    assert "budget:replaced" in result.transforms_applied or "budget:harder" in result.transforms_applied
    for text in _outputs(result.messages):
        for key in find_keys(text):
            assert store.get(key) is not None, key
    replaced = [text for text in _outputs(result.messages) if "left out to fit the conversation's budget" in text]
    originals = {conversation_tokens([{"role": "tool", "content": t}]): t for t in _outputs(messages)}
    for text in replaced:
        key = find_keys(text)[0]
        assert store.get(key).content in originals.values()


def test_the_sdks_accept_the_compressed_conversations_offline():
    turns = real_turns()
    store = MemoryStore()
    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        if request.url.path.endswith("/messages"):
            body = {
                "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-test",
                "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            }  # fmt: skip
        else:
            body = {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "gpt-test",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            }  # fmt: skip
        return httpx.Response(200, json=body)

    transport = httpx.MockTransport(answer)
    claude = compress_messages(anthropic_conversation(turns, QUESTION), store=store, system=SYSTEM)
    messages = claude.messages[:-1]  # a request ends with the user's turn
    TypeAdapter(list[anthropic.types.MessageParam]).validate_python(messages)
    client = anthropic.Anthropic(api_key="offline", http_client=httpx.Client(transport=transport))
    client.messages.create(model="claude-test", max_tokens=64, system=claude.system, messages=messages)
    gpt = compress_messages(openai_conversation(turns, QUESTION), store=store)
    chat = gpt.messages[:-1]
    TypeAdapter(list[openai.types.chat.ChatCompletionMessageParam]).validate_python(chat)
    client = openai.OpenAI(api_key="offline", http_client=httpx.Client(transport=transport))
    client.chat.completions.create(model="gpt-test", messages=chat)
    assert sent[0]["messages"] == json.loads(json.dumps(messages)) and sent[0]["system"] == claude.system
    assert sent[1]["messages"] == json.loads(json.dumps(chat))


@pytest.mark.anyio
async def test_headroom_compress_takes_messages_over_stdio(cli_env):
    messages = openai_conversation(real_turns()[:3], QUESTION)
    async with serve(cli_env) as client:
        result = await client.call_tool("headroom_compress", {"messages": messages})
        both = await client.call_tool("headroom_compress", {"messages": messages, "content": "x"})
    assert not result.is_error, result.content
    structured = result.structured_content
    assert json.loads(result.content[0].text)["messages"] == structured["messages"]
    assert [m["role"] for m in structured["messages"]] == [m["role"] for m in messages]
    assert structured["tokens_after"] < structured["tokens_before"] and structured["tokens_saved"] > 0
    assert len(structured["details"]) == 3
    assert both.is_error and "exactly one of content or messages" in both.content[0].text


def test_cli_compresses_a_conversation_file(cli_env, tmp_path):
    path = tmp_path / "conversation.json"
    path.write_text(json.dumps({"system": SYSTEM, "messages": anthropic_conversation(real_turns()[:2], QUESTION)}))
    done = subprocess.run(
        [*headroom_command(), "compress", "--messages", str(path)], env=cli_env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["system"] == align_text(SYSTEM) and len(out["messages"]) == 6
    assert b"headroom-mcp: messages: " in done.stderr


def test_the_library_face_takes_a_conversation_too():
    from headroom_mcp import compress, compress_messages

    messages = openai_conversation(real_turns()[:2], QUESTION)
    result = compress_messages(messages)
    assert compress(messages) == result.messages and result.tokens_saved > 0


def test_a_callers_query_steers_every_output_as_well():
    messages = anthropic_conversation(real_turns()[3:4], "What was the weather like?")
    plain = compress_messages(messages, store=MemoryStore())
    asked = compress_messages(messages, store=MemoryStore(), query="2013/05/17")
    assert "2013/05/17" not in _outputs(plain.messages)[0]
    assert "2013/05/17" in _outputs(asked.messages)[0]
    from headroom_mcp import compress_messages as library

    assert library(messages, query="2013/05/17").messages == asked.messages
