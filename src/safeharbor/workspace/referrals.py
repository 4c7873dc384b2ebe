"""Hotline referrals: a report shaped like an NCMEC CyberTipline submission, as JSON and PDF.

The report gathers, for a case's ads (attached directly or through a network): the incident type,
URLs and dates, phones/emails/handles, locations over time, and the indicators of a possible minor
with their evidence and why they are weak alone. Every export is logged with who, when, to whom and
the SHA-256 of exactly the bytes handed out.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from sqlalchemy import Connection, select

from safeharbor.score.queries import scores_for_ads
from safeharbor.storage.reads import ad_summaries, extractions_for
from safeharbor.storage.times import now_iso
from safeharbor.workspace.cases import CaseError, _log, case_ad_keys, get_case
from safeharbor.workspace.tables import referral_exports

HOTLINES = [
    {"name": "NCMEC CyberTipline", "phone": "1-800-843-5678", "web": "report.cybertip.org"},
    {"name": "National Human Trafficking Hotline", "phone": "1-888-373-7888", "text": "233733"},
    {"name": "Emergency (a child in immediate danger)", "phone": "911"},
]
INDICATOR_NOTE = (
    "Indicators of a possible minor are weak one by one; they are evidence for a trained person to "
    "weigh, not a finding. An analyst reviewed this case before referral."
)
MAX_ADS = 500  # a referral lists at most this many ads (newest first); the count says if more exist
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True, slots=True)
class ReferralExport:
    export_id: int
    filename: str
    media_type: str
    content: bytes
    sha256: str


def build_referral(
    conn: Connection, case_id: int, *, recipient: str, user: str, summary: str = ""
) -> dict[str, Any]:
    """The report as a dict shaped like a CyberTipline submission."""
    detail = get_case(conn, case_id)
    if detail is None:
        raise CaseError(f"no case {case_id}")
    keys = sorted(case_ad_keys(conn, case_id))
    rows = sorted(ad_summaries(conn, keys).values(), key=lambda r: r.posted_at, reverse=True)
    listed = rows[:MAX_ADS]
    listed_keys = [r.ad_key for r in listed]
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
    scores = scores_for_ads(conn, listed_keys)
    indicators = []
    for key in listed_keys:
        score = scores.get(key)
        for flag in score.flags if score is not None else []:
            indicators.append(
                {
                    "adKey": key,
                    "indicator": flag.indicator,
                    "evidence": flag.evidence,
                    "weight": flag.weight,
                    "why": flag.note,
                }
            )
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
                "analystSummary": summary.strip(),
            },
            "internetDetails": [
                {
                    "webPageIncident": {
                        "url": r.url,
                        "source": r.source,
                        "adId": r.ad_id,
                        "postedAt": r.posted_at,
                        "title": r.title,
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
            "networks": detail.network_ids(),
            "locationsOverTime": list(visits.values()),
            "indicatorsOfPossibleMinor": {"note": INDICATOR_NOTE, "flags": indicators},
            "hotlines": HOTLINES,
        }
    }


def _font(pdf: FPDF) -> tuple[str, bool]:
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "Helvetica", False


def render_pdf(report: dict[str, Any]) -> bytes:
    r = report["report"]
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    family, unicode_ok = _font(pdf)

    def clean(value: Any) -> str:
        s = "" if value is None else str(value)
        return s if unicode_ok else s.encode("latin-1", "replace").decode("latin-1")

    def heading(title: str) -> None:
        pdf.ln(2)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 7, clean(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)

    def line(value: Any) -> None:
        pdf.multi_cell(0, 5, clean(value), new_x="LMARGIN", new_y="NEXT")

    s = r["incidentSummary"]
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(
        0, 8, clean(f"Referral: {s['incidentType']} — case {s['caseId']}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(family, "", 9)
    line(f"Case: {s['caseTitle']}")
    line(f"To: {r['recipient']}    From: {r['generatedBy']}    Generated: {r['generatedAt']}")
    line(f"Postings: {s['incidentDateRange']['first']} to {s['incidentDateRange']['last']}")
    if s["analystSummary"]:
        heading("Analyst summary")
        line(s["analystSummary"])
    p = r["personOrUserReported"]
    heading("Contact details in the ads")
    line("Phones: " + (", ".join(p["phones"]) or "none"))
    line("Emails: " + (", ".join(p["emails"]) or "none"))
    line("Handles: " + (", ".join(p["screenNames"]) or "none"))
    line("Working names: " + (", ".join(p["workingNames"]) or "none"))
    line("Stated ages: " + (", ".join(p["statedAges"]) or "none"))
    heading("Locations over time")
    for v in r["locationsOverTime"] or [
        {"city": "none placed", "state": "", "firstSeen": "", "lastSeen": "", "ads": 0}
    ]:
        line(f"{v['city']}, {v['state'] or ''}: {v['firstSeen']} to {v['lastSeen']} ({v['ads']} ads)")
    heading("Indicators of a possible minor")
    line(r["indicatorsOfPossibleMinor"]["note"])
    for f in r["indicatorsOfPossibleMinor"]["flags"][:200]:
        line(f"ad {f['adKey']}: {f['indicator']} (weight {f['weight']}) — “{f['evidence']}” {f['why']}")
    heading(f"Ads ({r['adsListed']} of {r['adsTotal']})")
    for item in r["internetDetails"]:
        w = item["webPageIncident"]
        line(f"{w['postedAt']}  {w['source']} {w['adId']}  {w['url'] or ''}")
    heading("Hotlines")
    for h in r["hotlines"]:
        line(" · ".join(str(v) for v in h.values()))
    return bytes(pdf.output())


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
    _log(conn, case_id, user, "referral", f"{fmt} to {recipient} sha256 {digest[:12]}…")
    filename = f"safeharbor-referral-case{case_id}-{export_id}.{fmt}"
    return ReferralExport(export_id, filename, media_type, content, digest)


def list_exports(conn: Connection, case_id: int | None = None) -> list[dict[str, Any]]:
    query = select(referral_exports).order_by(referral_exports.c.export_id.desc())
    if case_id is not None:
        query = query.where(referral_exports.c.case_id == case_id)
    return [dict(r._mapping) for r in conn.execute(query)]
