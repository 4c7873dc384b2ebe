"""`export networks` objects (docs/formats.md), built from the link stage's network records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from safeharbor.link.queries import NetworkRecord, network_records_for
from safeharbor.link.tables import link_networks
from safeharbor.storage.batching import chunks

BATCH = 500


def record_to_export(record: NetworkRecord) -> dict[str, Any]:
    """One docs/formats.md network object (risk left None: the score stage fills it), plus optional fields."""
    return {
        "network": record.id,
        "ads": record.postings,  # ads as docs/formats.md counts them: postings (source, id), not versions
        "phones": record.phones,
        "emails": record.emails,
        "names": record.names,
        "cities": [stay.as_export() for stay in record.stays],
        "risk": None,
        "first_seen": record.first_seen,
        "last_seen": record.last_seen,
        "ad_versions": len(record.ad_keys),
        "handles": record.handles,
        "image_hashes": record.image_hashes,
        "distance_km": record.distance_km,
        "circuits": [c.as_export() for c in record.circuits],
        "shared_identifiers": record.shared_identifiers,
        "confidence": (
            {"value": record.confidence, "weakest": record.weakest} if record.confidence is not None else None
        ),
    }


def network_records(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every network, in id order, as export objects (loaded in batches)."""
    ids = list(
        conn.execute(select(link_networks.c.network_id).order_by(link_networks.c.network_id)).scalars()
    )
    for batch in chunks(ids, BATCH):
        for record in network_records_for(conn, batch):
            yield record_to_export(record)
