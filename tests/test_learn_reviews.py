"""Learning from review, end to end on every backend: review -> re-fit -> re-rank.

The corpus is built so that the catalogue and the reviewers disagree: adults' ads here say "petite"
(youth language, catalogue weight +0.8) and the reviewers dismiss them; the ads they confirm say
"hotel" (hotel_venue, +0.2). After learning, an unreviewed "hotel" ad must outrank an unreviewed
"petite" ad that ranked above it before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.leads import lead_queue
from safeharbor.score.learn import PRIOR_SD, NotEnoughReviews
from safeharbor.score.model import active_model
from safeharbor.score.review_text import INDICATOR as TEXT_INDICATOR
from safeharbor.score.run import update_scores
from safeharbor.score.tables import score_flags
from safeharbor.storage import Store
from safeharbor.storage.schema import ads
from safeharbor.workspace.audit import list_entries
from safeharbor.workspace.cases import open_case, set_status
from safeharbor.workspace.leads import set_review
from safeharbor.workspace.learning import learn_from_reviews, model_history, review_labels
from safeharbor.workspace.tables import lead_reviews
from tests.test_score_support import add_ad, new_store

runner = CliRunner()
CITIES = [
    ("Dallas", "TX"),
    ("Austin", "TX"),
    ("Tulsa", "OK"),
    ("Omaha", "NE"),
    ("Boise", "ID"),
    ("Reno", "NV"),
]


def _corpus(store: Store) -> dict[str, int]:
    """Six adults' 'petite' ads, six 'hotel' ads of (fictional) child victims, and one unreviewed of each."""
    keys: dict[str, int] = {}
    for n, city in enumerate(CITIES):
        keys[f"adult{n}"] = add_ad(store, f"a{n}", f"Petite lady number {n} in {city[0]}", city=city)
        keys[f"minor{n}"] = add_ad(store, f"m{n}", f"Hotel visits only, girl {n} in {city[0]}", city=city)
    keys["new_petite"] = add_ad(store, "np", "Petite and sweet, new in Waco", city=("Waco", "TX"))
    keys["new_hotel"] = add_ad(store, "nh", "Hotel only tonight in Waco", city=("Waco", "TX"))
    update_scores(store)
    return keys


def _order(store: Store, keys: dict[str, int]) -> list[str]:
    with store.connect() as conn:
        ranked = [lead.id for lead in lead_queue(conn, limit=100)]
    names = {str(v): k for k, v in keys.items()}
    return [names[r] for r in ranked if r in names and names[r].startswith("new_")]


def _review(store: Store, keys: dict[str, int], n: int = 6) -> None:
    with store.begin() as conn:
        for i in range(n):
            set_review(conn, lead_type="ad", lead_ref=str(keys[f"minor{i}"]), status="confirmed", user="ana")
            set_review(
                conn,
                lead_type="ad",
                lead_ref=str(keys[f"adult{i}"]),
                status="dismissed",
                user="ana",
                reason="adult, stock wording",
            )


def test_review_refit_rerank_on_every_backend(any_store: Store) -> None:
    keys = _corpus(any_store)
    assert _order(any_store, keys) == ["new_petite", "new_hotel"]  # the catalogue's order
    _review(any_store, keys)
    with any_store.connect() as conn:
        labels = review_labels(conn)
    assert sum(labels.values()) == 6 and len(labels) == 12
    result = learn_from_reviews(any_store, user="ana")
    report = result.report
    assert report.reviews == 12 and report.confirmed == 6 and report.dismissed == 6
    assert report.weights_after["youth_language"] < report.weights_before["youth_language"]
    assert report.weights_after["hotel_venue"] > report.weights_before["hotel_venue"]
    assert report.weights_after["trustworthy_framing"] == report.weights_before["trustworthy_framing"]
    assert _order(any_store, keys) == ["new_hotel", "new_petite"]  # re-ranked by what was learnt
    with any_store.connect() as conn:
        model = active_model(conn, load_catalogue())
        assert model.origin == f"fitted on 12 reviews of this corpus (model #{report.model_id})"
        assert model.bias == load_catalogue().bias  # the intercept is not stored
        history = model_history(conn)
        assert history[0]["by"] == "ana" and history[0]["active"]
        audit = list_entries(conn, action="model.fit")
    assert [(e.user, e.object_id) for e in audit] == [("ana", str(report.model_id))]
    assert "fitted on 12 reviews" in (audit[0].detail or "")


def test_more_reviews_move_weights_further(tmp_path: Path) -> None:
    few, many = new_store(tmp_path / "few"), new_store(tmp_path / "many")
    for store, n in ((few, 3), (many, 6)):
        _review(store, _corpus(store), n)
    reports = [learn_from_reviews(s, user="ana", dry_run=True).report for s in (few, many)]
    # The reviewers' evidence for the hotel ads: the catalogue's indicator and, with enough reviews,
    # the words the text model learnt from them share it.
    moved = [r.weights_after["hotel_venue"] + r.weights_after.get(TEXT_INDICATOR, 0.0) for r in reports]
    assert 0.2 < moved[0] < moved[1]
    assert reports[0].text_model is None and "text model off: needs at least 5" in reports[0].text_note
    assert reports[1].text_model is not None


