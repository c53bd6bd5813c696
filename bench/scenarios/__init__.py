"""One module per scenario: ``NAME``, ``DESCRIPTION`` and ``run() -> dict`` (see bench/run.py)."""
