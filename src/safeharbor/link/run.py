"""`update_networks`: bring the link stage up to date with the extracted ads.

Incremental by design:
- per-ad features (the costly part: reading ads, masking, shingling) are computed only for ads that
  are new or were re-extracted;
- image matching compares only hashes first seen in this run against all (pairs of hashes already
  matched are a function of the two hashes alone and are reused from `link_image_pairs`);
- results are written as differences (`persist`), network records (`summary`) are recomputed only
  for networks that changed, and confidence only for networks whose joins changed
  (`network_confidence`; the others keep their stored value);
- text edges (`text.update`): rarity weights use the corpus size rounded down to a ~19% step and
  document frequencies rounded down to a power of two, so new ads change the signature (LSH band
  keys, stored in `link_text_bands`) of few old ads (~4k for 1,000 new on 100k) and the weights of
  some more (~25k); only the buckets and candidate pairs around those are re-verified. When the
  rounded corpus size changes, an ad was re-extracted or the stored state is incomplete, all ads are.
Still global, and why: giant-component control decides cuts from the partition all other evidence
makes, template linking included, which scores groups by rarity among all groups; and the text index
it reads (`build_index`) is rebuilt over all stored features. That is why an incremental run gives
exactly the networks a full rebuild gives (tests/test_link_incremental.py), and why a batch's link
costs about a re-link of the whole store plus its own features and records (docs/scale.md, "Link on
a daily batch"). Network ids are derived from each network's first
posting (`cluster.content_ids`), and every tie is broken by content (`_Corpus.content_rank`), never
by ad keys: the networks are a function of the ad set alone, whatever order and batches it came in
(tests/test_link_order.py).
If a run stops between storing features and storing the graph, the next run rederives the graph.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, or_, select

from safeharbor.link import bridges, cluster, features, images, persist, templates
from safeharbor.link.features import SEP, shingles_from_blob, store_features
from safeharbor.link.network_confidence import network_confidence, unchanged_confidence
from safeharbor.link.summary import set_confidence, write_summaries
from safeharbor.link.tables import (
    link_ad_network,
    link_features,
    link_idents,
    link_image_pairs,
    link_state,
    link_text_bands,
    link_text_edges,
)
from safeharbor.link.text import index as text_index_mod
from safeharbor.link.text import minhash
from safeharbor.link.text import update as text_update
from safeharbor.link.text.index import TextEdge, TextIndex, TextItem
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import Store, bulk_insert
from safeharbor.storage.reads import parse_time
from safeharbor.storage.schema import extract_state
from safeharbor.storage.workers import worker_pool

log = logging.getLogger(__name__)

FEATURE_BATCH = 5000
PARALLEL_FROM = 20_000  # ads to (re)feature; below this two worker processes cost more than they save
INSERT_BATCH = 20000
GRAPH_CURRENT_KEY = "graph_current"  # "1" when the stored graph reflects every stored feature
FEATURES_KEY = "features_version"  # how the stored per-ad features were computed
# 2: mentions of the placed city masked in title and body (a stored store is re-featured once)
FEATURES_VERSION = "2"
TEXT_BASE_KEY = "text_weight_base"  # the rounded corpus size the stored text edges were weighed with
GIANT_POSTINGS = 500  # a network larger than this (and than 5% of ads) is flagged in the summary

FeatureBatches = Iterator[tuple[list[int], features.Rows, features.Rows]]
# The two steps another engine may run (safeharbor.spark): per-ad features over batches of ad keys
# (`features.feature_rows_in_worker` on each, results in batch order), and the full text-edge search
# (band keys, candidate pairs, verification) returning what `find_text_edges` returns.
FeatureRunner = Callable[[Store, list[list[int]], dict[int, str]], FeatureBatches]
EdgeFinder = Callable[[list[TextItem], TextIndex], tuple[np.ndarray, np.ndarray, list[TextEdge]]]


def find_text_edges(items: list[TextItem], index: TextIndex) -> tuple[np.ndarray, np.ndarray, list[TextEdge]]:
    """Every ad's LSH band keys (and whether it has any), and the verified near-duplicate edges."""
    keys, usable = minhash.band_keys(items, index.distinctive)
    edges = text_index_mod.verify_pairs(items, index, minhash.candidate_pairs(items, keys, usable))
    return keys, usable, edges


