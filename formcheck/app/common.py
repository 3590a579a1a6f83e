"""Small pieces the app shares: logging set-up."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    """Send formcheck's INFO lines (the live frame rate) to the server's stderr, once."""
    logger = logging.getLogger("formcheck")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
