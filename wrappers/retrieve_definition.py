"""headroom_retrieve as ``tools/list`` publishes it, written out so the wrapper lists it without pydantic.

Generated from ``retrieve.RetrieveArgs``/``RetrieveOutput``; ``tests/test_wrap_relay.py`` fails when they
drift apart (regenerate with ``python -c "import pprint; from headroom_mcp.wrappers import retrieve;
pprint.pp(retrieve.schema_definition(), width=110, sort_dicts=False)"``).
"""

DEFINITION = {
    "name": "headroom_retrieve",
    "title": "Retrieve compressed-away content",
    "description": "Get back what a [headroom: ... hash=...] marker left out. With `query`, returns only the "
    "matching parts (rows, lines, definitions) with their positions; without it, the exact "
    "original in pages (pass `next_cursor` back as `cursor` for the next page).",
    "inputSchema": {
        "additionalProperties": False,
        "description": "Arguments of headroom_retrieve.",
        "properties": {
            "hash": {"description": "The hash from a [headroom: ...] marker.", "title": "Hash", "type": "string"},
            "query": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "description": "Return only the parts of the original matching this (BM25).",
                "title": "Query",
            },
            "cursor": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "description": "next_cursor of the previous page.",
                "title": "Cursor",
            },
        },
        "required": ["hash"],
        "title": "RetrieveArgs",
        "type": "object",
    },
    "outputSchema": {
        "description": "Structured result of headroom_retrieve (the original, or the matches, are the text blocks).",
        "properties": {
            "hash": {"title": "Hash", "type": "string"},
            "next_cursor": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "description": "Pass as cursor for the next page; null on the last page.",
                "title": "Next Cursor",
            },
            "matches": {
                "anyOf": [{"type": "integer"}, {"type": "null"}],
                "default": None,
                "description": "With a query: how many items match.",
                "title": "Matches",
            },
        },
        "required": ["hash", "next_cursor"],
        "title": "RetrieveOutput",
        "type": "object",
    },
    "annotations": {"title": "Retrieve compressed-away content", "readOnlyHint": True, "openWorldHint": False},
}
