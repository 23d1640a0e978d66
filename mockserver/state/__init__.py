"""The mock's mutable state: one interface (`interface`), one set of decisions (`decisions`, pure), two stores
that keep and count (`memory`, the default; `redis`, shared by many processes, with `redis_link`,
`redis_journal` and the Lua primitives of `scripts`), and the local views every process reads without I/O
(`store`, `scenarios`, `limits`, `journal`, `cache`)."""
