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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, delete, select, update

from safeharbor.link.movement import Circuit, Stay, circuits, distance_travelled, stays_from
from safeharbor.link.tables import (
    link_ad_network,
    link_cuts,
    link_features,
    link_idents,
    link_network_summary,
)
from safeharbor.storage.batching import chunks
from safeharbor.storage.engine import bulk_insert
from safeharbor.storage.schema import ads, extractions

CHUNK = 2000
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
    "confidence",
    "weakest",
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
    confidence: float | None = None  # weakest join of its strongest spanning tree (link.confidence)
    weakest: str | None = None  # what that join is ("template: ...", "phone +1...")


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    for chunk in chunks(items, CHUNK):
        yield list(chunk)


def members_of(conn: Connection, network_ids: Sequence[str]) -> dict[str, list[int]]:
    """Ad keys of each network (sorted), one indexed query per chunk of ids."""
    members: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(list(network_ids)):
        query = select(link_ad_network.c.network_id, link_ad_network.c.ad_key).where(
            link_ad_network.c.network_id.in_(chunk)
        )
        for nid, key in conn.execute(query.order_by(link_ad_network.c.ad_key)):
            members[nid].append(key)
    return members


@dataclass(frozen=True, slots=True)
class MemberVisit:
    """When and where one ad was posted (its place may be unknown)."""

    posted_at: str
    city: str | None
    state: str | None
    lat: float | None
    lon: float | None


@dataclass(slots=True)
class MemberFacts:
    """What a network record needs of one member ad."""

    visit: MemberVisit | None = None
    posting: str | None = None  # link_features' posting key
    source_id: tuple[str, str] | None = None  # (source, ad id)
    values: list[tuple[str, str]] = field(default_factory=list)  # (kind, value): names, contacts, images


def load_member_facts(conn: Connection, keys: Sequence[int]) -> dict[int, MemberFacts]:
    """Place, time, posting, extracted names and contacts, and image hashes of these ads (batched)."""
    facts: dict[int, MemberFacts] = defaultdict(MemberFacts)
    for chunk in chunks(sorted(set(keys))):
        key_chunk = list(chunk)
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
            facts[key].visit = MemberVisit(posted_at, city, state, lat, lon)
            facts[key].posting = posting
        # No kind filters in SQL on these two: with one, SQLite prefers the (kind, value) index and
        # walks every phone/name (or image hash) in the store instead of the per-ad index (~0.5 s
        # per query on 100k ads); the few other rows per ad are cheaper to skip here.
        q2 = select(extractions.c.ad_key, extractions.c.kind, extractions.c.value).where(
            extractions.c.ad_key.in_(key_chunk)
        )
        for key, kind, value in conn.execute(q2):
            if kind in RECORD_KINDS:
                facts[key].values.append((kind, value))
        q3 = select(link_idents.c.ad_key, link_idents.c.kind, link_idents.c.value).where(
            link_idents.c.ad_key.in_(key_chunk)
        )
        for key, kind, value in conn.execute(q3):
            if kind == "image":
                facts[key].values.append(("image", value))
        for key, source, ad_id in conn.execute(
            select(ads.c.ad_key, ads.c.source, ads.c.ad_id).where(ads.c.ad_key.in_(key_chunk))
        ):
            facts[key].source_id = (source, ad_id)
    return dict(facts)


