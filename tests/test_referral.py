"""A hotel tip -> case -> referral that carries everything: the tip in words, the notes, every ad of the
attached network, the evidence exactly as written (emoji, full-width digits) in the PDF's text, a JSON
that validates against the schema in the repo, and the audit chain's head. Attachments by what people
see, checked; duplicates refused.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from safeharbor.score.queries import scores_for_ads
from safeharbor.storage.schema import ads
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.audit import chain_head, record
from safeharbor.workspace.pdffonts import FontSet
from safeharbor.workspace.referrals import export_referral
from tests.referral_support import EMOJI, ROOM, WIDE_PHONE, ReferralWorld, referral_world

SCHEMA = Path(__file__).parents[1] / "src/safeharbor/workspace/referral.schema.json"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> ReferralWorld:
    return referral_world(tmp_path_factory.mktemp("referral"))


def _squash(text: str) -> str:
    """Without whitespace: a line the PDF wrapped still contains the words it wrapped."""
    return re.sub(r"\s+", "", text)


def _case(world: ReferralWorld, title: str) -> int:
    with world.store.begin() as conn:
        case_id = case_ops.open_case(conn, title=title, user="ana")
        case_ops.attach(conn, case_id, item_type="tip", ref=world.reference.lower(), user="ana")
        case_ops.attach(conn, case_id, item_type="network", ref=world.network_id.lower(), user="ana")
        case_ops.add_note(conn, case_id, body="Front desk called twice; same phone as the ads.", user="ana")
        record(conn, user="ana", action="case.view", object_type="case", object_id=str(case_id), outcome="ok")
    return case_id


def test_attachments_by_what_people_see_are_checked(world: ReferralWorld) -> None:
    with world.store.begin() as conn:
        case_id = case_ops.open_case(conn, title="attachments", user="ana")
        ad = conn.execute(
            select(ads.c.source, ads.c.ad_id, ads.c.url).where(ads.c.ad_key == world.ad_keys[0])
        ).one()
        assert case_ops.attach(conn, case_id, item_type="ad", ref=f"{ad.source}:{ad.ad_id}", user="ana")
        assert case_ops.attach(conn, case_id, item_type="network", ref=world.network_id.lower(), user="ana")
        assert case_ops.attach(conn, case_id, item_type="tip", ref=world.reference, user="ana")
        refused = {
            ("ad", ad.url): "already attached",  # the same ad by its URL
            ("ad", f"{ad.source} {ad.ad_id}"): "already attached",  # as the ad page shows it
            ("network", world.network_id.upper()): "already attached",
            ("tip", str(world.tip_id)): "already attached",  # the same tip by id
            ("network", "26"): "N-000026",
            ("network", "N-999999"): "no network N-999999",
            ("tip", "T-ZZZZ-ZZZZ"): "no tip",
            ("ad", "nosuch:board"): "no ad",
            ("ad", "https://nowhere.example.com/x"): "no ad",
            ("case", "1"): "ad, network, tip",
        }
        for (item_type, ref), says in refused.items():
            with pytest.raises(case_ops.CaseError, match=re.escape(says)):
                case_ops.attach(conn, case_id, item_type=item_type, ref=ref, user="ana")
        detail = case_ops.get_case(conn, case_id)
    assert detail is not None
    assert [(i["item_type"], i["label"]) for i in detail.items] == [
        ("ad", f"{ad.source} {ad.ad_id}"),
        ("network", world.network_id),
        ("tip", world.reference),
    ]


def test_referral_json_carries_the_tip_notes_network_and_chain_head(world: ReferralWorld) -> None:
    case_id = _case(world, "json referral")
    with world.store.begin() as conn:
        head = chain_head(conn)
        exported = export_referral(conn, case_id, recipient="NCMEC CyberTipline", user="ana", fmt="json")
    report = json.loads(exported.content)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    r = report["report"]
    tip = r["tips"]["items"][0]
    assert tip["reference"] == world.reference and tip["room"] == ROOM and tip["vehicle"] == "grey minivan"
    assert tip["apparentAge"] == "12 to 14" and tip["reporterRole"] == "Front desk"
    assert tip["sighting"]["timeZone"] == "America/New_York" and "EDT" in tip["sighting"]["text"]
    assert any("cash" in s and "night by night" in s for s in tip["signs"])
    assert "12_14" not in json.dumps(tip) and "front_desk" not in json.dumps(tip)
    assert r["caseNotes"][0]["text"].startswith("Front desk called twice")
    [network] = r["networks"]
    listed = {d["webPageIncident"]["adKey"] for d in r["internetDetails"]}
    assert network["networkId"] == world.network_id and set(network["adKeys"]) <= listed
    assert set(world.ad_keys) <= listed and r["adsTotal"] == len(listed)
    assert r["auditChain"] == {"seq": head.seq, "rowHash": head.row_hash, "note": r["auditChain"]["note"]}
    flags = r["indicatorsOfPossibleMinor"]["flags"]
    assert flags and all(f["weight"] == round(f["weight"], 2) and f["title"] != f["indicator"] for f in flags)
    wide = [f for f in flags if f["adKey"] in world.ad_keys]
    assert any(EMOJI[0] in f["evidence"] for f in wide)


def test_referral_pdf_prints_every_evidence_string_as_written(world: ReferralWorld) -> None:
    case_id = _case(world, "pdf referral")
    with world.store.begin() as conn:
        pdf = export_referral(conn, case_id, recipient="NCMEC CyberTipline", user="ana", fmt="pdf")
        report = json.loads(
            export_referral(conn, case_id, recipient="NCMEC CyberTipline", user="ana", fmt="json").content
        )
        scores = scores_for_ads(conn, world.ad_keys)
    reader = PdfReader(io.BytesIO(pdf.content))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (612, 792)  # US Letter
    text = "\n".join(page.extract_text() for page in reader.pages)
    squashed = _squash(text)
    evidence = [f["evidence"] for f in report["report"]["indicatorsOfPossibleMinor"]["flags"]]
    evidence += [f.evidence for s in scores.values() for f in s.flags]
    assert evidence
    missing = [e for e in evidence if _squash(e) not in squashed]
    assert missing == []
    for needed in (WIDE_PHONE, EMOJI, "12 to 14", f"Room: {ROOM}", world.reference, "grey minivan"):
        assert _squash(needed) in squashed, needed
    assert "12_14" not in text and "front_desk" not in text and "9999999" not in text  # no float noise
    assert report["report"]["auditChain"]["rowHash"][:16] in squashed


def test_a_character_no_font_draws_prints_as_its_code_point() -> None:
    fonts = FontSet("x", frozenset(map(ord, "abc ")))
    assert fonts.printable("a\u202eb\U000e0001c") == "a[U+202E]b[U+E0001]c"
