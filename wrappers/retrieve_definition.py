"""headroom_retrieve as ``tools/list`` publishes it, written out so the wrapper lists it without pydantic.

Every wrapped server's ``tools/list`` carries it, and clients send tool lists
to the model on every turn: it is kept under 120 tokens (o200k, as
``json.dumps`` writes it; it was 436 with titles, nullable types and an
output schema). What the model needs stays: when to call it (a marker left
something out), ``hash``, ``query`` and paging with ``cursor``. The output
is still ``RetrieveOutput`` in ``structuredContent``; without an output
schema clients accept it unvalidated. ``tests/test_wrap_relay.py`` holds it
to ``retrieve.RetrieveArgs``.
"""

DEFINITION = {
    "name": "headroom_retrieve",
    "description": "Get back what a [headroom: … hash=…] marker left out: with query, only the matching parts, "
    "best first; without, the exact original in pages (pass next_cursor as cursor).",
    "inputSchema": {
        "type": "object",
        "properties": {"hash": {"type": "string"}, "query": {"type": "string"}, "cursor": {"type": "string"}},
        "required": ["hash"],
    },
    "annotations": {"readOnlyHint": True},
}
