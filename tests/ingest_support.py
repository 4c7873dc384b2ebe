"""Helpers for writing small ingest files in tests (synthetic, fictional data only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw


def ad(i: int, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"ad-{i}",
        "source": "example-board",
        "url": f"https://ads.example.com/{i}",
        "posted_at": f"2026-10-{(i % 28) + 1:02d}T12:00:00Z",
        "location": "Dallas, TX",
        "title": f"New in town {i}",
        "body": f"Hi I'm Mia, 21 yrs. Call 214-555-01{i % 100:02d}. Available now.",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, lines: list[dict[str, Any] | str | bytes]) -> Path:
    with open(path, "wb") as fh:
        for line in lines:
            if isinstance(line, dict):
                fh.write(json.dumps(line).encode() + b"\n")
            elif isinstance(line, str):
                fh.write(line.encode() + b"\n")
            else:
                fh.write(line + b"\n")
    return path


def abstract_image(path: Path, seed: int, size: int = 96) -> Path:
    """A generated abstract pattern (never a picture of a person)."""
    img = Image.new("RGB", (size, size), ((seed * 37) % 255, (seed * 91) % 255, (seed * 53) % 255))
    draw = ImageDraw.Draw(img)
    for k in range(6):
        x = (seed * 13 + k * 29) % size
        draw.ellipse(
            (x - 10, k * 14, x + 18, k * 14 + 20), fill=((k * 40) % 255, 200 - k * 20, (seed * k) % 255)
        )
    img.save(path)
    return path
