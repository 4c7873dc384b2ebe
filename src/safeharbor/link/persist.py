"""Writing a link run's results: only the rows that changed.

A run derives the whole graph (text edges, image pairs, cuts, networks), but from one run to the next
almost all of it stays the same: 1,000 new ads on 100k change a few thousand of ~250k rows. Rewriting
only the differences keeps an incremental run's write cost proportional to what changed, keeps
`updated_at` meaningful (the last run that changed the network), and tells which network records
(`link_network_summary`) are stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, delete, select

from safeharbor.link import bridges, images
from safeharbor.link.tables import (
    link_ad_network,
    link_cuts,
    link_image_groups,
    link_image_pairs,
    link_network_summary,
    link_networks,
    link_state,
    link_template_edges,
    link_text_edges,
)
from safeharbor.link.text.index import TextEdge
from safeharbor.storage.backends import backend_of
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import bulk_insert
from safeharbor.storage.reads import format_time

INSERT_BATCH = 20000


@dataclass(frozen=True, slots=True)
class Graph:
    """Everything a run derived, keyed by ad key (not corpus position)."""

    edges: Sequence[TextEdge]
    pairs: Sequence[images.ImagePair]
    group_of: dict[str, str]
    cuts: Sequence[bridges.Cut]
    groups: Sequence[Sequence[int]]  # ad keys of each network
    ids: Sequence[str]
    posted_at: dict[int, str]
    posting: dict[int, int]
    idents: dict[tuple[str, str], list[int]]  # identifier -> ad keys
    template_edges: Sequence[tuple[int, int, float, int, int]] = ()  # ad_a, ad_b, score, shared, cities
    confidence: dict[str, tuple[float, str]] = field(default_factory=dict)  # network -> weakest join


def _insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    for batch in chunks(rows, INSERT_BATCH):
        bulk_insert(conn, table, columns, batch)


def _sync(
    conn: Connection,
    table: Table,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    new: dict,
    differing: set[tuple[Any, ...]] | None = None,
) -> int:
    """Make `table` hold exactly `new` ({key tuple: value tuple}); returns rows written. `differing`,
    when given, receives the keys of the rows added, dropped or changed."""
    old = {
        tuple(row[: len(key_columns)]): tuple(row[len(key_columns) :])
        for row in conn.execute(select(*(table.c[c] for c in (*key_columns, *value_columns)))).all()
    }
    stale = [k for k, v in old.items() if new.get(k) != v]
    fresh = [(*k, *v) for k, v in new.items() if old.get(k) != v]
    if differing is not None:
        differing.update(stale)
        differing.update(k for k, v in new.items() if old.get(k) != v)
    backend_of(conn).delete_by_keys(conn, table, key_columns, stale)
    _insert(conn, table, (*key_columns, *value_columns), fresh)
    return len(fresh)


def _sync_sorted(
    conn: Connection,
    table: Table,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    new_rows: Iterable[tuple[Any, ...]],
    touched: set[int] | None = None,
) -> int | None:
    """`_sync` for the large tables with integer keys (text edges, ad -> network): `new_rows` are
    (*key, *value) tuples in ascending key order, keys unique. The stored rows are read in key order and
    merged with them, so only the rows that differ are held, not two dicts of the whole table (at 1.15M
    ads, 6.7M text edges: 2.8 -> 6.7 GB while writing). A table with nothing stored yet (the first run)
    is filled straight from `new_rows`, in batches. `touched`, when given, receives every value in the
    key columns of the rows added, dropped or changed (for text edges: their ads; ints, not key tuples,
    so that a run that changes every edge holds one int per ad, not a tuple per edge); returns None
    instead of a count when the table was empty (then every row is new, and none are listed)."""
    k = len(key_columns)
    columns = (*key_columns, *value_columns)
    if conn.execute(select(table.c[key_columns[0]]).limit(1)).first() is None:
        written = 0
        rows = iter(new_rows)
        while batch := list(islice(rows, INSERT_BATCH)):
            bulk_insert(conn, table, columns, batch)
            written += len(batch)
        return None if touched is not None else written
    stored = conn.execute(select(*(table.c[c] for c in columns)).order_by(*(table.c[c] for c in key_columns)))
    stale: list[tuple[Any, ...]] = []
    fresh: list[tuple[Any, ...]] = []
    old = next(stored, None)
    for row in new_rows:
        key = row[:k]
        while old is not None and tuple(old[:k]) < key:  # stored, no longer derived
            stale.append(tuple(old[:k]))
            old = next(stored, None)
        if old is not None and tuple(old[:k]) == key:
            if tuple(old[k:]) != row[k:]:  # same key, new values
                stale.append(key)
                fresh.append(row)
            old = next(stored, None)
        else:
            fresh.append(row)
    while old is not None:
        stale.append(tuple(old[:k]))
        old = next(stored, None)
    if touched is not None:
        touched.update(value for key in stale for value in key)
        touched.update(value for row in fresh for value in row[:k])
    backend_of(conn).delete_by_keys(conn, table, key_columns, stale)
    _insert(conn, table, columns, fresh)
    return len(fresh)


def _text_edge_rows(edges: Sequence[TextEdge]) -> Iterator[tuple[int, int, float, int]]:
    """The text edges as (ad_a, ad_b, similarity, shared) rows in key order, without a sorted copy of them
    (an index order from numpy: 8 bytes an edge)."""
    order = np.lexsort(
        (
            np.fromiter((e.ad_b for e in edges), dtype=np.int64, count=len(edges)),
            np.fromiter((e.ad_a for e in edges), dtype=np.int64, count=len(edges)),
        )
    )
    for i in order.tolist():
        e = edges[i]
        yield (e.ad_a, e.ad_b, e.similarity, e.shared)


@dataclass(frozen=True, slots=True)
class EvidenceChanges:
    """What writing a run's evidence and membership found different from the last run."""

    previous_ids: set[str]  # the network ids of last run
    same_ads: set[str]  # networks that hold exactly the ads they held last run
    flipped: set[tuple[str, str]]  # identifiers cut last run and not now, or the other way round
    # Ads at an end of a text or template edge that was added, dropped or changed, or showing an image
    # whose group changed (ad keys, ascending): a network's joins (its confidence) can change only
    # through these, its members, their re-extraction or a cut. None: not known (the tables were
    # empty), take all.
    touched: np.ndarray | None


