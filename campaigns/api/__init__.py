"""The campaigns REST API."""
