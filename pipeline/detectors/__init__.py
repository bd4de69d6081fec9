"""Shape detectors: one module per content kind, each a :class:`~headroom_mcp.pipeline.contract.Detector`."""
