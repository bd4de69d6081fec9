"""Upstream MCP connections, the compressing proxy and client registration (see DESIGN.md §5)."""