@dataclass
class LinkSummary:
    ads_featured: int = 0  # ads whose features were (re)computed this run
    ads_total: int = 0
    networks: int = 0
    ads_in_networks: int = 0
    largest_network: int = 0  # postings
    text_edges: int = 0
    template_links: int = 0
    image_pairs: int = 0
    generic_shingles: int = 0
    cuts: list[bridges.Cut] = field(default_factory=list)
    kept_in: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)  # split: networks
    new_networks: int = 0
    records_written: int = 0  # network records (re)computed for the read API
    text_recomputed: int = 0  # ads whose text signature was (re)computed (all of them on a full run)
    confidence_reused: int = 0  # networks whose joins did not change: their stored confidence is kept
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
                f"  {len(self.cuts)} identifiers split between unrelated groups, kept within each "
                "(see `safeharbor network --cuts`):"
            )
            for c in sorted(self.cuts, key=lambda c: (-c.postings, c.kind, c.value))[:5]:
                kept = self.kept_in.get((c.kind, c.value), [])
                named = ", ".join(f"{nid} ({size})" for nid, size in kept[:4]) + (
                    " ..." if len(kept) > 4 else ""
                )
                out.append(
                    f"    {c.kind} {c.value}: {c.postings} postings in {c.groups} separate groups"
                    + (f"; kept within {named}, only the bridge refused" if kept else "")
                )
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
    posting_keys: list[str] = field(default_factory=list)

    def anchor(self, i: int) -> str:
        """What names a network whose first posting ad `i` is: posted time, then source and id."""
        return f"{self.posted_at[i]}{SEP}{self.posting_keys[i]}"

    def content_rank(self) -> list[int]:
        """Each ad's position in an order that depends on the ads alone (time, posting, wording):
        ties are broken by this, never by ad keys, which only tell the order of ingest."""
        order = sorted(
            range(len(self.ad_keys)),
            key=lambda i: (self.posted_at[i], self.posting_keys[i], self.shingles[i].tobytes()),
        )
        rank = [0] * len(order)
        for r, i in enumerate(order):
            rank[i] = r
        return rank


def update_networks(
    store: Store,
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    feature_runner: FeatureRunner | None = None,
    edge_finder: EdgeFinder = find_text_edges,
    components: cluster.ComponentFinder = cluster.connected_labels,
) -> LinkSummary:
    started = time.perf_counter()
    summary = LinkSummary()
    # Features are stored batch by batch, the graph in one transaction at the end: if a run stops in
    # between, the next one cannot tell which stored features the graph has seen, so it rederives
    # the whole graph (the state key is cleared before features change and set with the graph).
    with store.begin() as conn:
        graph_current = (
            conn.execute(select(link_state.c.value).where(link_state.c.key == GRAPH_CURRENT_KEY)).scalar()
            == "1"
        )
        features_current = (
            conn.execute(select(link_state.c.value).where(link_state.c.key == FEATURES_KEY)).scalar()
            == FEATURES_VERSION
        )
        persist.set_state(conn, GRAPH_CURRENT_KEY, "0")
    # Features computed another way than this version computes them are all recomputed.
    rebuild = rebuild or not features_current
    featured, refeatured = _update_features(store, rebuild=rebuild, progress=progress, runner=feature_runner)
    with store.begin() as conn:
        persist.set_state(conn, FEATURES_KEY, FEATURES_VERSION)
    summary.ads_featured = len(featured)
    summary.timings["features"] = time.perf_counter() - started
    with store.begin() as conn:
        _link_all(
            conn,
            summary,
            featured,
            rebuild=rebuild or not graph_current,
            text_rebuild=refeatured,
            edge_finder=edge_finder,
            components=components,
        )
        persist.set_state(conn, GRAPH_CURRENT_KEY, "1")
    summary.seconds = time.perf_counter() - started
    for step, seconds in summary.timings.items():
        log.info("link: %s took %.2f s", step, seconds)
    log.info("link: %d ads featured; %.2f s in all", summary.ads_featured, summary.seconds)
    return summary


