"""Content kinds, one folder each: its detector, its compressor and their helpers.

A kind never imports another kind; what two kinds share lives above this
folder (``sampling``, ``tokens``, ``patches``).
"""
