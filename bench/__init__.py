"""Benchmarks (run as scripts: bench/bench.py, bench/http_bench.py, ...) and their helpers."""
