"""Each network's confidence (`link.confidence`), and which networks keep last run's.

A network's confidence is the weakest join of the maximum spanning tree of its own joins; every join
lies inside one network (each is evidence the networks were joined on), so it can be computed for some
networks alone, and a network whose joins are last run's keeps its stored value (`unchanged_confidence`):
on a batch, only the networks it touched are computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import Connection

from safeharbor.link import bridges, confidence, persist, templates
from safeharbor.link.evidence import KIND_WEIGHTS
from safeharbor.link.text.index import TextEdge


def network_confidence(
    ad_keys: Sequence[int],
    postings: Sequence[int],
    idents: dict[tuple[str, str], set[int]],
    cuts: Sequence[bridges.Cut],
    edges: Sequence[TextEdge],
    found: Sequence[templates.TemplateLink],
    groups: Sequence[Sequence[int]],
    ids: Sequence[str],
    rank: Sequence[int],
    known: Mapping[str, tuple[float, str]] | None = None,
) -> dict[str, tuple[float, str]]:
    """Each network's confidence: the weakest join of its strongest spanning tree, and what it is.

    `known`: networks whose joins did not change since the last run, with their stored confidence;
    only the others are computed. Every join lies inside one network (each is evidence the networks
    were joined on), and the spanning tree of one network depends on its own joins and their order
    alone, so computing a subset of networks gives each of them what computing all would.
    """
    known = known or {}
    n = len(ad_keys)
    wanted = np.zeros(n, dtype=bool)
    for group, nid in zip(groups, ids, strict=True):
        if nid not in known:
            wanted[group] = True
    index = {k: i for i, k in enumerate(ad_keys)}
    joins: list[confidence.Join] = []
    by_posting: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(wanted).tolist():
        by_posting[postings[i]].append(i)
    for same in by_posting.values():
        joins.extend(confidence.star(same, 1.0, "version", "two versions of one posting", rank))
    split = {(c.kind, c.value): c.kept_in for c in cuts}
    for (kind, value), members in sorted(idents.items()):
        label = f"{kind} {value}" if kind != "image" else f"near-identical images (group {value})"
        weight = KIND_WEIGHTS[kind]
        for part in split.get((kind, value), (tuple(sorted(members)),)):
            if wanted[part[0]]:
                joins.extend(confidence.star(list(part), weight, kind, label, rank))
    details: dict[str, str] = {}  # one string per shown similarity, not one per edge (6.7M edges at 1M ads)
    for e in edges:
        a = index[e.ad_a]
        if wanted[a]:
            shown = f"{e.similarity:.2f}"
            detail = details.get(shown) or details.setdefault(
                shown, f"near-duplicate text (similarity {shown})"
            )
            joins.append(confidence.Join(a, index[e.ad_b], e.similarity, "text", detail))
    for t in found:
        if wanted[t.ad_a]:
            detail = f"same operator's template (overlap {t.score:.2f}, posted together in {t.cities} cities)"
            joins.append(confidence.Join(t.ad_a, t.ad_b, t.score, "template", detail))
    joined, weakest = confidence.weakest_joins(n, joins, rank)
    out: dict[str, tuple[float, str]] = {}
    for group, nid in zip(groups, ids, strict=True):
        if nid in known:
            out[nid] = known[nid]
            continue
        found_weakest = [weakest[r] for r in {joined.find(i) for i in group} if r in weakest]
        if found_weakest:
            w = min(found_weakest, key=lambda j: j.strength)
            out[nid] = (round(w.strength, 4), f"{w.kind}: {w.detail}")
    return out


def unchanged_confidence(
    conn: Connection,
    graph: persist.Graph,
    changes: persist.EvidenceChanges,
    featured: set[int],
    idents: dict[tuple[str, str], set[int]],
    ad_keys: Sequence[int],
) -> dict[str, tuple[float, str]]:
    """Networks whose joins are the last run's, with the confidence their stored record holds.

    A network's joins are the versions of its postings, the identifiers it was joined on (the part
    kept within it, for a split one), its text edges and its template links. They are the last run's
    when it has the same ads, none of them re-extracted, none showing an identifier that is split
    now or was last run (a split identifier's parts move with groups elsewhere), and none at an end
    of a text or template edge that was added, dropped or changed or showing an image whose group
    changed (`changes.touched`). Anything else is recomputed. `ad_keys`: every ad, ascending (the
    corpus order); `idents` holds positions in it."""
    if changes.touched is None:
        return {}
    keys = np.asarray(ad_keys, dtype=np.int64)
    dirty = np.zeros(len(keys), dtype=bool)  # by position: a mask, not a set of ad keys
    for marked in (np.fromiter(featured, dtype=np.int64, count=len(featured)), changes.touched):
        where = np.minimum(np.searchsorted(keys, marked), max(len(keys) - 1, 0))
        if len(keys):
            dirty[where[keys[where] == marked]] = True
    for key in changes.flipped | {(c.kind, c.value) for c in graph.cuts}:
        members = idents.get(key)
        if members:
            dirty[list(members)] = True
    stored = persist.stored_confidence(conn)
    out: dict[str, tuple[float, str]] = {}
    for group, nid in zip(graph.groups, graph.ids, strict=True):
        conf, weakest = stored.get(nid, (None, None))
        if conf is None or weakest is None or nid not in changes.same_ads:
            continue
        if not dirty[np.searchsorted(keys, group)].any():
            out[nid] = (conf, weakest)
    return out
