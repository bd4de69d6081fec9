"""Registering headroom-mcp with MCP clients: their config formats, edits that keep a file as it was, backups."""
