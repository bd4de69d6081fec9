"""Compressors, one module per content kind, each following ``contract.Compressor``."""
