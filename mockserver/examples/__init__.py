"""`mockserver examples`: example payloads for every operation and every documented response of the contract.

Three sources, one tree `<operationId>/<status>/<name>.<ext>` (or one document on stdout):

* realistic (plain names, `realistic`): what the mock, run in-process on the seeded world (`probe`), actually
  answers to real requests;
* contract (`contract_<name>`, `documented`): the contract's own named examples, verbatim;
* edge (`edge_<name>`, `edges`): boundary payloads built from the contract's own bounds and enums, with the other
  fields drawn by hypothesis (`drawing`) and then made to respect the invariants a schema cannot state
  (`klayrai_edges`, `graph_edges`).

Every payload is validated against the schema of its operation and status before anything is written (`cli`). The
output depends only on the arguments:
* the world's timestamps are the world's own, and the mock's rate-limit clock is frozen at the world's `now`, so
  `Retry after N seconds` does not depend on the wall clock;
* the mock's per-request ids (`error.request_id`, `error.fbtrace_id`) are replaced by ids derived from the
  payload's `<operationId>/<status>/<name>` (a SHA-256), so they do not depend on which requests ran before;
* edge payloads take their drawn values from a few per schema and operation, drawn once with a hypothesis seed
  derived from `--seed` and the operation, and pick among them with an RNG seeded by `--seed` and their own name,
  so a payload is the same whatever `--operation`/`--kind` selects.
"""
