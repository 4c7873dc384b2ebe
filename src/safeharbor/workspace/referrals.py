"""Hotline referrals: a report shaped like an NCMEC CyberTipline submission, as JSON and PDF.

The report gathers everything the case holds: its tips (the reporter's words, the sighting's time in
its time zone, place, room, vehicle, apparent age, signs, in words), its notes, every ad attached
directly or through an attached network (all of the network's ads), contacts, locations over time,
and the indicators of a possible minor with their evidence exactly as written, their titles, and why
they are weak alone (a network-wide reason once, not once per ad). It carries the audit chain's head.
The JSON validates against `referral.schema.json`. Every export is logged with who, when, to whom and
the SHA-256 of exactly the bytes handed out.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from safeharbor.link.queries import network_records_for
from safeharbor.score.queries import AdScore, scores_for_ads
from safeharbor.storage.reads import AdSummary, ad_summaries, extractions_for
from safeharbor.storage.times import format_time, now_iso
from safeharbor.tips.labels import (
    age_label,
    role_label,
    sighting_text,
    sign_label,
    status_label,
    variant_label,
    zone_of,
)
from safeharbor.tips.model import Tip
from safeharbor.tips.store import get_tip
from safeharbor.workspace.audit import chain_head
from safeharbor.workspace.cases import CaseError, case_ad_keys, get_case, log_event
from safeharbor.workspace.referral_pdf import render_pdf
from safeharbor.workspace.tables import referral_exports
from safeharbor.workspace.titles import indicator_title

HOTLINES = [
    {"name": "NCMEC CyberTipline", "phone": "1-800-843-5678", "web": "report.cybertip.org"},
    {"name": "National Human Trafficking Hotline", "phone": "1-888-373-7888", "text": "233733"},
    {"name": "Emergency (a child in immediate danger)", "phone": "911"},
]
INDICATOR_NOTE = (
    "Indicators of a possible minor are weak one by one; they are evidence for a trained person to "
    "weigh, not a finding. A stated age under 18 is the strongest evidence there is. An analyst "
    "reviewed this case before referral."
)
TIP_NOTE = (
    "Tips are what a member of the public or hotel staff reported, in their own words; the reporter's "
    "contact details (if any) stay with the sending organisation and are given to the hotline on request."
)
CHAIN_NOTE = (
    "The head of the sending organisation's hash-chained audit log when this report was made. "
    "`safeharbor audit verify` on their store shows the log has not been rewritten since."
)
MAX_ADS = 2000  # a referral lists at most this many ads (newest first); adsTotal says if more exist


@dataclass(frozen=True, slots=True)
class ReferralExport:
    export_id: int
    filename: str
    media_type: str
    content: bytes
    sha256: str


def _weight(value: float | None) -> float:
    return round(float(value or 0.0), 2)


def _tip_entry(tip: Tip) -> dict[str, Any]:
    return {
        "reference": tip.reference,
        "receivedAt": format_time(tip.created_at),
        "form": variant_label(tip.variant),
        "reporterRole": role_label(tip.role),
        "reportersWords": tip.what_seen,
        "sighting": {
            "date": tip.when.isoformat(),
            "time": tip.when_time,
            "timeZone": zone_of(tip.where.state),
            "text": sighting_text(tip),
        },
        "place": {"place": tip.where.place, "city": tip.where.city, "state": tip.where.state},
        "room": tip.room,
        "vehicle": tip.vehicle,
        "apparentAge": age_label(tip.apparent_age),
        "signs": [sign_label(s) for s in tip.signs],
        "phones": list(tip.phones),
        "emails": list(tip.emails),
        "screenNames": list(tip.handles),
        "seenOnline": tip.online,
        "reporterLeftContact": bool(tip.contact),
        "status": status_label(tip.status),
        "matches": [
            {
                "adKey": m.ad_key,
                "networkId": m.network_id,
                "strength": m.strength,
                "basis": m.basis,
                "reason": m.reason,
            }
            for m in tip.matches
        ],
    }


def _indicators(
    listed: list[AdSummary], scores: dict[int, AdScore], labels: dict[int, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-ad flags with their evidence spans, and network-wide flags once each (not once per ad)."""
    per_ad: list[dict[str, Any]] = []
    shared: dict[tuple[str, str, str], dict[str, Any]] = {}
    for ad in listed:
        score = scores.get(ad.ad_key)
        for flag in score.flags if score is not None else []:
            entry = {
                "indicator": flag.indicator,
                "title": indicator_title(flag.indicator),
                "evidence": flag.evidence,
                "weight": _weight(flag.weight),
                "why": flag.note,
            }
            if flag.start is None:
                key = (flag.indicator, flag.evidence, flag.note)
                group = shared.setdefault(key, {**entry, "ads": 0, "adKeys": []})
                group["ads"] += 1
                group["adKeys"].append(ad.ad_key)
            else:
                per_ad.append(
                    {"adKey": ad.ad_key, "ad": labels[ad.ad_key], **entry, "field": flag.field}
                    | {"start": flag.start, "end": flag.end}
                )
    return per_ad, list(shared.values())


