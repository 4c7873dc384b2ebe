"""Every extracted value points at the exact text it came from: text[start:end] == raw, for every kind."""

from __future__ import annotations

from pathlib import Path

from safeharbor.demo import generate
from safeharbor.extract.run import extract_pending
from safeharbor.ingest import ingest_file
from safeharbor.storage import Store
from safeharbor.storage.reads import extractions_for, iter_ads


def test_every_extraction_kind_points_at_its_text(any_store: Store, tmp_path: Path) -> None:
    summary = generate(tmp_path / "demo", 600, 11, images=False)
    ingest_file(any_store, summary.ads_path)
    extract_pending(any_store)
    kinds_seen: set[str] = set()
    with any_store.connect() as conn:
        for batch in iter_ads(conn):
            found = extractions_for(conn, [a.ad_key for a in batch])
            for ad in batch:
                for e in found.get(ad.ad_key, []):
                    assert ad.field_text(e.field)[e.start : e.end] == e.raw, (e.kind, e)
                    assert e.extractor and e.version
                    kinds_seen.add(e.kind)
    assert kinds_seen >= {"phone", "email", "handle", "age", "name", "price", "city"}
