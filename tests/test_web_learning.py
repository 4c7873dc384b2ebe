"""The workspace's learning pages: confirm/dismiss in the queue, re-fit from the Learning page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeharbor.score.leads import lead_queue
from safeharbor.score.queries import flags_for_ads
from safeharbor.score.run import update_scores
from safeharbor.storage import Store
from safeharbor.workspace.audit import list_entries
from tests.test_phrases import _reviewed
from tests.test_score_support import new_store
from tests.test_workspace_support import client_as, csrf_of, demo_store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = demo_store(Path(tmp_path_factory.mktemp("learning")), n_ads=160)
    yield store
    store.dispose()


def test_confirm_dismiss_then_refit_from_the_learning_page(world: Store) -> None:
    reviewer, analyst = client_as(world, "reviewer"), client_as(world, "analyst")
    queue = reviewer.get("/leads")
    assert 'value="confirmed"' in queue.text and "Confirm" in queue.text
    with world.connect() as conn:
        leads = lead_queue(conn, limit=8)
    token = csrf_of(reviewer)
    for n, lead in enumerate(leads):
        status = "confirmed" if n % 2 == 0 else "dismissed"
        form = {
            "lead_type": lead.kind,
            "lead_ref": lead.id,
            "status": status,
            "reason": "stock adult wording",
        }
        assert reviewer.post("/leads/review", data={**form, "csrf_token": token}).status_code == 200
    page = reviewer.get("/learning")
    assert "4</strong> confirmed" in page.text and "Admins and analysts can re-fit" in page.text
    assert 'action="/learning/fit"' not in page.text
    fitted = analyst.post("/learning/fit", data={"csrf_token": csrf_of(analyst)})
    assert fitted.status_code == 200
    assert "Learnt from 8 reviewed leads" in fitted.text
    assert "fitted on 8 reviews of this corpus" in fitted.text
    with world.connect() as conn:
        fits = list_entries(conn, action="model.fit")
        reviews = list_entries(conn, action="lead.review")
    assert len(fits) == 1 and fits[0].outcome == "ok" and "fitted on 8 reviews" in (fits[0].detail or "")
    assert len(reviews) >= 8 and any("confirmed" in (r.detail or "") for r in reviews)


def test_proposed_phrases_page_accepts_into_the_catalogue(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    try:
        keys = _reviewed(store)
        reviewer, analyst = client_as(store, "reviewer"), client_as(store, "analyst")
        seen = reviewer.get("/phrases")
        assert (
            seen.status_code == 200 and "sunny cloud" in seen.text and "Admins and analysts can" in seen.text
        )
        assert 'action="/phrases/accept"' not in seen.text
        page = analyst.get("/phrases")
        pid = re.search(
            r'name="phrase_id" value="(\d+)">\s*<input name="indicator" list="indicator-ids" '
            r'value="youth_language" size="18" aria-label="indicator for sunny cloud"',
            page.text,
        )
        assert pid, page.text
        done = analyst.post(
            "/phrases/accept",
            data={"phrase_id": pid.group(1), "indicator": "learned_youth", "csrf_token": csrf_of(analyst)},
        )
        assert done.status_code == 200 and "Accepted “sunny cloud” into learned_youth" in done.text
        update_scores(store)
        with store.connect() as conn:
            flags = flags_for_ads(conn, [keys["new"]])[keys["new"]]
            audit = list_entries(conn, action="phrase.accept")
        assert any(f.indicator == "learned_youth" for f in flags)
        assert audit[0].outcome == "ok" and "sunny cloud" in (audit[0].detail or "")
    finally:
        store.dispose()
