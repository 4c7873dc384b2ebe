"""`update_networks`: bring the link stage up to date with the extracted ads.

Incremental by design: per-ad features (the costly part: reading ads, masking, shingling) are computed
only for ads that are new or were re-extracted. The graph-wide steps (rarity weights, LSH, image
matching, giant-component control, clustering) then run over the stored features of all ads; they are
a deterministic function of those features, so an incremental run gives exactly the networks a full
rebuild gives, and they are cheap (vectorised or linear). Network ids carry over by overlap.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, Table, delete, func, or_, select

from safeharbor.link import bridges, cluster, features, images, text_sim
from safeharbor.link.features import SEP, shingles_from_blob, store_features
from safeharbor.link.tables import (
    link_ad_network,
    link_cuts,
    link_features,
    link_idents,
    link_image_groups,
    link_image_pairs,
    link_networks,
    link_state,
    link_text_edges,
)
from safeharbor.storage.engine import Store, bulk_insert
from safeharbor.storage.reads import format_time, parse_time
from safeharbor.storage.schema import extract_state

FEATURE_BATCH = 5000
PARALLEL_FROM = 20_000  # ads to (re)feature; below this two worker processes cost more than they save
INSERT_BATCH = 20000
NEXT_ID_KEY = "next_network_number"
GIANT_POSTINGS = 500  # a network larger than this (and than 5% of ads) is flagged in the summary


@dataclass
class LinkSummary:
    ads_featured: int = 0  # ads whose features were (re)computed this run
    ads_total: int = 0
    networks: int = 0
    ads_in_networks: int = 0
    largest_network: int = 0  # postings
    text_edges: int = 0
    image_pairs: int = 0
    generic_shingles: int = 0
    cuts: list[bridges.Cut] = field(default_factory=list)
    new_networks: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"link: {self.ads_featured} ads read, {self.ads_total} linked in total ({self.seconds:.1f} s)",
            f"  {self.networks} networks ({self.new_networks} new) holding {self.ads_in_networks} ads; "
            f"largest has {self.largest_network} postings",
            f"  evidence: {self.text_edges} near-duplicate text edges, {self.image_pairs} near-identical "
            f"image pairs; {self.generic_shingles} generic phrases ignored",
        ]
        if self.largest_network > max(GIANT_POSTINGS, self.ads_total // 20):
            out.append(
                f"  [warning] the largest network has {self.largest_network} postings: check its evidence "
                "(`safeharbor network ID`) for a shared identifier that control did not catch"
            )
        if self.cuts:
            out.append(
                f"  {len(self.cuts)} identifiers cut as shared/junk (see `safeharbor network --cuts`):"
            )
            for c in sorted(self.cuts, key=lambda c: -c.postings)[:5]:
                out.append(f"    {c.kind} {c.value}: {c.postings} postings in {c.groups} separate groups")
        return out


@dataclass
class _Corpus:
    ad_keys: list[int]
    postings: list[int]
    posted_at: list[str]
    places: list[str | None]
    days: list[float]
    names: list[frozenset[str]]
    shingles: list[np.ndarray]
    idents: dict[tuple[str, str], list[int]]


def update_networks(
    store: Store, *, rebuild: bool = False, progress: Callable[[int, int], None] | None = None
) -> LinkSummary:
    started = time.perf_counter()
    summary = LinkSummary()
    summary.ads_featured = _update_features(store, rebuild=rebuild, progress=progress)
    summary.timings["features"] = time.perf_counter() - started
    with store.begin() as conn:
        _link_all(conn, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _update_features(store: Store, *, rebuild: bool, progress: Callable[[int, int], None] | None) -> int:
    with store.connect() as conn:
        query = select(extract_state.c.ad_key, extract_state.c.extract_version).outerjoin(
            link_features, link_features.c.ad_key == extract_state.c.ad_key
        )
        if not rebuild:
            query = query.where(
                or_(
                    link_features.c.ad_key.is_(None),
                    link_features.c.extract_version != extract_state.c.extract_version,
                )
            )
        pending = dict(conn.execute(query.order_by(extract_state.c.ad_key)).all())
    keys = sorted(pending)
    batches = [keys[i : i + FEATURE_BATCH] for i in range(0, len(keys), FEATURE_BATCH)]
    done = 0
    for batch_keys, feature_rows, ident_rows in _feature_batches(store, batches, pending):
        with store.begin() as conn:
            done += store_features(conn, batch_keys, feature_rows, ident_rows)
        if progress is not None:
            progress(done, len(keys))
    return done


def _feature_batches(
    store: Store, batches: list[list[int]], versions: dict[int, str]
) -> Iterator[tuple[list[int], features.Rows, features.Rows]]:
    """Feature rows per batch: read and shingled by two worker processes when there are many ads."""
    workers = min(2, os.cpu_count() or 1) if sum(map(len, batches)) >= PARALLEL_FROM else 0
    if workers <= 1 or store.url.startswith("sqlite:///:memory:"):
        for keys in batches:
            with store.connect() as conn:
                yield (keys, *features.feature_rows_for(conn, keys, versions))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = []
        for keys in batches:  # bounded look-ahead keeps memory flat
            subset = {k: versions[k] for k in keys}
            pending.append(pool.submit(features.feature_rows_in_worker, store.url, keys, subset))
            if len(pending) > workers * 2:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _load(conn: Connection) -> _Corpus:
    rows = conn.execute(
        select(
            link_features.c.ad_key,
            link_features.c.posting,
            link_features.c.posted_at,
            link_features.c.city,
            link_features.c.state,
            link_features.c.names,
            link_features.c.shingles,
        ).order_by(link_features.c.ad_key)
    )
    corpus = _Corpus([], [], [], [], [], [], [], {})
    posting_index: dict[str, int] = {}
    for key, posting, posted_at, city, state, names, blob in rows:
        corpus.ad_keys.append(key)
        corpus.postings.append(posting_index.setdefault(posting, len(posting_index)))
        corpus.posted_at.append(posted_at)
        corpus.places.append(f"{city}|{state or ''}" if city else None)
        corpus.days.append(parse_time(posted_at).timestamp() / 86400.0)
        corpus.names.append(frozenset(names.split(SEP)) if names else frozenset())
        corpus.shingles.append(shingles_from_blob(blob))
    index = {k: i for i, k in enumerate(corpus.ad_keys)}
    idents: dict[tuple[str, str], list[int]] = defaultdict(list)
    for key, kind, value in conn.execute(
        select(link_idents.c.ad_key, link_idents.c.kind, link_idents.c.value).order_by(
            link_idents.c.kind, link_idents.c.value, link_idents.c.ad_key
        )
    ):
        if key in index:
            idents[(kind, value)].append(index[key])
    corpus.idents = dict(idents)
    return corpus


def _link_all(conn: Connection, summary: LinkSummary) -> None:
    t0 = time.perf_counter()
    corpus = _load(conn)
    n = len(corpus.ad_keys)
    summary.ads_total = n
    summary.timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    hashes = [value for kind, value in corpus.idents if kind == "image"]
    pairs = images.near_pairs(hashes)
    group_of = images.image_groups(hashes, pairs)
    idents: dict[tuple[str, str], set[int]] = defaultdict(set)
    contacts: list[set[str]] = [set() for _ in range(n)]
    for (kind, value), members in corpus.idents.items():
        if kind == "image":
            idents[("image", group_of[value])].update(members)
        else:
            idents[(kind, value)].update(members)
            for i in members:
                contacts[i].add(f"{kind}:{value}")
    summary.image_pairs = len(pairs)
    summary.timings["images"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    items = [
        text_sim.TextItem(
            ad_key=corpus.ad_keys[i],
            posting=corpus.postings[i],
            place=corpus.places[i],
            posted_at=corpus.posted_at[i],
            contacts=frozenset(contacts[i]),
            shingles=corpus.shingles[i],
        )
        for i in range(n)
    ]
    text_index = text_sim.build_index(items)
    summary.generic_shingles = text_index.generic
    edges = text_sim.text_edges(items, text_index)
    summary.text_edges = len(edges)
    summary.timings["text"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    index = {k: i for i, k in enumerate(corpus.ad_keys)}
    facts = bridges.AdFacts(corpus.postings, corpus.places, corpus.days, corpus.names, text_index)
    uf, cuts = bridges.control(
        n,
        facts,
        [(index[e.ad_a], index[e.ad_b]) for e in edges],
        {k: sorted(v) for k, v in idents.items()},
    )
    summary.cuts = cuts
    groups = [[corpus.ad_keys[i] for i in g] for g in cluster.components(uf, n)]
    summary.timings["control"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    previous = dict(conn.execute(select(link_ad_network.c.ad_key, link_ad_network.c.network_id)).all())
    stored_next = conn.execute(select(link_state.c.value).where(link_state.c.key == NEXT_ID_KEY)).scalar()
    next_number = int(stored_next) if stored_next else 1
    ids, new_next = cluster.assign_ids(groups, previous, next_number)
    summary.new_networks = new_next - next_number
    summary.networks = len(groups)
    summary.ads_in_networks = sum(len(g) for g in groups)
    summary.largest_network = max((uf.size(index[g[0]]) for g in groups), default=0)
    _write(conn, corpus, edges, pairs, group_of, cuts, groups, ids, new_next)
    summary.timings["write"] = time.perf_counter() - t0


def _insert(conn: Connection, table: Table, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    for i in range(0, len(rows), INSERT_BATCH):
        bulk_insert(conn, table, columns, [tuple(r[c] for c in columns) for r in rows[i : i + INSERT_BATCH]])


def _write(
    conn: Connection,
    corpus: _Corpus,
    edges: list[text_sim.TextEdge],
    pairs: list[images.ImagePair],
    group_of: dict[str, str],
    cuts: list[bridges.Cut],
    groups: list[list[int]],
    ids: list[str],
    next_number: int,
) -> None:
    now = format_time_now()
    for table in (
        link_text_edges,
        link_image_pairs,
        link_image_groups,
        link_cuts,
        link_ad_network,
        link_networks,
    ):
        conn.execute(delete(table))
    _insert(
        conn,
        link_text_edges,
        [{"ad_a": e.ad_a, "ad_b": e.ad_b, "similarity": e.similarity, "shared": e.shared} for e in edges],
    )
    _insert(
        conn,
        link_image_pairs,
        [{"hash_a": p.hash_a, "hash_b": p.hash_b, "distance": p.distance} for p in pairs],
    )
    grouped = {h for p in pairs for h in (p.hash_a, p.hash_b)}
    _insert(conn, link_image_groups, [{"phash": h, "group_hash": group_of[h]} for h in sorted(grouped)])
    _insert(
        conn,
        link_cuts,
        [
            {
                "kind": c.kind,
                "value": c.value,
                "ads": c.ads,
                "postings": c.postings,
                "groups": c.groups,
                "cities": c.cities,
                "first_seen": _day_to_time(c.first_day),
                "last_seen": _day_to_time(c.last_day),
                "reason": c.reason,
            }
            for c in cuts
        ],
    )
    index = {k: i for i, k in enumerate(corpus.ad_keys)}
    membership: list[dict[str, object]] = []
    records: list[dict[str, object]] = []
    for group, network_id in zip(groups, ids, strict=True):
        times = [corpus.posted_at[index[k]] for k in group]
        membership.extend({"ad_key": k, "network_id": network_id} for k in group)
        records.append(
            {
                "network_id": network_id,
                "ads": len(group),
                "postings": len({corpus.postings[index[k]] for k in group}),
                "first_seen": min(times),
                "last_seen": max(times),
                "updated_at": now,
            }
        )
    _insert(conn, link_ad_network, membership)
    _insert(conn, link_networks, records)
    exists = conn.execute(select(func.count()).where(link_state.c.key == NEXT_ID_KEY)).scalar()
    if exists:
        conn.execute(
            link_state.update().where(link_state.c.key == NEXT_ID_KEY).values(value=str(next_number))
        )
    else:
        conn.execute(link_state.insert().values(key=NEXT_ID_KEY, value=str(next_number)))


def format_time_now() -> str:
    from datetime import UTC, datetime

    return format_time(datetime.now(UTC))


def _day_to_time(day: float) -> str:
    from datetime import UTC, datetime

    return format_time(datetime.fromtimestamp(day * 86400.0, tz=UTC))
