"""`python -m mockserver.examples ...`: the same as `mockserver examples ...`."""

from mockserver.examples.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
