"""The matching step: ad-level indicators over ads' texts and extractions, written as flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, delete

from safeharbor.score.catalogue import Indicator
from safeharbor.score.indicators import Hit, match_ad
from safeharbor.score.load import ad_texts, extractions_of
from safeharbor.score.model import ScoringModel
from safeharbor.score.tables import score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store, open_store

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


FlagRows = list[dict[str, Any]]
# Runs `match_rows_in_worker` over batches of ad keys, yielding each batch's flag rows in batch order: in
# this process by default; the Spark engine (safeharbor.spark) passes its own.
MatchRunner = Callable[[Store, list[list[int]], Sequence[Indicator], ScoringModel], Iterator[FlagRows]]


def match_rows(
    conn: Connection, keys: Sequence[int], indicators: Sequence[Indicator], model: ScoringModel
) -> FlagRows:
    """The flag rows of these ads for these indicators (reads the ads, computes; writes nothing)."""
    found = ad_texts(conn, keys)
    exts = extractions_of(conn, keys)
    rows: FlagRows = []
    for ad in found:
        rows.extend(flag_rows(ad.ad_key, match_ad(ad, exts.get(ad.ad_key, []), indicators), model))
    return rows


_worker_stores: dict[str, Store] = {}


def match_rows_in_worker(
    db_url: str, keys: Sequence[int], indicators: Sequence[Indicator], model: ScoringModel
) -> FlagRows:
    """match_rows in another process (a Spark executor): it opens the store itself, once."""
    store = _worker_stores.get(db_url)
    if store is None:
        store = _worker_stores[db_url] = open_store(db_url, migrations=())
    with store.connect() as conn:
        return match_rows(conn, keys, indicators, model)


def _match_here(
    store: Store, batches: list[list[int]], indicators: Sequence[Indicator], model: ScoringModel
) -> Iterator[FlagRows]:
    for chunk in batches:
        with store.connect() as conn:
            yield match_rows(conn, chunk, indicators, model)


def match_ads(
    store: Store,
    keys: Sequence[int],
    indicators: Sequence[Indicator],
    model: ScoringModel,
    runner: MatchRunner | None = None,
) -> None:
    """(Re-)match these ad-level indicators on these ads, replacing their stored flags."""
    if not keys or not indicators:
        return
    ids = [i.id for i in indicators]
    batches = [list(chunk) for chunk in sorted_chunks(keys, MATCH_BATCH)]
    results = (runner or _match_here)(store, batches, indicators, model)
    for chunk, rows in zip(batches, results, strict=True):
        with store.begin() as conn:
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.indicator.in_(ids))
            )
            if rows:
                conn.execute(score_flags.insert(), rows)
