"""Real parts the tests need from the system (Redis, Chromium, Firefox ESR, Node): skipped on a developer's machine
without them, a failure in CI, where .ci/run installs them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Debian's Chromium as Playwright launches it here: as root it has no sandbox to use, and with the background
# networking off it makes no connection of its own (the machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEBIAN_PACKAGE = {"redis-server": "redis-server", "chromium": "chromium", "node": "nodejs", "npm": "npm"}


def require(binary: str) -> str:
    """The path of a real part a test needs (redis-server, chromium, firefox-esr, node, npm). On a developer's machine
    without it the test is skipped with the package to install; in CI (CI=true), where .ci/run installs it, it fails."""
    path = shutil.which(binary)
    if path:
        return path
    package = DEBIAN_PACKAGE.get(binary, binary)
    if os.environ.get("CI"):
        pytest.fail(f"{binary} is missing in CI: .ci/run installs the Debian package {package}")
    pytest.skip(f"{binary} is not installed here (apt-get install {package}); CI installs it and runs this test")


def npm_install(folder: Path) -> None:
    """`npm ci` in `folder` from its lock file, unless node_modules already holds exactly that lock file's packages
    (the Node SDK's, the Firefox driver's and the contract linter's folders under tests/)."""
    npm = require("npm")
    require("node")
    stamp = folder / "node_modules" / ".installed-lock-sha256"
    lock = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == lock:
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"npm ci failed in {folder}:\n{done.stdout}\n{done.stderr}"
    stamp.write_text(lock, encoding="utf-8")
