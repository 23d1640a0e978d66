"""`python -m mockserver serve ...`: see `mockserver.cli`."""

from mockserver.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
