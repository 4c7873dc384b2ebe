"""Network records: derived from the ads of a network, precomputed at link time, read in one query.

A record (names, contacts, image hashes, movement) takes every member ad's extractions, identifiers
and place to build, hundreds of milliseconds for a large network; the analyst pages need it in a few.
So `update_networks` calls `write_summaries` for the networks that changed in a run (new, grown,
merged, split, re-extracted ads, or an identifier whose cut verdict flipped), and the read API
(`safeharbor.link.queries`) loads `link_network_summary` rows, computing live only a network that has
no row yet (e.g. a store linked before migration link_0002 and not relinked since).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select

from safeharbor.link.movement import Circuit, Stay, circuits, distance_travelled, stays_from
from safeharbor.link.tables import (
    link_ad_network,
    link_cuts,
    link_features,
    link_idents,
    link_network_summary,
)
from safeharbor.storage.batching import chunks, sorted_chunks
from safeharbor.storage.engine import bulk_insert
from safeharbor.storage.schema import ads, extractions

RECORD_KINDS = ("name", "phone", "email", "handle")
SUMMARY_COLUMNS = (
    "network_id",
    "postings",
    "first_seen",
    "last_seen",
    "names",
    "phones",
    "emails",
    "handles",
    "image_hashes",
    "stays",
    "distance_km",
    "circuits",
    "shared_identifiers",
)


@dataclass
class NetworkRecord:
    id: str
    ad_keys: list[int]
    postings: int
    names: list[str]
    phones: list[str]
    emails: list[str]
    handles: list[str]
    image_hashes: list[str]
    first_seen: str
    last_seen: str
    stays: list[Stay]
    distance_km: float
    circuits: list[Circuit]
    shared_identifiers: list[str] = field(default_factory=list)  # in its ads but cut as junk/shared


def members_of(conn: Connection, network_ids: Sequence[str]) -> dict[str, list[int]]:
    """Ad keys of each network (sorted), one indexed query per chunk of ids."""
    members: dict[str, list[int]] = defaultdict(list)
    for chunk in chunks(list(network_ids)):
        query = select(link_ad_network.c.network_id, link_ad_network.c.ad_key).where(
            link_ad_network.c.network_id.in_(chunk)
        )
        for nid, key in conn.execute(query.order_by(link_ad_network.c.ad_key)):
            members[nid].append(key)
    return members


def compute_records(
    conn: Connection, network_ids: Sequence[str], members: dict[str, list[int]] | None = None
) -> list[NetworkRecord]:
    """Records of these networks derived from their ads (in the order given; unknown ids skipped)."""
    if members is None:
        members = members_of(conn, network_ids)
    all_keys = sorted(k for nid in network_ids for k in members.get(nid, ()))
    feats: dict[int, tuple[str, str | None, str | None, float | None, float | None, str]] = {}
    values: dict[int, list[tuple[str, str]]] = defaultdict(list)
    postings: dict[int, tuple[str, str]] = {}
    for key_chunk in chunks(all_keys):
        q = select(
            link_features.c.ad_key,
            link_features.c.posted_at,
            link_features.c.city,
            link_features.c.state,
            link_features.c.lat,
            link_features.c.lon,
            link_features.c.posting,
        ).where(link_features.c.ad_key.in_(key_chunk))
        for key, posted_at, city, state, lat, lon, posting in conn.execute(q):
            feats[key] = (posted_at, city, state, lat, lon, posting)
        # No kind filters in SQL on these two: with one, SQLite prefers the (kind, value) index and
        # walks every phone/name (or image hash) in the store instead of the per-ad index (~0.5 s
        # per query on 100k ads); the few other rows per ad are cheaper to skip here.
        q2 = select(extractions.c.ad_key, extractions.c.kind, extractions.c.value).where(
            extractions.c.ad_key.in_(key_chunk)
        )
        for key, kind, value in conn.execute(q2):
            if kind in RECORD_KINDS:
                values[key].append((kind, value))
        q3 = select(link_idents.c.ad_key, link_idents.c.kind, link_idents.c.value).where(
            link_idents.c.ad_key.in_(key_chunk)
        )
        for key, kind, value in conn.execute(q3):
            if kind == "image":
                values[key].append(("image", value))
        for key, source, ad_id in conn.execute(
            select(ads.c.ad_key, ads.c.source, ads.c.ad_id).where(ads.c.ad_key.in_(key_chunk))
        ):
            postings[key] = (source, ad_id)
    cut = {(k, v) for k, v in conn.execute(select(link_cuts.c.kind, link_cuts.c.value))}
    out: list[NetworkRecord] = []
    for nid in network_ids:
        keys = members.get(nid)
        if not keys:
            continue
        by_kind: dict[str, set[str]] = defaultdict(set)
        shared: set[str] = set()
        for k in keys:
            for kind, value in values.get(k, []):
                norm = value if kind in ("name", "phone") else value.lower()
                if (kind, norm) in cut:
                    shared.add(f"{kind} {norm}")
                else:
                    by_kind[kind].add(norm)
        latest: dict[str, int] = {}  # one visit per posting: its latest version
        for k in keys:
            if k in feats:
                latest[feats[k][5]] = max(k, latest.get(feats[k][5], k))
        visits = [feats[k][:5] for k in sorted(latest.values())]
        times = [v[0] for v in visits]
        stays = stays_from(visits)
        out.append(
            NetworkRecord(
                id=nid,
                ad_keys=keys,
                postings=len({postings.get(k, (str(k), "")) for k in keys}),
                names=sorted(by_kind["name"]),
                phones=sorted(by_kind["phone"]),
                emails=sorted(by_kind["email"]),
                handles=sorted(by_kind["handle"]),
                image_hashes=sorted(by_kind["image"]),
                first_seen=min(times) if times else "",
                last_seen=max(times) if times else "",
                stays=stays,
                distance_km=distance_travelled(stays),
                circuits=circuits(stays),
                shared_identifiers=sorted(shared),
            )
        )
    return out


def _row(record: NetworkRecord) -> tuple[object, ...]:
    stays = [[s.city, s.state, s.lat, s.lon, s.first_seen, s.last_seen, s.ads] for s in record.stays]
    return (
        record.id,
        record.postings,
        record.first_seen,
        record.last_seen,
        json.dumps(record.names),
        json.dumps(record.phones),
        json.dumps(record.emails),
        json.dumps(record.handles),
        json.dumps(record.image_hashes),
        json.dumps(stays),
        record.distance_km,
        json.dumps([[list(c.cities), c.loops] for c in record.circuits]),
        json.dumps(record.shared_identifiers),
    )


def write_summaries(conn: Connection, network_ids: Iterable[str], *, drop: Iterable[str] = ()) -> int:
    """(Re)compute and store the records of these networks; forget those of `drop`. Returns how many."""
    ids = sorted(set(network_ids))
    for chunk in sorted_chunks(set(drop) | set(ids)):
        conn.execute(delete(link_network_summary).where(link_network_summary.c.network_id.in_(chunk)))
    written = 0
    for chunk in chunks(ids):
        records = compute_records(conn, [str(x) for x in chunk])
        bulk_insert(conn, link_network_summary, SUMMARY_COLUMNS, [_row(r) for r in records])
        written += len(records)
    return written


def load_records(conn: Connection, network_ids: Sequence[str]) -> list[NetworkRecord]:
    """Records of these networks (in the order given; unknown ids skipped): stored rows, else live."""
    members = members_of(conn, network_ids)
    stored: dict[str, NetworkRecord] = {}
    for chunk in chunks([nid for nid in network_ids if nid in members]):
        for row in conn.execute(
            select(link_network_summary).where(link_network_summary.c.network_id.in_(chunk))
        ):
            stored[row.network_id] = NetworkRecord(
                id=row.network_id,
                ad_keys=members[row.network_id],
                postings=row.postings,
                names=json.loads(row.names),
                phones=json.loads(row.phones),
                emails=json.loads(row.emails),
                handles=json.loads(row.handles),
                image_hashes=json.loads(row.image_hashes),
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                stays=[Stay(*s) for s in json.loads(row.stays)],
                distance_km=row.distance_km,
                circuits=[Circuit(tuple(c), int(n)) for c, n in json.loads(row.circuits)],
                shared_identifiers=json.loads(row.shared_identifiers),
            )
    missing = [nid for nid in network_ids if nid in members and nid not in stored]
    if missing:
        stored.update((r.id, r) for r in compute_records(conn, missing, members))
    return [stored[nid] for nid in network_ids if nid in stored]
