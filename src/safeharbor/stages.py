"""Optional stages: linking and scoring plug into analyze/export when their packages are present.

This keeps the foundation usable on its own and lets each later stage land without editing it.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def optional(name: str) -> ModuleType | None:
    """Import a stage module if it exists; a missing stage is None, any other import error is raised."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise
