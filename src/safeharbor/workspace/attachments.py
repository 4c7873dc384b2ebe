"""What a person types to attach something to a case, resolved to the one thing it names (or refused).

People attach what they see on screen: an ad as `source:id` (or `source id`, as the ad page shows it)
or by its URL, a network by its id (`N-000026`, any case), a tip by its reference (`T-7K3M-Q9XD`).
The pages' own buttons send the internal keys (an ad's key, a tip's id), which are accepted too.
Each resolves to one canonical reference, so the same tip by reference and by id is one attachment;
anything that does not exist is refused with a message that says what was looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select

from safeharbor.link.queries import ad_keys_for_posting, network_record
from safeharbor.storage.schema import ads
from safeharbor.tips.tables import tips
from safeharbor.types import MAX_ID


class AttachError(ValueError):
    """A reference that names nothing (or nothing of that kind); the message says what was tried."""


@dataclass(frozen=True, slots=True)
class Resolved:
    item_type: str  # ad | network | tip
    ref: str  # canonical: ad key, network id (upper case), tip id
    label: str  # what a person sees: "nightboard-example nb589114", "N-000026", "T-7K3M-Q9XD"


_NETWORK = re.compile(r"^n-?(\d{1,9})$", re.IGNORECASE)
_TIP_REF = re.compile(r"^t-?([0-9a-z]{4})-?([0-9a-z]{4})$", re.IGNORECASE)
MAX_REF = 2000


def _latest(conn: Connection, source: str, ad_id: str) -> int | None:
    keys = ad_keys_for_posting(conn, source, ad_id)
    return keys[-1] if keys else None


def _ad_label(conn: Connection, ad_key: int) -> str | None:
    row = conn.execute(select(ads.c.source, ads.c.ad_id).where(ads.c.ad_key == ad_key)).first()
    return f"{row.source} {row.ad_id}" if row else None


def resolve_ad(conn: Connection, ref: str) -> Resolved:
    """An ad by `source:id`, `source id`, URL, or (from the pages' own buttons) its internal key."""
    text = ref.strip()
    key: int | None = None
    if text.isdigit():
        key = int(text) if int(text) <= MAX_ID and _ad_label(conn, int(text)) else None
    elif text.lower().startswith(("http://", "https://")):
        key = conn.execute(
            select(ads.c.ad_key).where(ads.c.url == text).order_by(ads.c.version.desc()).limit(1)
        ).scalar()
    else:
        for sep in (":", " "):
            source, found, ad_id = text.partition(sep)
            if found and source.strip() and ad_id.strip():
                key = _latest(conn, source.strip(), ad_id.strip())
                if key is not None:
                    break
    label = _ad_label(conn, key) if key is not None else None
    if key is None or label is None:
        raise AttachError(
            f"no ad {text!r}: give it as source:id (e.g. nightboard-example:nb589114) or by its URL"
        )
    return Resolved("ad", str(key), label)


def resolve_network(conn: Connection, ref: str) -> Resolved:
    """A network by the id its page shows (N-000026; case and the dash do not matter), if it exists."""
    text = ref.strip()
    match = _NETWORK.match(text)
    if match is None:
        raise AttachError(f"no network {text!r}: a network id looks like N-000026")
    network_id = f"N-{int(match.group(1)):06d}"
    if network_record(conn, network_id) is None:
        raise AttachError(f"no network {network_id}")
    return Resolved("network", network_id, network_id)


def resolve_tip(conn: Connection, ref: str) -> Resolved:
    """A tip by its reference (T-7K3M-Q9XD, any case) or, from the tip page's button, its id."""
    text = ref.strip()
    row = None
    if text.isdigit():
        if int(text) <= MAX_ID:
            query = select(tips.c.tip_id, tips.c.reference).where(tips.c.tip_id == int(text))
            row = conn.execute(query).first()
    else:
        match = _TIP_REF.match(text)
        if match is not None:
            reference = f"T-{match.group(1).upper()}-{match.group(2).upper()}"
            row = conn.execute(
                select(tips.c.tip_id, tips.c.reference).where(tips.c.reference == reference)
            ).first()
    if row is None:
        raise AttachError(f"no tip {text!r}: a tip reference looks like T-7K3M-Q9XD")
    return Resolved("tip", str(row.tip_id), str(row.reference))


def resolve(conn: Connection, item_type: str, ref: str) -> Resolved:
    if len(ref) > MAX_REF:
        raise AttachError("that reference is too long to name anything")
    if item_type == "ad":
        return resolve_ad(conn, ref)
    if item_type == "network":
        return resolve_network(conn, ref)
    if item_type == "tip":
        return resolve_tip(conn, ref)
    raise AttachError("what to attach must be an ad, a network or a tip")


def labels_for(conn: Connection, items: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """What a person sees for each attached (type, canonical ref): the ad's source and id, the tip's
    reference; a network is its own id."""
    out: dict[tuple[str, str], str] = {}
    ad_keys = [int(r) for t, r in items if t == "ad" and r.isdigit() and int(r) <= MAX_ID]
    if ad_keys:
        for row in conn.execute(
            select(ads.c.ad_key, ads.c.source, ads.c.ad_id).where(ads.c.ad_key.in_(ad_keys))
        ):
            out[("ad", str(row.ad_key))] = f"{row.source} {row.ad_id}"
    tip_ids = [int(r) for t, r in items if t == "tip" and r.isdigit() and int(r) <= MAX_ID]
    if tip_ids:
        query = select(tips.c.tip_id, tips.c.reference).where(tips.c.tip_id.in_(tip_ids))
        for tip_id, reference in conn.execute(query):
            out[("tip", str(tip_id))] = str(reference)
    for t, r in items:
        out.setdefault((t, r), r)
    return out
