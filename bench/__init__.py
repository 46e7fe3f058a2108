"""Benchmarks. Run `make bench` (or `python -m bench NAME`); results are recorded in docs/benchmarks.md."""
