"""Files the package carries at run time, found through `importlib.resources` so that an installed wheel works from
any folder: the contract (`openapi.yaml`) and the embedded default world.

In the repository both live where the mission puts them (`openapi.yaml` at the root, the world in `fixtures/`); the
package holds symlinks to them, and the wheel build copies the real files into the package (pyproject's
`force-include`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def packaged(package: str, name: str) -> Path:
    """The path of a file shipped inside `package` (wheels install unzipped, so it is a real file)."""
    return Path(str(files(package).joinpath(name)))


SPEC_PATH = packaged("mockserver", "openapi.yaml")
DEFAULT_WORLD_PATH = packaged("mockserver.world", "default_world.json")