def _update_features(
    store: Store,
    *,
    rebuild: bool,
    progress: Callable[[int, int], None] | None,
    runner: FeatureRunner | None = None,
) -> tuple[set[int], bool]:
    """(Re)compute the features of new and re-extracted ads (all ads on rebuild).

    Returns their keys, and whether any of them had features before (then the old shingles' counts
    are gone, and the text step recomputes everything).
    """
    with store.connect() as conn:
        query = select(
            extract_state.c.ad_key, extract_state.c.extract_version, link_features.c.ad_key
        ).outerjoin(link_features, link_features.c.ad_key == extract_state.c.ad_key)
        if not rebuild:
            query = query.where(
                or_(
                    link_features.c.ad_key.is_(None),
                    link_features.c.extract_version != extract_state.c.extract_version,
                )
            )
        found = conn.execute(query.order_by(extract_state.c.ad_key)).all()
    pending = {key: version for key, version, _had in found}
    refeatured = any(had is not None for _key, _version, had in found)
    keys = sorted(pending)
    batches = [list(batch) for batch in chunks(keys, FEATURE_BATCH)]
    done = 0
    results = (runner or _feature_batches)(store, batches, pending)
    for batch_keys, feature_rows, ident_rows in results:
        with store.begin() as conn:
            done += store_features(conn, batch_keys, feature_rows, ident_rows)
        if progress is not None:
            progress(done, len(keys))
    return set(keys), refeatured


def _feature_batches(store: Store, batches: list[list[int]], versions: dict[int, str]) -> FeatureBatches:
    """Feature rows per batch: read and shingled by two worker processes when there are many ads."""
    workers = min(2, os.cpu_count() or 1) if sum(map(len, batches)) >= PARALLEL_FROM else 0
    if workers <= 1 or not store.backend.supports_worker_processes:
        for keys in batches:
            with store.connect() as conn:
                yield (keys, *features.feature_rows_for(conn, keys, versions))
        return
    with worker_pool(workers) as pool:
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
    # Places and name sets repeat across ads: one shared object each, not one per ad.
    places: dict[tuple[str, str | None], str] = {}
    name_sets: dict[str, frozenset[str]] = {"": frozenset()}
    for key, posting, posted_at, city, state, names, blob in rows:
        corpus.ad_keys.append(key)
        corpus.posting_keys.append(posting)
        corpus.postings.append(posting_index.setdefault(posting, len(posting_index)))
        corpus.posted_at.append(posted_at)
        if city:
            place = places.get((city, state))
            if place is None:
                place = places[(city, state)] = f"{city}|{state or ''}"
            corpus.places.append(place)
        else:
            corpus.places.append(None)
        corpus.days.append(parse_time(posted_at).timestamp() / 86400.0)
        found = name_sets.get(names or "")
        if found is None:
            found = name_sets[names] = frozenset(names.split(SEP))
        corpus.names.append(found)
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


def _interned_sets(members: dict[int, list[str]], n: int) -> list[frozenset[str]]:
    """Each ad's set, one shared object per distinct set (ads of one operator share their contacts)."""
    empty: frozenset[str] = frozenset()
    out = [empty] * n
    seen: dict[frozenset[str], frozenset[str]] = {}
    for i, labels in members.items():
        found = frozenset(labels)
        out[i] = seen.setdefault(found, found)
    return out


def _image_pairs(
    conn: Connection, corpus: _Corpus, featured: set[int], *, rebuild: bool
) -> list[images.ImagePair]:
    """Near-identical image pairs: on an incremental run, the stored pairs plus those of new hashes.

    A pair is a function of its two hashes alone, so pairs between hashes already linked last run are
    still exactly the stored ones; only hashes first seen in this run's ads need matching (against all).
    """
    hashes = {value for kind, value in corpus.idents if kind == "image"}
    if rebuild:
        return images.near_pairs(hashes)
    old_ads = [k not in featured for k in corpus.ad_keys]
    known = {
        v
        for (kind, v), members in corpus.idents.items()
        if kind == "image" and any(old_ads[i] for i in members)
    }
    stored = [
        images.ImagePair(a, b, d)
        for a, b, d in conn.execute(
            select(link_image_pairs.c.hash_a, link_image_pairs.c.hash_b, link_image_pairs.c.distance)
        )
        if a in known and b in known
    ]
    pairs = stored + images.near_pairs_involving(hashes - known, hashes)
    pairs.sort(key=lambda p: (p.hash_a, p.hash_b))
    return pairs


