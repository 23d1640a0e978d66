"""`python -m conformance run --base-url URL`: see `conformance.cli`."""

from conformance.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
