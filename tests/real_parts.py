"""Real parts the tests need from the system (Redis, Chromium, Node): skipped on a developer's machine without them,
a failure in CI, where .ci/run installs them."""

from __future__ import annotations

import os
import shutil

import pytest

DEBIAN_PACKAGE = {"redis-server": "redis-server", "chromium": "chromium", "node": "nodejs", "npm": "npm"}


def require(binary: str) -> str:
    """The path of a real part a test needs (redis-server, chromium, node, npm). On a developer's machine without it
    the test is skipped with the package to install; in CI (CI=true), where .ci/run installs it, it fails."""
    path = shutil.which(binary)
    if path:
        return path
    package = DEBIAN_PACKAGE.get(binary, binary)
    if os.environ.get("CI"):
        pytest.fail(f"{binary} is missing in CI: .ci/run installs the Debian package {package}")
    pytest.skip(f"{binary} is not installed here (apt-get install {package}); CI installs it and runs this test")