def _networks(conn: Connection, network_ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for record in network_records_for(conn, network_ids):
        out.append(
            {
                "networkId": record.id,
                "ads": len(record.ad_keys),
                "adKeys": list(record.ad_keys),
                "firstSeen": record.first_seen,
                "lastSeen": record.last_seen,
                "phones": list(record.phones),
                "emails": list(record.emails),
                "screenNames": list(record.handles),
                "workingNames": list(record.names),
                "cities": [f"{s.city}, {s.state}" for s in record.stays],
            }
        )
    return out


def build_referral(
    conn: Connection, case_id: int, *, recipient: str, user: str, summary: str = ""
) -> dict[str, Any]:
    """The report as a dict shaped like a CyberTipline submission (schema: referral.schema.json)."""
    detail = get_case(conn, case_id)
    if detail is None:
        raise CaseError(f"no case {case_id}")
    keys = sorted(case_ad_keys(conn, case_id))
    rows = sorted(ad_summaries(conn, keys).values(), key=lambda r: (r.posted_at, r.ad_key), reverse=True)
    listed = rows[:MAX_ADS]
    listed_keys = [r.ad_key for r in listed]
    labels = {r.ad_key: f"{r.source} {r.ad_id}" for r in listed}
    found = extractions_for(conn, listed_keys, kinds=["phone", "email", "handle", "name", "age"])
    ident: dict[str, set[str]] = defaultdict(set)
    for values in found.values():
        for e in values:
            ident[e.kind].add(e.value)
    visits: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r.posted_at):
        if not r.city:
            continue
        v = visits.setdefault(
            (r.city, r.state or ""),
            {"city": r.city, "state": r.state, "firstSeen": r.posted_at, "lastSeen": r.posted_at, "ads": 0},
        )
        v["lastSeen"], v["ads"] = r.posted_at, v["ads"] + 1
    networks = _networks(conn, detail.network_ids())
    in_network = {k: n["networkId"] for n in networks for k in n["adKeys"]}
    direct = set(detail.ad_keys())
    per_ad, shared = _indicators(listed, scores_for_ads(conn, listed_keys), labels)
    tips = [t for t in (get_tip(conn, i) for i in detail.tip_ids()) if t is not None]
    head = chain_head(conn)
    dates = [r.posted_at for r in rows]
    return {
        "report": {
            "reportType": "CyberTipline-shaped referral (Safe Harbor)",
            "generatedAt": now_iso(),
            "generatedBy": user,
            "recipient": recipient,
            "incidentSummary": {
                "incidentType": "Child Sex Trafficking",
                "incidentDateTime": dates[0] if dates else None,
                "incidentDateRange": {
                    "first": min(dates) if dates else None,
                    "last": max(dates) if dates else None,
                },
                "caseId": case_id,
                "caseTitle": detail.case.title,
                "caseStatus": detail.case.status,
                "analystSummary": summary.strip(),
            },
            "internetDetails": [
                {
                    "webPageIncident": {
                        "url": r.url,
                        "source": r.source,
                        "adId": r.ad_id,
                        "adKey": r.ad_key,
                        "postedAt": r.posted_at,
                        "title": r.title,
                        "city": r.city,
                        "state": r.state,
                        "attachedDirectly": r.ad_key in direct,
                        "networkId": in_network.get(r.ad_key),
                    }
                }
                for r in listed
            ],
            "adsTotal": len(rows),
            "adsListed": len(listed),
            "personOrUserReported": {
                "phones": sorted(ident["phone"]),
                "emails": sorted(ident["email"]),
                "screenNames": sorted(ident["handle"]),
                "workingNames": sorted(ident["name"]),
                "statedAges": sorted(ident["age"], key=lambda a: (len(a), a)),
            },
            "networks": networks,
            "tips": {"note": TIP_NOTE, "items": [_tip_entry(t) for t in tips]},
            "caseNotes": [{"author": n["author"], "at": n["at"], "text": n["body"]} for n in detail.notes],
            "locationsOverTime": list(visits.values()),
            "indicatorsOfPossibleMinor": {"note": INDICATOR_NOTE, "flags": per_ad, "networkWide": shared},
            "auditChain": {"seq": head.seq, "rowHash": head.row_hash, "note": CHAIN_NOTE},
            "hotlines": HOTLINES,
        }
    }


def export_referral(
    conn: Connection, case_id: int, *, recipient: str, user: str, fmt: str = "pdf", summary: str = ""
) -> ReferralExport:
    """Build, render and log a referral export; returns exactly the bytes that were hashed."""
    recipient = recipient.strip()[:200]
    if not recipient:
        raise CaseError("say who the referral goes to")
    if fmt not in ("pdf", "json"):
        raise CaseError("format must be pdf or json")
    report = build_referral(conn, case_id, recipient=recipient, user=user, summary=summary)
    if fmt == "json":
        content = json.dumps(report, indent=2, ensure_ascii=False).encode()
        media_type = "application/json"
    else:
        content = render_pdf(report)
        media_type = "application/pdf"
    digest = hashlib.sha256(content).hexdigest()
    export_id = int(
        conn.execute(
            referral_exports.insert().values(
                case_id=case_id,
                user=user,
                at=report["report"]["generatedAt"],
                recipient=recipient,
                format=fmt,
                sha256=digest,
                size=len(content),
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )
    log_event(conn, case_id, user, "referral", f"{fmt} to {recipient} sha256 {digest[:12]}…")
    filename = f"safeharbor-referral-case{case_id}-{export_id}.{fmt}"
    return ReferralExport(export_id, filename, media_type, content, digest)


def list_exports(conn: Connection, case_id: int | None = None) -> list[dict[str, Any]]:
    query = select(referral_exports).order_by(referral_exports.c.export_id.desc())
    if case_id is not None:
        query = query.where(referral_exports.c.case_id == case_id)
    return [dict(r._mapping) for r in conn.execute(query)]
