"""The seeded world both APIs serve: generated from a seed (`generator`), or read from a file and checked (`load`).

Modules: `credentials` (the keys, tokens and ids every world has), `handwritten` (the records every world has),
`vocabulary` (what generated records are drawn from), `clock` (the world's fixed `now` and its timestamp formats),
`draws` (the seeded RNG and Faker pools), `graph` and `klayrai` (each API's side), `generator` (one world from a
seed), `writer` (bytes and the `mockserver world` command).
Only `draws` imports Faker, so `credentials`, `vocabulary` and `clock` are cheap to import.

The default world ships inside the package as `default_world.json`, a copy of the repository's
`fixtures/default_world.json` that the wheel build puts here (a symlink in a checkout)."""

DEFAULT_SEED = 42
DEFAULT_SIZE = 120  # accounts in the large workspace, ws_agency