def write_graph(conn: Connection, graph: Graph, featured: set[int]) -> tuple[set[str], set[str]]:
    """Store a run's results; returns (networks whose record is stale, network ids that are gone)."""
    changed, gone, restrength = write_networks(conn, graph, featured, write_evidence(conn, graph))
    return changed | restrength, gone


def write_evidence(conn: Connection, graph: Graph) -> EvidenceChanges:
    """Store a run's evidence (edges, pairs, groups, cuts) and network membership, not the networks'
    own rows (`write_networks`, which needs each network's confidence); returns what changed."""
    previous: dict[int, str] = {
        k: v for k, v in conn.execute(select(link_ad_network.c.ad_key, link_ad_network.c.network_id))
    }
    old_cuts = {(k, v) for k, v in conn.execute(select(link_cuts.c.kind, link_cuts.c.value))}
    edge_ads: set[int] = set()
    written = _sync_sorted(
        conn,
        link_text_edges,
        ("ad_a", "ad_b"),
        ("similarity", "shared"),
        _text_edge_rows(graph.edges),
        edge_ads,
    )
    template_keys: set[tuple[Any, ...]] = set()
    _sync(
        conn,
        link_template_edges,
        ("ad_a", "ad_b"),
        ("score", "shared", "cities"),
        {(a, b): (score, shared, cities) for a, b, score, shared, cities in graph.template_edges},
        template_keys,
    )
    _sync(
        conn,
        link_image_pairs,
        ("hash_a", "hash_b"),
        ("distance",),
        {(p.hash_a, p.hash_b): (p.distance,) for p in graph.pairs},
    )
    grouped = {h for p in graph.pairs for h in (p.hash_a, p.hash_b)}
    regrouped: set[tuple[Any, ...]] = set()
    _sync(
        conn,
        link_image_groups,
        ("phash",),
        ("group_hash",),
        {(h,): (graph.group_of[h],) for h in grouped},
        regrouped,
    )
    _sync(
        conn,
        link_cuts,
        ("kind", "value"),
        ("ads", "postings", "groups", "cities", "first_seen", "last_seen", "reason"),
        {
            (c.kind, c.value): (
                c.ads,
                c.postings,
                c.groups,
                c.cities,
                _day_to_time(c.first_day),
                _day_to_time(c.last_day),
                c.reason,
            )
            for c in graph.cuts
        },
    )
    membership = {(k,): (nid,) for group, nid in zip(graph.groups, graph.ids, strict=True) for k in group}
    _sync(conn, link_ad_network, ("ad_key",), ("network_id",), membership)
    touched: np.ndarray | None = None
    if written is not None:
        edge_ads.update(ad for key in template_keys for ad in key)
        for (phash,) in regrouped:
            edge_ads.update(graph.idents.get(("image", phash), ()))
        touched = np.sort(np.fromiter(edge_ads, dtype=np.int64, count=len(edge_ads)))
    del edge_ads  # an int array (8 bytes an ad) is what is held on, not a set (~60)
    flipped = old_cuts ^ {(c.kind, c.value) for c in graph.cuts}
    # Last run's membership is compared here and dropped: held on, it would sit beside the
    # confidence's joins (one entry an ad each).
    before: dict[str, set[int]] = defaultdict(set)
    for ad_key, nid in previous.items():
        before[nid].add(ad_key)
    del previous
    same_ads = {
        nid for group, nid in zip(graph.groups, graph.ids, strict=True) if before.get(nid) == set(group)
    }
    return EvidenceChanges(set(before), same_ads, flipped, touched)


