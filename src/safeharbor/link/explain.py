"""Why are these two ads linked? The shortest chain of accepted edges between them, with evidence.

The search runs inside their network only, over the same evidence the clustering used: versions of a
posting, identifiers (one split between unrelated groups links only inside each, and the search stays
inside one network), image groups, accepted text edges and template links. Among chains of equal
length the strongest kinds come first (version, phone, email, handle, image, text).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from difflib import SequenceMatcher

from sqlalchemy import Connection, select

from safeharbor.link.evidence import KIND_WEIGHTS, EdgeEvidence, EdgeKind
from safeharbor.link.images import hamming
from safeharbor.link.tables import (
    link_ad_network,
    link_features,
    link_idents,
    link_image_groups,
    link_template_edges,
    link_text_edges,
)
from safeharbor.link.text.tokens import Token, ad_tokens, longest_common_passage
from safeharbor.storage.batching import chunks
from safeharbor.storage.reads import extractions_for, load_ads
from safeharbor.types import Ad

_ORDER: tuple[EdgeKind, ...] = ("version", "phone", "email", "handle", "image", "text", "template")
PASSAGE_CHARS = 200


def why_linked(conn: Connection, ad_key_a: int, ad_key_b: int) -> list[EdgeEvidence]:
    """The chain of edges joining two ads of one network (empty if they are not linked)."""
    nets = dict(
        conn.execute(
            select(link_ad_network.c.ad_key, link_ad_network.c.network_id).where(
                link_ad_network.c.ad_key.in_([ad_key_a, ad_key_b])
            )
        ).all()
    )
    if ad_key_a == ad_key_b or nets.get(ad_key_a) is None or nets.get(ad_key_a) != nets.get(ad_key_b):
        return []
    keys = list(
        conn.execute(
            select(link_ad_network.c.ad_key).where(link_ad_network.c.network_id == nets[ad_key_a])
        ).scalars()
    )
    adjacency = _adjacency(conn, keys)
    path = _shortest_path(adjacency, ad_key_a, ad_key_b)
    return [_evidence(conn, a, b, kind, detail) for a, b, kind, detail in path]


Detail = tuple[str, str] | float | None
Adjacency = dict[int, list[tuple[int, EdgeKind, Detail]]]


def image_groups_of(conn: Connection, phashes: Iterable[str]) -> dict[str, str]:
    """phash -> its near-identical image group, for these hashes only (a hash alone in its group is absent).

    Read per network, never for the whole corpus: a page must not cost more as the store grows.
    """
    groups: dict[str, str] = {}
    for chunk in chunks(sorted(set(phashes))):
        query = select(link_image_groups.c.phash, link_image_groups.c.group_hash)
        groups.update(conn.execute(query.where(link_image_groups.c.phash.in_(chunk))).all())
    return groups


def _adjacency(conn: Connection, keys: list[int]) -> Adjacency:
    key_set = set(keys)
    adjacency: Adjacency = defaultdict(list)
    posting_of: dict[int, str] = {}
    idents: list[tuple[int, str, str]] = []
    for chunk in chunks(keys):
        for key, posting in conn.execute(
            select(link_features.c.ad_key, link_features.c.posting).where(link_features.c.ad_key.in_(chunk))
        ):
            posting_of[key] = posting
        query = select(link_idents.c.ad_key, link_idents.c.kind, link_idents.c.value)
        idents.extend(
            (key, kind, value)
            for key, kind, value in conn.execute(query.where(link_idents.c.ad_key.in_(chunk)))
        )
    groups = image_groups_of(conn, (value for _, kind, value in idents if kind == "image"))
    members: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for key, kind, value in idents:
        name = groups.get(value, value) if kind == "image" else value
        members[(kind, name)].append((key, value))
    by_posting: dict[str, list[int]] = defaultdict(list)
    for key, posting in sorted(posting_of.items()):
        by_posting[posting].append(key)
    for same in by_posting.values():
        for a in same:
            adjacency[a].extend((b, "version", None) for b in same if b != a)
    for (kind, _name), found in sorted(members.items()):
        for a, va in found:
            adjacency[a].extend((b, kind, (va, vb)) for b, vb in found if b != a)  # type: ignore[misc]
    rows: list[tuple[int, int, float]] = []
    for chunk in chunks(keys):
        query = select(link_text_edges.c.ad_a, link_text_edges.c.ad_b, link_text_edges.c.similarity)
        rows.extend(conn.execute(query.where(link_text_edges.c.ad_a.in_(chunk))).all())
    for a, b, sim in rows:
        if a in key_set and b in key_set:
            adjacency[a].append((b, "text", sim))
            adjacency[b].append((a, "text", sim))
    for part in chunks(keys):
        query = select(link_template_edges.c.ad_a, link_template_edges.c.ad_b, link_template_edges.c.score)
        for a, b, score in conn.execute(query.where(link_template_edges.c.ad_a.in_(list(part)))):
            if a in key_set and b in key_set:
                adjacency[a].append((b, "template", score))
                adjacency[b].append((a, "template", score))
    for neighbours in adjacency.values():
        neighbours.sort(key=lambda n: (_ORDER.index(n[1]), n[0]))
    return adjacency


def _shortest_path(adjacency: Adjacency, start: int, goal: int) -> list[tuple[int, int, EdgeKind, Detail]]:
    previous: dict[int, tuple[int, EdgeKind, Detail]] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for nxt, kind, detail in adjacency.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                previous[nxt] = (node, kind, detail)
                queue.append(nxt)
    if goal not in previous:
        return []
    path: list[tuple[int, int, EdgeKind, Detail]] = []
    node = goal
    while node != start:
        prev, kind, detail = previous[node]
        path.append((prev, node, kind, detail))
        node = prev
    path.reverse()
    return path


def _evidence(conn: Connection, a: int, b: int, kind: EdgeKind, detail: Detail) -> EdgeEvidence:
    weight = KIND_WEIGHTS[kind]
    if kind == "version":
        return EdgeEvidence(a, b, kind, weight)
    if kind == "text":
        sim = float(detail) if isinstance(detail, float | int) else None
        pa, pb = _passages(conn, a, b)
        return EdgeEvidence(a, b, kind, weight, similarity=sim, passage_a=pa, passage_b=pb)
    if kind == "template":
        score = float(detail) if isinstance(detail, float | int) else None
        length, slots, pa, pb = _template(conn, a, b)
        return EdgeEvidence(
            a,
            b,
            kind,
            score if score is not None else weight,
            similarity=score,
            passage_a=pa,
            passage_b=pb,
            template_tokens=length,
            slots_differ=slots,
        )
    assert isinstance(detail, tuple)
    va, vb = detail
    if kind == "image":
        return EdgeEvidence(a, b, kind, weight, value=va, other_value=vb, hamming=hamming(va, vb))
    return EdgeEvidence(a, b, kind, weight, value=va)


SLOT_KINDS = ("name", "age", "city", "phone", "price", "email", "handle")


def _template(conn: Connection, a: int, b: int) -> tuple[int, tuple[str, ...], str | None, str | None]:
    """The template two ads share: its length in tokens (slots masked), the slots whose values
    differ, and the longest shared passage as written in each."""
    loaded = {ad.ad_key: ad for ad in load_ads(conn, [a, b])}
    found = extractions_for(conn, [a, b])
    if a not in loaded or b not in loaded:
        return 0, (), None, None
    ta = ad_tokens(loaded[a].title, loaded[a].body, found.get(a, []))
    tb = ad_tokens(loaded[b].title, loaded[b].body, found.get(b, []))
    matcher = SequenceMatcher(None, [t.text for t in ta], [t.text for t in tb], autojunk=False)
    length = sum(block.size for block in matcher.get_matching_blocks() if block.size >= 2)
    values: dict[str, tuple[set[str], set[str]]] = {k: (set(), set()) for k in SLOT_KINDS}
    for side, key in enumerate((a, b)):
        for e in found.get(key, []):
            if e.kind in values:
                values[e.kind][side].add(e.value.lower())
    slots = tuple(k for k, (va, vb) in values.items() if (va or vb) and va != vb)
    pa, pb = _passages(conn, a, b)
    return length, slots, pa, pb


def _passages(conn: Connection, a: int, b: int) -> tuple[str | None, str | None]:
    loaded = {ad.ad_key: ad for ad in load_ads(conn, [a, b])}
    found = extractions_for(conn, [a, b])
    if a not in loaded or b not in loaded:
        return None, None
    ta = ad_tokens(loaded[a].title, loaded[a].body, found.get(a, []))
    tb = ad_tokens(loaded[b].title, loaded[b].body, found.get(b, []))
    match = longest_common_passage(ta, tb)
    if match is None:
        return None, None
    a0, a1, b0, b1 = match

    def text(tokens: list[Token], lo: int, hi: int, ad: Ad) -> str:
        # A passage may run from the title into the body: show the part in the field it mostly lies in.
        span = tokens[lo:hi]
        fields = [t.field for t in span]
        field = max(dict.fromkeys(fields), key=fields.count)
        inside = [t for t in span if t.field == field]
        source = ad.field_text(field)  # type: ignore[arg-type]
        return source[inside[0].start : inside[-1].end][:PASSAGE_CHARS]

    return text(ta, a0, a1, loaded[a]), text(tb, b0, b1, loaded[b])