def _text_edges(
    conn: Connection,
    items: list[TextItem],
    index: TextIndex,
    featured: set[int],
    *,
    rebuild: bool,
    edge_finder: EdgeFinder = find_text_edges,
) -> tuple[list[TextEdge], int]:
    """Text edges: recomputed around the new ads when the stored ones allow it, else for all ads."""
    n = len(items)
    base = str(text_index_mod.weight_base(n))
    stored_base = conn.execute(select(link_state.c.value).where(link_state.c.key == TEXT_BASE_KEY)).scalar()
    stored = _stored_bands(conn, items) if not rebuild and stored_base == base else None
    is_new = np.fromiter((it.ad_key in featured for it in items), dtype=bool, count=n)
    if stored is not None and not (stored[2] | is_new).all():
        stored = None  # some old ad has no stored keys, or a stored ad is gone: recompute all
    if stored is not None:
        changed = text_update.changed_ads(items, is_new, text_index_mod.generic_cap_for(n))
        old_edges = [
            TextEdge(a, b, sim, shared)
            for a, b, sim, shared in conn.execute(
                select(
                    link_text_edges.c.ad_a,
                    link_text_edges.c.ad_b,
                    link_text_edges.c.similarity,
                    link_text_edges.c.shared,
                )
            ).all()
        ]
        edges, keys, usable = text_update.incremental_edges(
            items, index, changed, stored[0], stored[1], old_edges
        )
        rewrite = np.flatnonzero(changed.signature).tolist()
        persist.delete_ad_rows(conn, link_text_bands, [items[i].ad_key for i in rewrite])
    else:
        keys, usable, edges = edge_finder(items, index)
        rewrite = list(range(n))
        conn.execute(link_text_bands.delete())
    rows = [(items[i].ad_key, keys[i].astype("<u8").tobytes() if usable[i] else None) for i in rewrite]
    for batch in chunks(rows, INSERT_BATCH):
        bulk_insert(conn, link_text_bands, ("ad_key", "bands"), batch)
    persist.set_state(conn, TEXT_BASE_KEY, base)
    return edges, len(rewrite)


