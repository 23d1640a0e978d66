"""The contract, openapi.yaml: loaded once (spec), compiled once into one table by operationId (operations: routes,
parameter parsers, credentials, documented responses and examples, registered behaviour), its parameters parsed
(params), answers checked (validation) and schema-valid values drawn from it (dynamic)."""
