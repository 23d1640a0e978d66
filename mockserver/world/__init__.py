"""The seeded world both APIs serve: generated from a seed (`generator`), or read from a file and checked (`load`).

The default world ships inside the package as `default_world.json`, a copy of the repository's
`fixtures/default_world.json` that the wheel build puts here (a symlink in a checkout)."""
