"""Read API of the link stage: networks of ads, network records, graphs, cuts, and why ads are linked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from safeharbor.link.explain import image_groups_of, why_linked
from safeharbor.link.graph import Graph, MemberAd, NetworkMembers, TextLink, build_graph
from safeharbor.link.movement import Stay
from safeharbor.link.summary import NetworkRecord, load_records, load_stays
from safeharbor.link.tables import (
    link_ad_network,
    link_cuts,
    link_features,
    link_idents,
    link_image_groups,
    link_networks,
    link_text_edges,
)
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.schema import ads

__all__ = [
    "CutRecord",
    "Graph",
    "NetworkRecord",
    "ad_keys_for_posting",
    "cut_identifiers",
    "image_groups",
    "list_networks",
    "network_graph",
    "network_members",
    "network_posting_times",
    "network_record",
    "network_records_for",
    "network_stays",
    "networks_for_ads",
    "why_linked",
]


@dataclass(frozen=True, slots=True)
class CutRecord:
    """An identifier that giant-component control cut, and why."""

    kind: str
    value: str
    ads: int
    postings: int
    groups: int
    cities: int
    first_seen: str | None
    last_seen: str | None
    reason: str
    kept_in: list[tuple[str, int]] = field(default_factory=list)  # networks it links within, postings

    def kept_line(self) -> str:
        """'kept within N-000012 (14 postings), N-000087 (9 postings); the bridge refused'."""
        if not self.kept_in:
            return "links no group of its own"
        named = ", ".join(f"{nid} ({n} postings)" for nid, n in self.kept_in)
        return f"kept within {named}; the bridge between them refused"


def networks_for_ads(conn: Connection, ad_keys: Iterable[int]) -> dict[int, str]:
    """Network id of each ad that belongs to one (ads standing alone are absent)."""
    out: dict[int, str] = {}
    ids: dict[str, str] = {}  # one copy of each network id, shared by its ads (the score stage holds all)
    for chunk in sorted_chunks(ad_keys):
        query = select(link_ad_network.c.ad_key, link_ad_network.c.network_id)
        for key, nid in conn.execute(query.where(link_ad_network.c.ad_key.in_(chunk))):
            out[key] = ids.setdefault(nid, nid)
    return out


def image_groups(conn: Connection) -> Callable[[str], str | None]:
    """phash -> its near-identical image group; None for an image the link stage cut as shared."""
    groups = dict(conn.execute(select(link_image_groups.c.phash, link_image_groups.c.group_hash)).all())
    shared = set(conn.execute(select(link_cuts.c.value).where(link_cuts.c.kind == "image")).scalars())

    def group(phash: str) -> str | None:
        g = groups.get(phash, phash)
        return None if phash in shared or g in shared else g

    return group


def ad_keys_for_posting(conn: Connection, source: str, ad_id: str) -> list[int]:
    """All stored versions of one posting, oldest first."""
    query = select(ads.c.ad_key).where(ads.c.source == source, ads.c.ad_id == ad_id).order_by(ads.c.version)
    return list(conn.execute(query).scalars())


def cut_identifiers(conn: Connection, *, with_groups: bool = False) -> list[CutRecord]:
    """Identifiers split by giant-component control (kept within each group, refused as a bridge
    between groups), most widely used first. `with_groups`: also name the networks each is kept in."""
    rows = conn.execute(select(link_cuts).order_by(link_cuts.c.postings.desc(), link_cuts.c.value))
    return [
        CutRecord(
            r.kind,
            r.value,
            r.ads,
            r.postings,
            r.groups,
            r.cities,
            r.first_seen,
            r.last_seen,
            r.reason,
            _kept_in(conn, r.kind, r.value) if with_groups else [],
        )
        for r in rows.all()
    ]


def _kept_in(conn: Connection, kind: str, value: str) -> list[tuple[str, int]]:
    """Networks holding ads with this identifier (an image: any hash of its group), with postings."""
    values = [value]
    if kind == "image":
        values += list(
            conn.execute(
                select(link_image_groups.c.phash).where(link_image_groups.c.group_hash == value)
            ).scalars()
        )
    keys = conn.execute(
        select(link_idents.c.ad_key).where(link_idents.c.kind == kind, link_idents.c.value.in_(values))
    ).scalars()
    nets = set(networks_for_ads(conn, keys).values())
    sizes = dict(
        conn.execute(
            select(link_networks.c.network_id, link_networks.c.postings).where(
                link_networks.c.network_id.in_(sorted(nets))
            )
        ).all()
    )
    return sorted(((nid, int(sizes.get(nid, 0))) for nid in nets), key=lambda x: (-x[1], x[0]))


def network_record(conn: Connection, network_id: str) -> NetworkRecord | None:
    found = network_records_for(conn, [network_id])
    return found[0] if found else None


def list_networks(conn: Connection, *, limit: int = 50, offset: int = 0) -> list[NetworkRecord]:
    """Networks, largest (postings) first, then most recently seen."""
    query = (
        select(link_networks.c.network_id)
        .order_by(
            link_networks.c.postings.desc(), link_networks.c.last_seen.desc(), link_networks.c.network_id
        )
        .limit(limit)
        .offset(offset)
    )
    return network_records_for(conn, list(conn.execute(query).scalars()))


def network_records_for(conn: Connection, network_ids: Sequence[str]) -> list[NetworkRecord]:
    """Records of these networks (in the order given; unknown ids are skipped), loaded in bulk.

    Read from the records precomputed at link time (`link_network_summary`); a network without one
    (a store linked before that table existed) is computed from its ads.
    """
    return load_records(conn, list(network_ids))


def network_stays(conn: Connection, network_ids: Sequence[str]) -> dict[str, list[Stay]]:
    """Where each of these networks stayed (its record's stays, read without the rest of the record)."""
    return load_stays(conn, network_ids)


def network_posting_times(conn: Connection, network_id: str) -> list[tuple[int, str]]:
    """(ad_key, posted_at) of every ad of the network, newest first (one indexed query, no ad text)."""
    query = (
        select(ads.c.ad_key, ads.c.posted_at)
        .join(link_ad_network, link_ad_network.c.ad_key == ads.c.ad_key)
        .where(link_ad_network.c.network_id == network_id)
        .order_by(ads.c.posted_at.desc(), ads.c.ad_key.desc())
    )
    return [(key, posted_at) for key, posted_at in conn.execute(query)]


def network_members(conn: Connection, network_id: str, *, max_ads: int | None = None) -> NetworkMembers:
    """What the network's graph is drawn from: its ads, their identifiers, image groups, cuts, text links.

    With `max_ads`, only the network's newest `max_ads` ads and what joins them (`total_ads` says how
    many it has): a graph's cost then stays bounded however large the network. An unknown network has
    no ads (and so an empty graph).
    """
    keys = sorted(
        conn.execute(
            select(link_ad_network.c.ad_key).where(link_ad_network.c.network_id == network_id)
        ).scalars()
    )
    if not keys:
        return NetworkMembers(ads=[], identifiers=[])
    total = len(keys)
    if max_ads is not None and total > max_ads:
        keys = sorted(key for key, _posted in network_posting_times(conn, network_id)[:max_ads])
    member_ads: list[MemberAd] = []
    identifiers: list[tuple[int, str, str]] = []
    text_links: list[TextLink] = []
    for chunk in sorted_chunks(keys):
        q = (
            select(
                ads.c.ad_key,
                ads.c.source,
                ads.c.ad_id,
                ads.c.version,
                link_features.c.posted_at,
                link_features.c.city,
                link_features.c.state,
                link_features.c.posting,
            )
            .join(link_features, link_features.c.ad_key == ads.c.ad_key)
            .where(ads.c.ad_key.in_(chunk))
        )
        member_ads.extend(MemberAd(*row) for row in conn.execute(q))
        q2 = select(link_idents.c.ad_key, link_idents.c.kind, link_idents.c.value).where(
            link_idents.c.ad_key.in_(chunk)
        )
        identifiers.extend((key, kind, value) for key, kind, value in conn.execute(q2))
        q3 = select(link_text_edges).where(link_text_edges.c.ad_a.in_(chunk))
        text_links.extend(TextLink(r.ad_a, r.ad_b, r.similarity, r.shared) for r in conn.execute(q3))
    groups = image_groups_of(conn, (value for _, kind, value in identifiers if kind == "image"))
    cut = {(c.kind, c.value) for c in cut_identifiers(conn)}
    return NetworkMembers(member_ads, identifiers, groups, cut, text_links, total_ads=total)


def network_graph(conn: Connection, network_id: str, *, max_ads: int | None = None) -> Graph:
    """Ads and the identifiers that join them, with typed edges (see `link.graph.build_graph`).

    Identifiers cut as junk/shared and identifiers seen in only one ad are left out; an unknown
    network has no nodes. With `max_ads`, the newest `max_ads` ads only (`Graph.total_ads` tells).
    """
    return build_graph(network_members(conn, network_id, max_ads=max_ads))
