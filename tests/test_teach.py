"""Active learning: the queue ordered by what a review would teach the ranking most."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.score.leads import Lead
from safeharbor.score.queries import Flag
from safeharbor.score.teach import boundary, teach_order
from safeharbor.workspace.leads import LeadFilters, lead_queue, set_review
from safeharbor.workspace.learning import learn_from_reviews
from safeharbor.workspace.teaching import fitted_boundary, teaching
from tests.test_learn_reviews import _corpus, _review
from tests.test_score_leads import _corpus as score_corpus
from tests.test_score_support import new_store
from tests.test_web_learning import client_as

runner = CliRunner()


def _lead(ref: str, risk: float, *features: str) -> Lead:
    return Lead(kind="ad", id=ref, risk=risk, reasons=[Flag(f, f, 0.5) for f in features])


def test_uncertain_and_novel_leads_come_first() -> None:
    sure = _lead("sure", 0.999, "youth_language")
    unsure_seen = _lead("unsure_seen", 0.5, "youth_language")
    unsure_new = _lead("unsure_new", 0.5, "hotel_venue")
    unlikely = _lead("unlikely", 0.001, "hotel_venue")
    reviewed = [frozenset({"youth_language"})] * 5
    order = teach_order([sure, unsure_seen, unsure_new, unlikely], reviewed, edge=0.0)
    assert [t.lead.id for t in order][:2] == ["unsure_new", "unsure_seen"]  # far from the boundary: last
    assert order[0].new_features == ("hotel_venue",) and order[0].novelty == 1.0
    assert "ranking unsure (p≈0.50)" in order[0].why() and "hotel_venue" in order[0].why()
    assert boundary([sure, unsure_new, unlikely], None, read=2) == 0.0  # the 2nd lead's logit before a re-fit
    assert boundary([sure], -1.5) == -1.5  # the re-fit's boundary once there is one


def test_teach_queue_skips_reviewed_leads_and_uses_the_fitted_boundary(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _corpus(store)
    _review(store, keys, 3)
    with store.connect() as conn:
        assert fitted_boundary(conn) is None
        chosen = teaching(conn, LeadFilters(), limit=100)
    reviewed = {str(keys[f"{k}{n}"]) for k in ("minor", "adult") for n in range(3)}
    assert chosen and not reviewed & {t.lead.id for t in chosen}
    scores = [t.score for t in chosen]
    assert scores == sorted(scores, reverse=True)
    learn_from_reviews(store, user="ana")
    with store.connect() as conn:
        assert fitted_boundary(conn) is not None


def test_leads_teach_command_and_page(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _corpus(store)
    _review(store, keys, 3)
    db = str(tmp_path / "score.db")
    shown = runner.invoke(app, ["leads", "--teach", "--top", "3", "--db", db], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "teach the ranking most" in " ".join(shown.output.split())
    as_json = runner.invoke(app, ["leads", "--teach", "--json", "--top", "50", "--db", db])
    records = [json.loads(line) for line in as_json.output.splitlines()]
    assert records and all(r["teach"].startswith("ranking unsure") for r in records)
    assert str(keys["minor0"]) not in {r["id"] for r in records}
    page = client_as(store, "reviewer").get("/leads?teach=1")
    assert page.status_code == 200 and "To teach: ranking unsure" in page.text and 'name="teach"' in page.text
    store.dispose()


def test_reviewed_networks_do_not_empty_the_first_page(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    score_corpus(store)
    with store.begin() as conn:
        set_review(conn, lead_type="network", lead_ref="N-7", status="dismissed", user="ana", reason="adult")
    with store.connect() as conn:
        first = lead_queue(conn, LeadFilters(), limit=1)
        assert len(first) == 1 and first[0].ref != "N-7"
        assert "N-7" not in {t.lead.id for t in teaching(conn, LeadFilters())}
    store.dispose()
