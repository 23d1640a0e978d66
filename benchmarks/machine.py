"""The machine and the code a run measured: CPU, cores, memory, Python, server and tool versions, load, commit."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.targets import CACHE, PYTHON, ROOT, SPEC


def code_version() -> dict[str, str]:
    """The commit, and a digest of the code under test (mockserver/, fixtures/, openapi.yaml) as it is on disk."""
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("mockserver/**/*.py"), *ROOT.glob("fixtures/**/*"), SPEC]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "mockserver", "fixtures", "openapi.yaml"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (+ uncommitted changes)" if dirty else ""
    return {"commit": commit, "digest": digest.hexdigest()[:12]}


def machine_info() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    probe = (
        "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in "
        "('granian','uvicorn','uvloop','httptools','starlette','connexion','jsonschema-rs') "
        "if __import__('importlib.util').util.find_spec(n.replace('-', '_'))}))"
    )
    with contextlib.suppress(Exception):
        versions = json.loads(subprocess.run([str(PYTHON), "-c", probe], capture_output=True, text=True).stdout)
    node = ""
    with contextlib.suppress(Exception):
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    prism_version = ""
    with contextlib.suppress(Exception):
        pkg = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
        prism_version = json.loads(pkg.read_text())["version"]
    wrk_version = ""
    with contextlib.suppress(Exception):
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1]
    memory_kb = 0
    with contextlib.suppress(OSError, IndexError, ValueError):
        memory_kb = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": subprocess.run([str(PYTHON), "--version"], capture_output=True, text=True).stdout.strip(),
        "platform": platform.platform(),
        "packages": versions,
        "node": node,
        "prism": prism_version,
        "wrk": wrk_version,
        "loadavg_start": os.getloadavg(),
        "code_start": code_version(),
    }
