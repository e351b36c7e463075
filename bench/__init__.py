"""Benchmarks that start the real stack on this machine; see docs/PERFORMANCE.md."""
