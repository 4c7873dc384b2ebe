"""The matching step: ad-level indicators over ads' texts and extractions, written as flags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete

from safeharbor.score.catalogue import Indicator
from safeharbor.score.indicators import Hit, match_ad
from safeharbor.score.load import ad_texts, extractions_of
from safeharbor.score.model import ScoringModel
from safeharbor.score.tables import score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store

MATCH_BATCH = 1000
MAX_ALSO = 5  # further spans of one indicator kept per ad


def flag_rows(ad_key: int, hits: dict[str, list[Hit]], model: ScoringModel) -> list[dict[str, Any]]:
    """score_flags rows for one ad's ad-level hits: the first hit is the evidence, a few more are `also`."""
    rows = []
    for indicator, found in hits.items():
        first = found[0]
        rows.append(
            {
                "ad_key": ad_key,
                "indicator": indicator,
                "level": "ad",
                "strength": 1.0,
                "weight": model.weight(indicator),
                "evidence": first.evidence,
                "field": first.field,
                "span_start": first.start,
                "span_end": first.end,
                "note": first.note,
                "also": [[h.field, h.start, h.end] for h in found[1 : 1 + MAX_ALSO] if h.start is not None],
            }
        )
    return rows


def match_ads(
    store: Store, keys: Sequence[int], indicators: Sequence[Indicator], model: ScoringModel
) -> None:
    """(Re-)match these ad-level indicators on these ads, replacing their stored flags."""
    if not keys or not indicators:
        return
    ids = [i.id for i in indicators]
    for chunk in sorted_chunks(keys, MATCH_BATCH):
        with store.begin() as conn:
            found = ad_texts(conn, chunk)
            exts = extractions_of(conn, chunk)
            rows: list[dict[str, Any]] = []
            for ad in found:
                rows.extend(flag_rows(ad.ad_key, match_ad(ad, exts.get(ad.ad_key, []), indicators), model))
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.indicator.in_(ids))
            )
            if rows:
                conn.execute(score_flags.insert(), rows)
