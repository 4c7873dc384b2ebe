"""Log-odds helpers with no heavy imports, for readers that turn stored log-odds into 0..1 values.

Kept apart from model.py (which imports scipy and scikit-learn for fitting) so that query modules can
use them without pulling in the fitting stack, and without an import cycle.
"""

from __future__ import annotations

import math


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
