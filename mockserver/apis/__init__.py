"""The two APIs the mock serves, one subpackage each, driven by the pipeline through the `Api` protocol (api.py)."""