def record_of(
    nid: str, keys: list[int], facts: dict[int, MemberFacts], cut: set[tuple[str, str]]
) -> NetworkRecord:
    """The record of one network from its members' facts (pure)."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    shared: set[str] = set()
    empty = MemberFacts()
    for k in keys:
        for kind, value in facts.get(k, empty).values:
            norm = value if kind in ("name", "phone") else value.lower()
            if (kind, norm) in cut:
                shared.add(f"{kind} {norm}")
            else:
                by_kind[kind].add(norm)
    latest: dict[str, int] = {}  # one visit per posting: its latest version
    for k in keys:
        posting = facts.get(k, empty).posting
        if posting is not None and facts[k].visit is not None:
            latest[posting] = max(k, latest.get(posting, k))
    visits = [facts[k].visit for k in sorted(latest.values())]
    rows = [(v.posted_at, v.city, v.state, v.lat, v.lon) for v in visits if v is not None]
    times = [r[0] for r in rows]
    stays = stays_from(rows)
    return NetworkRecord(
        id=nid,
        ad_keys=keys,
        postings=len({facts.get(k, empty).source_id or (str(k), "") for k in keys}),
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


def compute_records(
    conn: Connection, network_ids: Sequence[str], members: dict[str, list[int]] | None = None
) -> list[NetworkRecord]:
    """Records of these networks derived from their ads (in the order given; unknown ids skipped)."""
    if members is None:
        members = members_of(conn, network_ids)
    facts = load_member_facts(conn, [k for nid in network_ids for k in members.get(nid, ())])
    cut = {(k, v) for k, v in conn.execute(select(link_cuts.c.kind, link_cuts.c.value))}
    return [record_of(nid, members[nid], facts, cut) for nid in network_ids if members.get(nid)]


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
        record.confidence,
        record.weakest,
    )


def write_summaries(
    conn: Connection,
    network_ids: Iterable[str],
    *,
    drop: Iterable[str] = (),
    confidence: Mapping[str, tuple[float, str]] | None = None,
) -> int:
    """(Re)compute and store the records of these networks; forget those of `drop`. Returns how many.

    `confidence`: each network's weakest join (from the run that made the networks)."""
    ids = sorted(set(network_ids))
    for chunk in _chunks(sorted(set(drop) | set(ids))):
        conn.execute(delete(link_network_summary).where(link_network_summary.c.network_id.in_(chunk)))
    written = 0
    for chunk in _chunks(ids):
        records = compute_records(conn, chunk)
        for r in records:
            r.confidence, r.weakest = (confidence or {}).get(r.id, (None, None))
        bulk_insert(conn, link_network_summary, SUMMARY_COLUMNS, [_row(r) for r in records])
        written += len(records)
    return written


def set_confidence(conn: Connection, confidence: Mapping[str, tuple[float, str]]) -> int:
    """Store a new confidence and weakest join in these networks' records, leaving the rest of each
    record as it is: for networks whose ads and identifiers are as last run and whose joins alone
    changed (a text similarity after the rarity weights moved), recomputing the record from its ads
    would give the stored one again. Returns how many records were updated."""
    rows = [
        {"nid": nid, "confidence": conf, "weakest": weakest}
        for nid, (conf, weakest) in sorted(confidence.items())
    ]
    statement = (
        update(link_network_summary)
        .where(link_network_summary.c.network_id == bindparam("nid"))
        .values(confidence=bindparam("confidence"), weakest=bindparam("weakest"))
    )
    for chunk in chunks(rows, CHUNK):
        conn.execute(statement, list(chunk))
    return len(rows)


def load_records(conn: Connection, network_ids: Sequence[str]) -> list[NetworkRecord]:
    """Records of these networks (in the order given; unknown ids skipped): stored rows, else live."""
    members = members_of(conn, network_ids)
    stored: dict[str, NetworkRecord] = {}
    for chunk in _chunks([nid for nid in network_ids if nid in members]):
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
                confidence=row.confidence,
                weakest=row.weakest,
            )
    missing = [nid for nid in network_ids if nid in members and nid not in stored]
    if missing:
        stored.update((r.id, r) for r in compute_records(conn, missing, members))
    return [stored[nid] for nid in network_ids if nid in stored]


def load_stays(conn: Connection, network_ids: Sequence[str]) -> dict[str, list[Stay]]:
    """Where each of these networks stayed (unknown ids absent): the stored column alone, without the
    member list a whole record reads (thousands of ads for a large network); live for a missing row."""
    found: dict[str, list[Stay]] = {}
    for chunk in _chunks(list(network_ids)):
        query = select(link_network_summary.c.network_id, link_network_summary.c.stays)
        for nid, stays in conn.execute(query.where(link_network_summary.c.network_id.in_(chunk))):
            found[nid] = [Stay(*s) for s in json.loads(stays)]
    missing = [nid for nid in network_ids if nid not in found]
    if missing:
        found.update((r.id, r.stays) for r in load_records(conn, missing))
    return found
