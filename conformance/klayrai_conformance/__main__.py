"""`python -m klayrai_conformance run --base-url URL`: see `klayrai_conformance.cli`."""

from klayrai_conformance.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
