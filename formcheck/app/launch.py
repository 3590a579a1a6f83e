"""How `formcheck app` starts Streamlit on the packaged script, from any working directory.

Streamlit looks for .streamlit/config.toml only in the working directory (and the user's home),
which an installed package cannot rely on: the packaged settings are passed as command-line flags.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the `toml` package Streamlit itself depends on
    import toml as tomllib  # type: ignore[no-redef]

APP_DIR = Path(str(files("formcheck.app")))
SCRIPT = APP_DIR / "main.py"
CONFIG = APP_DIR / "config.toml"


def config_flags(config: Path = CONFIG) -> list[str]:
    """`--section.option=value` for every setting in a Streamlit config.toml."""
    text = config.read_text(encoding="utf-8")
    settings: dict[str, dict[str, Any]] = tomllib.loads(text)
    return [
        f"--{section}.{key}={_flag_value(value)}"
        for section, options in settings.items()
        for key, value in options.items()
    ]


def _flag_value(value: Any) -> str:
    # Streamlit parses flags as TOML-ish scalars: booleans lower-case.
    return str(value).lower() if isinstance(value, bool) else str(value)


def streamlit_command(port: int) -> list[str]:
    """The command line that serves the app on `port`."""
    return [sys.executable, "-m", "streamlit", "run", str(SCRIPT), *config_flags(), f"--server.port={port}"]