def _stored_bands(conn: Connection, items: list[TextItem]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last run's band keys aligned with `items` (sorted by ad key): keys, usable, present."""
    n = len(items)
    keys = np.zeros((n, minhash.BANDS), dtype=np.uint64)
    usable = np.zeros(n, dtype=bool)
    present = np.zeros(n, dtype=bool)
    rows = conn.execute(select(link_text_bands.c.ad_key, link_text_bands.c.bands)).all()
    if not rows or n == 0:
        return keys, usable, present
    ad_keys = np.fromiter((it.ad_key for it in items), dtype=np.int64, count=n)
    stored_keys = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    where = np.minimum(np.searchsorted(ad_keys, stored_keys), n - 1)
    found = ad_keys[where] == stored_keys
    if not found.all():  # an ad that had features is gone: its shingles' counts changed unseen
        return keys, usable, present
    present[where[found]] = True
    with_bands = [i for i, r in enumerate(rows) if r[1] is not None and found[i]]
    if with_bands:
        matrix = np.frombuffer(b"".join(rows[i][1] for i in with_bands), dtype="<u8").reshape(
            -1, minhash.BANDS
        )
        target = where[np.array(with_bands, dtype=np.int64)]
        keys[target] = matrix.astype(np.uint64)
        usable[target] = True
    return keys, usable, present


def _kept_in(
    cut: bridges.Cut, corpus: _Corpus, network_of: dict[int, str], sizes: dict[str, int]
) -> list[tuple[str, int]]:
    """The networks a split identifier still links within, with their postings (largest first)."""
    found = {
        network_of[corpus.ad_keys[pole[0]]] for pole in cut.kept_in if corpus.ad_keys[pole[0]] in network_of
    }
    return sorted(((nid, sizes[nid]) for nid in found), key=lambda x: (-x[1], x[0]))


def _link_all(
    conn: Connection,
    summary: LinkSummary,
    featured: set[int],
    *,
    rebuild: bool,
    text_rebuild: bool,
    edge_finder: EdgeFinder = find_text_edges,
    components: cluster.ComponentFinder = cluster.connected_labels,
) -> None:

    t0 = time.perf_counter()
    corpus = _load(conn)
    n = len(corpus.ad_keys)
    summary.ads_total = n
    summary.timings["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pairs = _image_pairs(conn, corpus, featured, rebuild=rebuild)
    hashes = [value for kind, value in corpus.idents if kind == "image"]
    group_of = images.image_groups(hashes, pairs)
    idents: dict[tuple[str, str], set[int]] = defaultdict(set)
    contacts: dict[int, list[str]] = defaultdict(list)  # only ads that have contacts; one label each
    for (kind, value), members in corpus.idents.items():
        if kind == "image":
            idents[("image", group_of[value])].update(members)
        else:
            idents[(kind, value)].update(members)
            label = f"{kind}:{value}"
            for i in members:
                contacts[i].append(label)
    summary.image_pairs = len(pairs)
    summary.timings["images"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rank = corpus.content_rank()
    contact_sets = _interned_sets(contacts, n)
    del contacts
    items = [
        TextItem(
            ad_key=corpus.ad_keys[i],
            posting=corpus.postings[i],
            place=corpus.places[i],
            posted_at=corpus.posted_at[i],
            contacts=contact_sets[i],
            shingles=corpus.shingles[i],
            order=rank[i],
        )
        for i in range(n)
    ]
    del contact_sets
    summary.timings["text_items"] = time.perf_counter() - t0
    text_index = text_index_mod.build_index(items)
    summary.timings["text_index"] = time.perf_counter() - t0 - summary.timings["text_items"]
    summary.generic_shingles = text_index.generic
    edges, summary.text_recomputed = _text_edges(
        conn, items, text_index, featured, rebuild=rebuild or text_rebuild, edge_finder=edge_finder
    )
    summary.text_edges = len(edges)
    summary.timings["text"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    index = {k: i for i, k in enumerate(corpus.ad_keys)}
    facts = bridges.AdFacts(corpus.postings, corpus.places, corpus.days, corpus.names, text_index)
    found: list[templates.TemplateLink] = []

    def merge(uf: cluster.UnionFind, deferred: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
        t1 = time.perf_counter()
        for _ in range(templates.ROUNDS):  # joined groups travel further: look again
            links = templates.template_links(
                uf, n, text_index, corpus.places, corpus.days, rank, deferred=deferred
            )
            if not links:
                break
            found.extend(links)
            for link in links:
                uf.union(link.ad_a, link.ad_b)
        summary.timings["templates"] = time.perf_counter() - t1
        return [(link.ad_a, link.ad_b) for link in found]

    uf, cuts = bridges.control(
        n,
        facts,
        [(index[e.ad_a], index[e.ad_b]) for e in edges],
        {k: sorted(v) for k, v in idents.items()},
        merge,
        components,
    )
    summary.cuts = cuts
    summary.template_links = len(found)
    # Networks in an order of their ads alone (earliest ad first), so new ids do not follow ingest.
    found_groups = sorted(cluster.components(uf, n), key=lambda g: min(rank[i] for i in g))
    groups = [[corpus.ad_keys[i] for i in g] for g in found_groups]
    summary.timings["control"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    known = set(conn.execute(select(link_ad_network.c.network_id).distinct()).scalars())
    ids = cluster.content_ids([min(corpus.anchor(i) for i in g) for g in found_groups])
    summary.new_networks = sum(1 for nid in ids if nid not in known)
    network_of = {k: nid for g, nid in zip(groups, ids, strict=True) for k in g}
    sizes = {nid: len({corpus.postings[index[k]] for k in g}) for g, nid in zip(groups, ids, strict=True)}
    summary.kept_in = {(c.kind, c.value): _kept_in(c, corpus, network_of, sizes) for c in cuts}
    summary.networks = len(groups)
    summary.ads_in_networks = sum(len(g) for g in groups)
    summary.largest_network = max((uf.size(index[g[0]]) for g in groups), default=0)
    graph = persist.Graph(
        edges=edges,
        pairs=pairs,
        group_of=group_of,
        cuts=cuts,
        groups=groups,
        ids=ids,
        posted_at={},  # what only the networks' rows need is added after the confidence's joins are gone
        posting={},
        idents={key: [corpus.ad_keys[i] for i in members] for key, members in corpus.idents.items()},
        template_edges=[
            (corpus.ad_keys[t.ad_a], corpus.ad_keys[t.ad_b], t.score, t.shared, t.cities) for t in found
        ],
    )
    # Evidence first: what it changed tells which networks' confidence can differ from the stored one.
    changes = persist.write_evidence(conn, graph)
    t1 = time.perf_counter()
    reused = {} if rebuild else unchanged_confidence(conn, graph, changes, featured, idents, corpus.ad_keys)
    strength = network_confidence(
        corpus.ad_keys, corpus.postings, idents, cuts, edges, found, found_groups, ids, rank, reused
    )
    summary.confidence_reused = len(reused)
    summary.timings["confidence"] = time.perf_counter() - t1
    graph = dataclasses.replace(
        graph,
        posted_at=dict(zip(corpus.ad_keys, corpus.posted_at, strict=True)),
        posting=dict(zip(corpus.ad_keys, corpus.postings, strict=True)),
        confidence=strength,
    )
    changed, gone, restrength = persist.write_networks(conn, graph, featured, changes)
    summary.timings["write"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    summary.records_written = write_summaries(conn, changed, drop=gone, confidence=strength)
    summary.records_written += set_confidence(conn, {nid: strength[nid] for nid in restrength})
    summary.timings["records"] = time.perf_counter() - t0
