"""The matching step: ad-level indicators over ads' texts and extractions, written as flags.

`match_rows` is the compute step for one batch of ads (it reads them, matches, writes nothing) and
returns finished rows; the writer only writes. With enough ads the batches are matched by the worker
pool (storage.workers), two processes reading the store (WAL: readers never block the writer) while
this process writes the previous batches' rows, as extraction does; the Spark engine passes its own
runner of the same function.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, delete

from safeharbor.score.catalogue import Indicator
from safeharbor.score.indicators import Hit, Prepared, match_prepared, prepare
from safeharbor.score.load import KINDS, ad_texts, extractions_of
from safeharbor.score.model import ScoringModel
from safeharbor.score.review_text import DETECTOR as TEXT_DETECTOR
from safeharbor.score.review_text import MASKED_KINDS
from safeharbor.score.tables import score_flags
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store, bulk_insert, open_store
from safeharbor.storage.workers import worker_pool

MATCH_BATCH = 2500  # ads per read, per worker task and per write transaction
PARALLEL_FROM = 4000  # ads; below this a worker pool costs more than it saves
MAX_ALSO = 5  # further spans of one indicator kept per ad
FLAG_COLUMNS = ("ad_key", "indicator", "level", "strength", "weight", "evidence", "field", "span_start",
                "span_end", "note", "also")  # fmt: skip

# score_flags rows as tuples in FLAG_COLUMNS order, `also` as JSON text (plain values for bulk_insert).
FlagRows = list[tuple[Any, ...]]
# Runs `match_rows_in_worker` over batches of ad keys, yielding each batch's flag rows in batch order: the
# local worker pool by default; the Spark engine (safeharbor.spark) passes its own.
MatchRunner = Callable[[Store, list[list[int]], Sequence[Indicator], ScoringModel], Iterator[FlagRows]]


def flag_rows(ad_key: int, hits: dict[str, list[Hit]], model: ScoringModel) -> FlagRows:
    """score_flags rows for one ad's ad-level hits: the first hit is the evidence, a few more are `also`."""
    rows: FlagRows = []
    for indicator, found in hits.items():
        first = found[0]
        also = [[h.field, h.start, h.end] for h in found[1 : 1 + MAX_ALSO] if h.start is not None]
        rows.append(
            (ad_key, indicator, "ad", 1.0, model.weight(indicator), first.evidence, first.field, first.start,
             first.end, first.note, json.dumps(also))
        )  # fmt: skip
    return rows


def _kinds_for(prepared: Prepared) -> tuple[str, ...]:
    """The extraction kinds these indicators read: the review-learned text model also needs the ones it
    leaves out of an ad's words (names, places, contacts), the same kinds it was trained without."""
    if any(indicator.detector == TEXT_DETECTOR for indicator, _ in prepared):
        return tuple(sorted(set(KINDS) | MASKED_KINDS))
    return KINDS


def match_rows(
    conn: Connection, keys: Sequence[int], indicators: Sequence[Indicator], model: ScoringModel
) -> FlagRows:
    """The flag rows of these ads for these indicators (reads the ads, computes; writes nothing)."""
    found = ad_texts(conn, keys)
    prepared = prepare(indicators)
    exts = extractions_of(conn, keys, _kinds_for(prepared))
    rows: FlagRows = []
    for ad in found:
        rows.extend(flag_rows(ad.ad_key, match_prepared(ad, exts.get(ad.ad_key, []), prepared), model))
    return rows


_worker_stores: dict[str, Store] = {}


def match_rows_in_worker(
    db_url: str, keys: Sequence[int], indicators: Sequence[Indicator], model: ScoringModel
) -> FlagRows:
    """match_rows in another process (a pool worker, a Spark executor): it opens the store itself, once."""
    store = _worker_stores.get(db_url)
    if store is None:
        store = _worker_stores[db_url] = open_store(db_url, migrations=())
    with store.connect() as conn:
        return match_rows(conn, keys, indicators, model)


def _match_local(
    store: Store, batches: list[list[int]], indicators: Sequence[Indicator], model: ScoringModel
) -> Iterator[FlagRows]:
    """Flag rows per batch: matched by two worker processes when there are many ads, else here."""
    workers = min(2, os.cpu_count() or 1) if sum(map(len, batches)) >= PARALLEL_FROM else 0
    if workers <= 1 or not store.backend.supports_worker_processes:
        for chunk in batches:
            with store.connect() as conn:
                yield match_rows(conn, chunk, indicators, model)
        return
    wanted = list(indicators)
    with worker_pool(workers) as pool:
        pending = []
        for chunk in batches:  # bounded look-ahead: memory stays flat however many ads
            pending.append(pool.submit(match_rows_in_worker, store.url, chunk, wanted, model))
            if len(pending) > workers * 2:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


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
    results = (runner or _match_local)(store, batches, indicators, model)
    for chunk, rows in zip(batches, results, strict=True):
        with store.begin() as conn:
            conn.execute(
                delete(score_flags).where(score_flags.c.ad_key.in_(chunk), score_flags.c.indicator.in_(ids))
            )
            bulk_insert(conn, score_flags, FLAG_COLUMNS, rows)
