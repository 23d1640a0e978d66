"""Conformance kit: tests any running implementation of `openapi.yaml` by its base URL."""
