"""Where the bundled templates and sample studies are: inside the package, found through
importlib.resources, so a wheel or `pipx install .` runs as a clone does. In a clone,
`reporter/templates` and `reporter/data` are links to the top-level folders the project
keeps them in; resolving them gives the same paths as before."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_PACKAGE = Path(str(resources.files("reporter")))
TEMPLATES = (_PACKAGE / "templates").resolve()
DATA = (_PACKAGE / "data").resolve()
DEFAULT_CONFIG = DATA / "zhejiang_hightech.toml"
