"""Benchmarks (``make bench-import``, ``make bench-linkage``)."""
