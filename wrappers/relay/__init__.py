"""``wrap`` over stdio at the message level: JSON-RPC lines pass verbatim, but for the few headroom must touch."""
