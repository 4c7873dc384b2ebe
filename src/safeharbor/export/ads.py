"""`safeharbor export ads`: one JSON object per ingested ad (its latest version), as in docs/formats.md."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, func, select

from safeharbor.link.queries import networks_for_ads
from safeharbor.score.queries import scores_for_ads
from safeharbor.storage.batching import chunks
from safeharbor.storage.reads import extractions_for
from safeharbor.storage.schema import ad_places, ads

# The kinds whose attrs an exported record uses (a price's currency and unit, an age's form).
EXPORTED_ATTRS = ("price", "age")


def latest_version_keys(conn: Connection) -> list[int]:
    """The ad_key of each ad's latest version, in key order."""
    latest = (
        select(ads.c.source, ads.c.ad_id, func.max(ads.c.version).label("version"))
        .group_by(ads.c.source, ads.c.ad_id)
        .subquery()
    )
    query = (
        select(ads.c.ad_key)
        .join(
            latest,
            (ads.c.source == latest.c.source)
            & (ads.c.ad_id == latest.c.ad_id)
            & (ads.c.version == latest.c.version),
        )
        .order_by(ads.c.ad_key)
    )
    return list(conn.execute(query).scalars())


def _unique(values: Iterator[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _prices(ex: list[Any]) -> list[dict[str, Any]]:
    """Each distinct price the ad states: {amount, currency, minutes, unit}, in text order."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in ex:
        if e.kind != "price":
            continue
        a = e.attrs
        price = {"amount": int(e.value), "currency": a.get("currency", "USD"), "minutes": a.get("minutes"),
                 "unit": a.get("unit")}  # fmt: skip
        found.setdefault(tuple(price.values()), price)
    return list(found.values())


def ad_records(conn: Connection) -> Iterator[dict[str, Any]]:
    keys = latest_version_keys(conn)
    for chunk in chunks(keys):
        found = extractions_for(conn, chunk, attrs_of=EXPORTED_ATTRS)
        places = {
            r.ad_key: (r.city, r.state)
            for r in conn.execute(select(ad_places).where(ad_places.c.ad_key.in_(chunk)))
        }
        networks = networks_for_ads(conn, chunk)
        scores = scores_for_ads(conn, chunk, spans=False)  # export writes no spans
        ids = {
            r.ad_key: (r.ad_id, r.source)
            for r in conn.execute(
                select(ads.c.ad_key, ads.c.ad_id, ads.c.source).where(ads.c.ad_key.in_(chunk))
            )
        }
        for key in chunk:
            ex = found.get(key, [])

            def values(kind: str, ex: list[Any] = ex) -> list[str]:
                return _unique(e.value for e in ex if e.kind == kind)

            city, state = places.get(key, (None, None))
            score = scores.get(key)
            ad_id, source = ids[key]
            yield {
                "id": ad_id,
                "source": source,
                "phones": [v for v in values("phone") if v.startswith("+")],  # E.164 only
                "emails": values("email"),
                "handles": values("handle"),
                # Stated ages only; a range ("18-35") states no one's age and stays in the workspace.
                "ages": _unique(
                    int(e.value) for e in ex if e.kind == "age" and e.attrs.get("form") != "range"
                ),
                "prices": _prices(ex),
                "names": values("name"),
                "city": city,
                "state": state,
                "country": next((e.value for e in ex if e.kind == "country"), None),
                "risk": round(score.risk, 4) if score is not None else None,
                "flags": [f.as_export() for f in score.flags] if score is not None else [],
                "network": networks.get(key),
            }
