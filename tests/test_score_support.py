"""Helpers for the score tests: hand-made ads written straight into a real store (no mocks)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from safeharbor.storage.schema import ad_places, ads, extract_state, extractions
from safeharbor.store import Store, open_store


def new_store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "score.db"))


def add_ad(
    store: Store,
    ad_id: str,
    body: str,
    *,
    title: str | None = None,
    posted_at: str = "2026-05-01T10:00:00Z",
    source: str = "test-src",
    phones: list[tuple[str, str]] | None = None,  # (raw as written in the body, E.164)
    ages: list[str] | None = None,  # raw age texts found in the body, e.g. "19"
    names: list[str] | None = None,  # working names as written in the body
    city: tuple[str, str] | None = None,
    extract_version: str = "t1",
) -> int:
    """Insert one ad with extractions whose spans point into its body; returns its ad_key."""
    with store.begin() as conn:
        key = conn.execute(
            ads.insert().values(
                source=source,
                ad_id=ad_id,
                version=1,
                content_hash=hashlib.sha256(f"{source}/{ad_id}/{body}".encode()).hexdigest(),
                posted_at=posted_at,
                location=f"{city[0]}, {city[1]}" if city else None,
                title=title,
                body=body,
                extra={},
                images=[],
                ingested_at=posted_at,
            )
        ).inserted_primary_key[0]
        rows: list[dict[str, Any]] = []

        def span(raw: str, kind: str, value: str) -> None:
            start = body.index(raw)
            rows.append(
                {
                    "ad_key": key,
                    "kind": kind,
                    "value": value,
                    "raw": raw,
                    "field": "body",
                    "span_start": start,
                    "span_end": start + len(raw),
                    "extractor": kind,
                    "version": "t1",
                    "confidence": 1.0,
                    "attrs": {},
                }
            )

        for raw, e164 in phones or []:
            span(raw, "phone", e164)
        for raw in ages or []:
            span(raw, "age", raw)
        for raw in names or []:
            span(raw, "name", raw)
        if rows:
            conn.execute(extractions.insert(), rows)
        conn.execute(
            extract_state.insert().values(ad_key=key, extract_version=extract_version, extracted_at=posted_at)
        )
        if city:
            conn.execute(ad_places.insert().values(ad_key=key, city=city[0], state=city[1], method="test"))
    return int(key)