def stored_confidence(conn: Connection) -> dict[str, tuple[float | None, str | None]]:
    """Each network's confidence and weakest join as its stored record holds them."""
    return {
        nid: (conf, weakest)
        for nid, conf, weakest in conn.execute(
            select(
                link_network_summary.c.network_id,
                link_network_summary.c.confidence,
                link_network_summary.c.weakest,
            )
        )
    }


def write_networks(
    conn: Connection, graph: Graph, featured: set[int], changes: EvidenceChanges
) -> tuple[set[str], set[str], set[str]]:
    """Store the networks' rows; returns (networks whose record is stale, network ids that are gone,
    networks whose record is current but for its confidence)."""
    changed, gone = _changed_networks(conn, graph, changes, featured)
    stored_strength = stored_confidence(conn)
    restrength = {
        nid
        for nid in graph.ids
        if nid not in changed and stored_strength.get(nid) != graph.confidence.get(nid)
    }
    changed |= {nid for nid in restrength if nid not in graph.confidence}  # none to store: rewrite it
    restrength -= changed
    _write_networks(conn, graph, changed | restrength, gone)
    return changed, gone, restrength


def _changed_networks(
    conn: Connection,
    graph: Graph,
    changes: EvidenceChanges,
    featured: set[int],
) -> tuple[set[str], set[str]]:
    """Networks whose stored record is stale, and ids that no longer exist.

    Stale: new, grown, shrunk or merged; holding an ad whose features (extractions, place) were
    recomputed this run; holding an identifier whose cut verdict flipped (it moves between the
    record's contacts and its shared identifiers); or without a stored record at all.
    """
    has_record = set(conn.execute(select(link_network_summary.c.network_id)).scalars())
    touched_ads: set[int] = set(featured)
    for ident in changes.flipped:  # records test cuts against each ad's own values (an image: its own hash)
        touched_ads.update(graph.idents.get(ident, []))
    changed: set[str] = set()
    for group, nid in zip(graph.groups, graph.ids, strict=True):
        if nid not in has_record or nid not in changes.same_ads or not touched_ads.isdisjoint(group):
            changed.add(nid)
    gone = (changes.previous_ids | has_record) - set(graph.ids)
    return changed, gone


def _write_networks(conn: Connection, graph: Graph, changed: set[str], gone: set[str]) -> None:
    existing = set(conn.execute(select(link_networks.c.network_id)).scalars())
    now = format_time(datetime.now(UTC))
    rewrite = sorted((changed | gone | (existing - set(graph.ids))) & existing)
    for ids in chunks(rewrite):
        conn.execute(delete(link_networks).where(link_networks.c.network_id.in_(ids)))
    rows: list[tuple[object, ...]] = []
    for group, nid in zip(graph.groups, graph.ids, strict=True):
        if nid in changed or nid not in existing:
            times = [graph.posted_at[k] for k in group]
            postings = len({graph.posting[k] for k in group})
            rows.append((nid, len(group), postings, min(times), max(times), now))
    _insert(
        conn, link_networks, ("network_id", "ads", "postings", "first_seen", "last_seen", "updated_at"), rows
    )


def delete_ad_rows(conn: Connection, table: Table, ad_keys: Sequence[int]) -> None:
    """Delete the rows of these ads from a per-ad table (one with an ad_key column)."""
    for keys in chunks(ad_keys):
        conn.execute(delete(table).where(table.c.ad_key.in_(keys)))


def set_state(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(link_state).where(link_state.c.key == key))
    conn.execute(link_state.insert().values(key=key, value=value))


def _day_to_time(day: float) -> str:
    return format_time(datetime.fromtimestamp(day * 86400.0, tz=UTC))
