"""Plain `st run` for several targets in one process (one start-up of schemathesis instead of one per target):
`python -m tests.st_driver CONFIG SPEC URL... -- ST_RUN_OPTIONS...`, printing `<exit code> <url>` per target.
Nothing of the kit is imported here, so only schemathesis' own checks run, as with the `st` command."""

from __future__ import annotations

import contextlib
import io
import sys

from schemathesis.cli import schemathesis as st


def main(argv: list[str]) -> int:
    config, spec, *rest = argv
    split = rest.index("--") if "--" in rest else len(rest)
    urls, options = rest[:split], rest[split + 1 :]
    for url in urls:
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                code = st.main(["--config-file", config, "run", spec, "--url", url, *options], standalone_mode=False)
        except SystemExit as exit_:  # `st run` ends with sys.exit(code) whatever click is told
            code = exit_.code
        print(f"{code or 0} {url}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
