"""The compression library: detect → route → compress → mark → store. No MCP imports here."""
