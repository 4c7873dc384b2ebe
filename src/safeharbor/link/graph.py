"""A network as a graph of ads and the identifiers that join them: typed, and built without the database.

`link.queries.network_members` reads what a network's graph is made of; `build_graph` (pure) turns
that into nodes and typed edges, each edge carrying the evidence a person can check. Drawing it
(Cytoscape's JSON) is the web layer's business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from safeharbor.link.evidence import KIND_WEIGHTS


@dataclass(frozen=True, slots=True)
class MemberAd:
    ad_key: int
    source: str
    ad_id: str
    version: int
    posted_at: str
    city: str | None
    state: str | None
    posting: str  # the posting (source, id) all versions of one ad share


@dataclass(frozen=True, slots=True)
class TextLink:
    ad_a: int
    ad_b: int
    similarity: float
    shared: int  # distinctive passages shared


@dataclass(frozen=True, slots=True)
class NetworkMembers:
    """What a network's graph is drawn from, as read from the link stage's tables."""

    ads: list[MemberAd]
    identifiers: list[tuple[int, str, str]]  # (ad_key, kind, value) as the ads show them
    image_groups: dict[str, str] = field(default_factory=dict)  # phash -> the group's hash
    cut: set[tuple[str, str]] = field(default_factory=set)  # (kind, value) cut as junk/shared
    text_links: list[TextLink] = field(default_factory=list)
    total_ads: int = 0  # the network's ads, when `ads` holds only some of them (0: all are there)


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str  # "ad:<key>" or "<kind>:<value>"
    kind: str  # ad | phone | email | handle | image
    label: str
    ad_key: int | None = None  # ads only
    posted_at: str | None = None  # ads only
    place: str | None = None  # ads only: "City, ST" or "unplaced"


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    kind: str  # phone | email | handle | image | version | text
    weight: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Graph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    total_ads: int = 0  # the network's ads (the graph may draw only the newest of them)

    @property
    def shown_ads(self) -> int:
        return sum(1 for node in self.nodes if node.kind == "ad")


def build_graph(members: NetworkMembers) -> Graph:
    """Ads, the identifiers two or more of them share (not cut), and typed edges with their evidence.

    Image hashes are joined by their group (near-identical images); versions of one posting are
    chained; near-duplicate text joins two ads of the network directly.
    """
    graph = Graph(total_ads=max(members.total_ads, len(members.ads)))
    by_posting: dict[str, list[int]] = defaultdict(list)
    for ad in members.ads:
        graph.nodes.append(
            GraphNode(
                id=f"ad:{ad.ad_key}",
                kind="ad",
                label=f"{ad.source}:{ad.ad_id}" + (f" v{ad.version}" if ad.version > 1 else ""),
                ad_key=ad.ad_key,
                posted_at=ad.posted_at,
                place=f"{ad.city}, {ad.state}" if ad.city else "unplaced",
            )
        )
        by_posting[ad.posting].append(ad.ad_key)
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for key, kind, value in members.identifiers:
        name = members.image_groups.get(value, value) if kind == "image" else value
        grouped[(kind, name)].append((key, value))
    for (kind, value), found in sorted(grouped.items()):
        if (kind, value) in members.cut or len({k for k, _ in found}) < 2:
            continue
        node_id = f"{kind}:{value}"
        graph.nodes.append(GraphNode(id=node_id, kind=kind, label=value))
        for key, raw in found:
            evidence = f"ad shows {kind} {raw}" if kind != "image" else f"image hash {raw} (group {value})"
            graph.edges.append(GraphEdge(f"ad:{key}", node_id, kind, KIND_WEIGHTS[kind], evidence))
    for posting_keys in by_posting.values():
        for a, b in zip(posting_keys, posting_keys[1:], strict=False):
            graph.edges.append(
                GraphEdge(
                    f"ad:{a}",
                    f"ad:{b}",
                    "version",
                    KIND_WEIGHTS["version"],
                    "two versions of the same posting",
                )
            )
    keys = {ad.ad_key for ad in members.ads}
    for link in members.text_links:
        if link.ad_a in keys and link.ad_b in keys:
            evidence = (
                f"near-duplicate text (similarity {link.similarity:.2f}, "
                f"{link.shared} distinctive passages shared)"
            )
            graph.edges.append(
                GraphEdge(f"ad:{link.ad_a}", f"ad:{link.ad_b}", "text", KIND_WEIGHTS["text"], evidence)
            )
    return graph
