"""Benchmarks: ``make bench`` (or ``bench/run.py [NAME ...]``); see docs/deployment.md."""
