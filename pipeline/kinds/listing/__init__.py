"""File listings (find, ls -R, ls -l, tree, MCP directory listings): summarised by directory."""