def test_no_reviews_no_fitted_model(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _corpus(store)
    with store.begin() as conn:
        set_review(conn, lead_type="ad", lead_ref=str(keys["minor0"]), status="reviewed", user="ana")
    with pytest.raises(NotEnoughReviews):
        learn_from_reviews(store, user="ana")
    with store.connect() as conn:
        assert active_model(conn, load_catalogue()).origin == "catalogue"
        assert model_history(conn) == []


def test_case_outcome_labels_its_lead_and_overrides_a_review(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _corpus(store)
    with store.begin() as conn:
        set_review(conn, lead_type="ad", lead_ref=str(keys["adult0"]), status="confirmed", user="ana")
        case = open_case(conn, title="Waco", user="ana", items=[("ad", str(keys["adult0"]))])
        set_status(conn, case, status="closed", user="ana", outcome="adult_only")
    with store.connect() as conn:
        assert review_labels(conn) == {f"ad:{keys['adult0']}": False}


def test_learn_command(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    _review(store, _corpus(store))
    db = str(tmp_path / "score.db")
    result = runner.invoke(app, ["learn", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # Compared with line breaks folded: the console's width is not always the COLUMNS given here
    # (a console made earlier in the same test process keeps its own), so a phrase may wrap.
    said = " ".join(result.output.split())
    assert "Learnt from 12 reviewed leads (6 confirmed" in said
    assert "fitted on 12 reviews of this corpus" in said and "now in use" in said
    assert "chosen by the reviews' evidence" in said
    given = runner.invoke(app, ["learn", "--db", db, "--prior-sd", "2", "--dry-run"], env={"COLUMNS": "200"})
    assert given.exit_code == 0
    assert "within about 2 log-odds of the catalogue's (as given)" in " ".join(given.output.split())
    with store.connect() as conn:
        assert conn.execute(select(lead_reviews.c.status).distinct()).scalars().all()
    empty = tmp_path / "empty.db"
    none = runner.invoke(app, ["learn", "--db", str(empty)])
    assert none.exit_code == 1 and "Nothing learnt" in none.output


def test_many_disagreeing_reviews_overrule_the_catalogue_on_every_backend(any_store: Store) -> None:
    """24 reviews that all say the catalogue's youth language marks adults here: the prior's strength is
    chosen from them (weaker than the catalogue's), youth language turns negative, and the report says so."""
    keys: dict[str, int] = {}
    for n in range(12):
        city = CITIES[n % len(CITIES)]
        keys[f"adult{n}"] = add_ad(any_store, f"a{n}", f"Petite lady number {n} in {city[0]}", city=city)
        keys[f"minor{n}"] = add_ad(any_store, f"m{n}", f"Hotel visits only, girl {n} in {city[0]}", city=city)
    update_scores(any_store)
    _review(any_store, keys, 12)
    report = learn_from_reviews(any_store, user="ana").report
    assert (
        report.prior_sd > PRIOR_SD
        and report.prior_evidence[report.prior_sd] >= report.prior_evidence[PRIOR_SD] + 1.0
    )
    assert report.weights_after["youth_language"] < 0 < report.weights_before["youth_language"]
    assert any("reverse the catalogue's direction for youth_language" in w for w in report.warnings)
    assert "the reviews overrule the catalogue" in report.prior_line()


def test_learned_words_flag_and_rerank_on_every_backend(any_store: Store) -> None:
    """Reviewers confirm the leads whose ads say 'bluebird' (a word no catalogue entry knows) and dismiss
    the others: the text model learnt from their reviews flags an unreviewed 'bluebird' ad, with the
    word's span and weight as its evidence, and ranks it above an unreviewed ad like the dismissed ones."""
    keys: dict[str, int] = {}
    for n, city in enumerate(CITIES):
        keys[f"minor{n}"] = add_ad(any_store, f"m{n}", f"Bluebird visits, friend {n} in {city[0]}", city=city)
        keys[f"adult{n}"] = add_ad(any_store, f"a{n}", f"Calm evenings, lady {n} in {city[0]}", city=city)
    keys["new_bluebird"] = add_ad(any_store, "nb", "Sunday: the BLUEBIRD visits Waco", city=("Waco", "TX"))
    keys["new_calm"] = add_ad(any_store, "nc", "Calm evenings in Waco", city=("Waco", "TX"))
    update_scores(any_store)
    _review(any_store, keys)
    report = learn_from_reviews(any_store, user="ana").report
    assert report.text_model is not None and report.text_note.startswith("text model on")
    assert TEXT_INDICATOR in report.weights_after
    assert any(line.startswith("Text model on") for line in report.lines())
    with any_store.connect() as conn:
        flag = conn.execute(
            select(score_flags).where(
                score_flags.c.ad_key == keys["new_bluebird"], score_flags.c.indicator == TEXT_INDICATOR
            )
        ).one()
        body = conn.execute(select(ads.c.body).where(ads.c.ad_key == keys["new_bluebird"])).scalar_one()
        calm = conn.execute(
            select(score_flags.c.indicator).where(
                score_flags.c.ad_key == keys["new_calm"], score_flags.c.indicator == TEXT_INDICATOR
            )
        ).all()
    assert body[flag.span_start : flag.span_end] == flag.evidence and flag.field == "body"
    assert flag.evidence.casefold() in {"bluebird", "bluebird visits", "visits"}
    assert "'bluebird' +" in flag.note and "reviewed leads of this corpus" in flag.note
    for field, start, end in flag.also:
        assert body[start:end] and field == "body"
    assert calm == []  # the dismissed leads' wording is not evidence for a lead
    assert _order(any_store, keys) == ["new_bluebird", "new_calm"]
