"""Search (FTS5 kept in sync on ingest, exact identifiers in any spelling), cases, outcomes, referrals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from safeharbor.storage import Store, backends
from safeharbor.storage.schema import ad_images, ads, extractions
from safeharbor.workspace import cases as case_ops
from safeharbor.workspace.adview import Mark, ad_view, segment
from safeharbor.workspace.leads import LeadFilters, lead_queue, set_review
from safeharbor.workspace.referrals import export_referral, list_exports
from safeharbor.workspace.search import classify, normalise_phone, search
from safeharbor.workspace.tables import case_outcomes
from tests.test_workspace_support import client_as, demo_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = demo_store(Path(tmp_path_factory.mktemp("search")), n_ads=150, seed=5)
    yield store
    store.dispose()


@pytest.mark.parametrize(
    "spelling",
    [
        "214-555-0134",
        "(214) 555 0134",
        "214.555.0134",
        "+1 214 555 0134",
        "two one four five five five zero one three four",
        "2I4 555 O134",
        "two 1 four 555 oh one three four",
    ],
)
def test_phone_spellings_normalise_to_e164(spelling: str) -> None:
    assert normalise_phone(spelling) == "+12145550134"


def test_classify() -> None:
    assert classify("Name@Example.COM") == ("email", "name@example.com")
    assert classify("@candy_rain") == ("handle", "@candy_rain")
    assert classify("d340483ffff168c0") == ("image", "d340483ffff168c0")
    assert classify("new in town") == ("text", None)


def test_fts_index_follows_ingest_and_finds_words(demo: Store) -> None:
    with demo.connect() as conn:
        body = conn.execute(select(ads.c.body).limit(1)).scalar_one()
    word = max((w.strip(".,!~") for w in body.split() if w.strip(".,!~").isalpha()), key=len)
    with demo.connect() as conn:
        found = search(conn, word)
    assert found.kind == "text" and found.total >= 1
    assert any("\x02" in hit.snippet for hit in found.hits)
    assert found.order_words == "best match first"  # a selective word: ranked by relevance


def test_the_search_page_says_what_order_it_shows(demo: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_as(demo, "analyst")
    assert "best match first" in client.get("/search?q=available").text
    monkeypatch.setattr(backends, "RANKED_MATCHES_AT_MOST", 1)  # more matches than are ranked
    page = client.get("/search?q=available").text
    assert "most recently added first (more than 1 matches: not ranked by relevance)" in page
    assert client.get("/api/search?q=available").json()["order"] == "newest"


def test_exact_search_by_phone_in_words_email_and_image(demo: Store) -> None:
    with demo.connect() as conn:
        e164, key = conn.execute(
            select(extractions.c.value, extractions.c.ad_key).where(extractions.c.kind == "phone")
        ).first()  # type: ignore[misc]
        words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        spoken = " ".join(words[int(d)] for d in e164.removeprefix("+1"))
        by_phone = search(conn, spoken)
        assert by_phone.kind == "phone" and by_phone.normalised == e164
        assert key in [h.ad_key for h in by_phone.hits]
        phash = conn.execute(select(ad_images.c.phash).where(ad_images.c.phash.is_not(None))).scalar()
        if phash:
            assert search(conn, phash).total >= 1
        email = conn.execute(select(extractions.c.value).where(extractions.c.kind == "email")).scalar()
        if email:
            assert search(conn, email.upper()).total >= 1
        assert search(conn, "").total == 0


def test_segments_cover_text_and_nest_marks() -> None:
    text = "call 214-555-0134 now, young"
    marks = [
        Mark(5, 17, "phone", "+12145550134", "p"),
        Mark(0, 17, "indicator", "x", "i"),
        Mark(23, 28, "age", "y", "a"),
    ]
    segments = segment(text, marks)
    assert "".join(s.text for s in segments) == text
    phone = next(s for s in segments if s.text == "214-555-0134")
    assert {m.kind for m in phone.marks} == {"phone", "indicator"}


def test_ad_view_and_lead_queue(demo: Store) -> None:
    with demo.connect() as conn:
        view = ad_view(conn, 3)
        assert view is not None and view.ad.ad_key == 3
        body = "".join(s.text for s in view.segments["body"])
        assert body == view.ad.body
        rows = lead_queue(conn, LeadFilters(reviewed="all"), limit=10)
    assert rows and all(r.ref for r in rows)
    # every scored lead says what its ranking rests on: the person model's reasons, with counts
    assert all(r.extra.get("ranked_by") and " distinct ads" in r.extra["ranked_by"] for r in rows)
    first = rows[0]
    with demo.begin() as conn:
        with pytest.raises(ValueError):
            set_review(conn, lead_type=first.kind, lead_ref=first.ref, status="dismissed", user="ana")
        set_review(
            conn,
            lead_type=first.kind,
            lead_ref=first.ref,
            status="dismissed",
            user="ana",
            reason="adult, known",
        )
    with demo.connect() as conn:
        assert first.ref not in [r.ref for r in lead_queue(conn, LeadFilters(), limit=10)]
        reviewed = lead_queue(conn, LeadFilters(reviewed="yes"))
        assert [r.ref for r in reviewed] == [first.ref] and "adult, known" in reviewed[0].reasons[0]
    with demo.begin() as conn:
        set_review(conn, lead_type=first.kind, lead_ref=first.ref, status="open", user="ana")


def test_case_lifecycle_outcome_and_referral(demo: Store) -> None:
    with demo.begin() as conn:
        from safeharbor.workspace.accounts import create_user

        create_user(conn, "bo", "a long enough password", "analyst")
        case_id = case_ops.open_case(conn, title="Giselle circuit", user="ana", items=[("ad", "3")])
        assert case_ops.attach(conn, case_id, item_type="ad", ref="4", user="ana")
        with pytest.raises(case_ops.CaseError, match="already attached"):
            case_ops.attach(conn, case_id, item_type="ad", ref="4", user="ana")
        with pytest.raises(case_ops.CaseError):
            case_ops.attach(conn, case_id, item_type="ad", ref="999999", user="ana")
        case_ops.add_note(conn, case_id, body="Same phone as the hotel tip.", user="ana")
        case_ops.assign(conn, case_id, assignee="bo", user="ana")
        case_ops.set_status(conn, case_id, status="closed", outcome="minor_confirmed", user="bo")
        outcomes = {r.ad_key: r.minor_confirmed for r in conn.execute(select(case_outcomes))}
        assert outcomes == {3: True, 4: True}
        exported = export_referral(
            conn, case_id, recipient="NCMEC CyberTipline", user="bo", fmt="json", summary="x"
        )
        pdf = export_referral(conn, case_id, recipient="NCMEC CyberTipline", user="bo", fmt="pdf")
        detail = case_ops.get_case(conn, case_id)
        log = list_exports(conn, case_id)
    report = json.loads(exported.content)["report"]
    assert report["incidentSummary"]["incidentType"] == "Child Sex Trafficking"
    assert len(report["internetDetails"]) == 2 and report["hotlines"]
    assert "weak one by one" in report["indicatorsOfPossibleMinor"]["note"]
    assert exported.sha256 == hashlib.sha256(exported.content).hexdigest()
    assert pdf.content.startswith(b"%PDF")
    assert [(e["format"], e["sha256"], e["user"]) for e in log] == [
        ("pdf", pdf.sha256, "bo"),
        ("json", exported.sha256, "bo"),
    ]
    assert detail is not None and detail.case.status == "closed" and detail.case.assignee == "bo"
    assert [h["action"] for h in detail.history] == [
        "opened",
        "attached",
        "attached",
        "note",
        "assigned",
        "status",
        "referral",
        "referral",
    ]
