"""The referral as a PDF a hotline analyst reads: US Letter, evidence exactly as written.

Laid out from the report dict (`referrals.build_referral`), in the order a hotline needs it: what the
case is, the tips (the strongest evidence a person saw), the analyst's notes, contacts, places over
time, indicators (titles, evidence, rounded weights; a network-wide reason once), the ads by network,
the hotlines, and the audit chain head. Every string goes through `FontSet.printable`, so a character
no font draws is printed as its code point instead of vanishing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from fpdf import FPDF

from safeharbor.workspace.pdffonts import FontSet, load_fonts


class _Writer:
    def __init__(self, text: str) -> None:
        self.pdf = FPDF(orientation="portrait", unit="mm", format="letter")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_margins(18, 16, 18)
        self.pdf.add_page()
        self.fonts: FontSet = load_fonts(self.pdf, text)
        self.pdf.set_font(self.fonts.family, "", 9)

    def text(self, value: Any) -> str:
        return self.fonts.printable(value)

    def title(self, value: str) -> None:
        self.pdf.set_font(self.fonts.family, "B", 15)
        self.pdf.multi_cell(0, 8, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(self.fonts.family, "", 9)

    def heading(self, value: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font(self.fonts.family, "B", 12)
        self.pdf.multi_cell(0, 7, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(self.fonts.family, "", 9)

    def line(self, value: Any, *, bold: bool = False) -> None:
        if bold:
            self.pdf.set_font(self.fonts.family, "B", 9)
        self.pdf.multi_cell(0, 5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        if bold:
            self.pdf.set_font(self.fonts.family, "", 9)

    def field(self, label: str, value: Any) -> None:
        if value in (None, "", []):
            return
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
        self.line(f"{label}: {shown}")


def _tips(w: _Writer, tips: dict[str, Any]) -> None:
    w.heading(f"Tips ({len(tips['items'])})")
    w.line(tips["note"])
    for t in tips["items"]:
        w.pdf.ln(1)
        w.line(
            f"Tip {t['reference']} — {t['reporterRole']}, {t['form']}, received {t['receivedAt']}", bold=True
        )
        w.line(f"In their words: “{t['reportersWords']}”")
        w.field("Seen", t["sighting"]["text"])
        place = t["place"]
        w.field("Where", ", ".join(p for p in (place["place"], place["city"], place["state"]) if p))
        w.field("Room", t["room"])
        w.field("Vehicle", t["vehicle"])
        w.field("Apparent age", t["apparentAge"])
        w.field("Signs they noticed", t["signs"])
        w.field("Phones", t["phones"])
        w.field("Emails", t["emails"])
        w.field("Screen names", t["screenNames"])
        w.field("Seen online", t["seenOnline"])
        for m in t["matches"][:10]:
            w.line(f"Matches ({m['strength']}): {m['reason']}")


def _indicators(w: _Writer, ind: dict[str, Any]) -> None:
    w.heading("Indicators of a possible minor")
    w.line(ind["note"])
    for f in ind["networkWide"]:
        w.pdf.ln(1)
        w.line(f"{f['title']} (weight {f['weight']:+.2f}), across {f['ads']} ads", bold=True)
        w.line(f"Evidence: “{f['evidence']}”")
        w.field("Why", f["why"])
    by_ad: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in ind["flags"]:
        by_ad[f["ad"]].append(f)
    for ad, flags in by_ad.items():
        w.pdf.ln(1)
        w.line(f"Ad {ad}", bold=True)
        for f in flags:
            why = f" — {f['why']}" if f["why"] else ""
            w.line(f"{f['title']} (weight {f['weight']:+.2f}): “{f['evidence']}”{why}")


def _ads(w: _Writer, r: dict[str, Any]) -> None:
    w.heading(f"Ads ({r['adsListed']} of {r['adsTotal']}, newest first)")
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in r["internetDetails"]:
        ad = item["webPageIncident"]
        groups[ad["networkId"] or "Attached directly"].append(ad)
    for name, ads in groups.items():
        w.line(name if name == "Attached directly" else f"Network {name} ({len(ads)} ads)", bold=True)
        for ad in ads:
            place = f"{ad['city']}, {ad['state']}" if ad["city"] else "not placed"
            w.line(f"{ad['postedAt']}  {ad['source']} {ad['adId']}  {place}  {ad['url'] or ''}")
            if ad["title"]:
                w.line(f"    “{ad['title']}”")


def render_pdf(report: dict[str, Any]) -> bytes:
    r = report["report"]
    w = _Writer(json.dumps(report, ensure_ascii=False))
    s = r["incidentSummary"]
    w.title(f"Referral: {s['incidentType']} — case {s['caseId']}")
    w.line(f"Case: {s['caseTitle']} ({s['caseStatus']})")
    w.line(f"To: {r['recipient']}    From: {r['generatedBy']}    Generated: {r['generatedAt']} (UTC)")
    first, last = s["incidentDateRange"]["first"], s["incidentDateRange"]["last"]
    w.line(f"Ads posted from {first or '—'} to {last or '—'} (UTC)")
    if s["analystSummary"]:
        w.heading("Analyst summary")
        w.line(s["analystSummary"])
    _tips(w, r["tips"])
    w.heading(f"Case notes ({len(r['caseNotes'])})")
    for n in r["caseNotes"]:
        w.line(f"{n['author']} · {n['at']} (UTC)", bold=True)
        w.line(n["text"])
    p = r["personOrUserReported"]
    w.heading("Contact details in the ads")
    w.line("Phones: " + (", ".join(p["phones"]) or "none"))
    w.line("Emails: " + (", ".join(p["emails"]) or "none"))
    w.line("Screen names: " + (", ".join(p["screenNames"]) or "none"))
    w.line("Working names: " + (", ".join(p["workingNames"]) or "none"))
    w.line("Stated ages: " + (", ".join(p["statedAges"]) or "none"))
    w.heading("Networks")
    for n in r["networks"] or [{"networkId": "none attached"}]:
        if "ads" not in n:
            w.line(n["networkId"])
            continue
        w.line(f"{n['networkId']}: {n['ads']} ads, {n['firstSeen']} to {n['lastSeen']} (UTC)", bold=True)
        w.field("Cities in order", n["cities"])
        w.field("Phones", n["phones"])
    w.heading("Locations over time")
    for v in r["locationsOverTime"]:
        w.line(f"{v['city']}, {v['state'] or ''}: {v['firstSeen']} to {v['lastSeen']} (UTC), {v['ads']} ads")
    if not r["locationsOverTime"]:
        w.line("No ad was placed in a city.")
    _indicators(w, r["indicatorsOfPossibleMinor"])
    _ads(w, r)
    w.heading("Hotlines")
    for h in r["hotlines"]:
        w.line(" · ".join(str(v) for v in h.values()))
    chain = r["auditChain"]
    w.heading("Audit chain")
    w.line(f"Head at seq {chain['seq']}: {chain['rowHash']}")
    w.line(chain["note"])
    return bytes(w.pdf.output())
