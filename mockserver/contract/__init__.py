"""The contract, openapi.yaml: loaded once (spec), its parameters parsed (params), answers checked (validation) and
schema-valid values drawn from it (dynamic)."""
