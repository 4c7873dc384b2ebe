"""Helpers for the link tests: small hand-built corpora pushed through the real ingest and extraction.

Synthetic, fictional data only: 555-01xx phones, example.com addresses, made-up words and names.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeharbor.extract.run import extract_pending
from safeharbor.ingest import ingest_file
from safeharbor.link.queries import networks_for_ads
from safeharbor.link.run import LinkSummary, update_networks
from safeharbor.storage import Store
from safeharbor.storage.schema import ads

CITIES = [
    ("Dallas", "TX", "214"),
    ("Houston", "TX", "713"),
    ("Austin", "TX", "512"),
    ("Atlanta", "GA", "404"),
    ("Miami", "FL", "305"),
    ("Denver", "CO", "303"),
    ("Chicago", "IL", "312"),
    ("Seattle", "WA", "206"),
    ("Boston", "MA", "617"),
    ("Phoenix", "AZ", "602"),
    ("Detroit", "MI", "313"),
    ("Portland", "OR", "503"),
    ("Nashville", "TN", "615"),
    ("Memphis", "TN", "901"),
    ("Tampa", "FL", "813"),
]
NAMES = ["Mia", "Jade", "Roxy", "Candy", "Lexi", "Bella", "Nova", "Ivy", "Skye", "Luna", "Ruby", "Zoe"]
SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "qui", "zel", "pra", "dun", "sor", "bel", "fin", "gor"]

BASE = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def made_up_words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(n)]


def operator_text(seed: int) -> list[str]:
    """A distinctive 'template' of made-up words for one operator (shared by its ads)."""
    return made_up_words(random.Random(seed), 24)


def ad_record(
    source_id: str, day: float, city: tuple[str, str, str], body: str, **extra: Any
) -> dict[str, Any]:
    record = {
        "id": source_id,
        "source": "board-example",
        "posted_at": (BASE + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "location": f"{city[0]}, {city[1]}",
        "title": f"New in {city[0]}",
        "body": body,
    }
    record.update(extra)
    return record


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return path


def load(store: Store, path: Path, *, link: bool = True) -> LinkSummary | None:
    ingest_file(store, path, workers=0)
    extract_pending(store, workers=0)
    return update_networks(store) if link else None


def partition(store: Store) -> set[frozenset[str]]:
    """Networks as sets of 'source:id' (ads standing alone are left out)."""
    with store.connect() as conn:
        keys = {k: f"{s}:{i}" for k, s, i in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id))}
        nets = networks_for_ads(conn, list(keys))
    groups: dict[str, set[str]] = {}
    for key, net in nets.items():
        groups.setdefault(net, set()).add(keys[key])
    return {frozenset(g) for g in groups.values()}


def key_of(store: Store, ad_id: str) -> int:
    with store.connect() as conn:
        return int(
            conn.execute(
                select(ads.c.ad_key).where(ads.c.ad_id == ad_id).order_by(ads.c.version.desc()).limit(1)
            ).scalar_one()
        )
