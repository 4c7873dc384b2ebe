"""Phrase proposals from reviews: counts, accepting one (audited), and the next analyze using it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeharbor.cli import app, risk_cmds
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.phrase_store import ACCEPTED, corpus_catalogue, list_phrases
from safeharbor.score.phrases import grams, log_odds, propose
from safeharbor.score.queries import flags_for_ads
from safeharbor.score.run import update_scores
from safeharbor.storage import Store
from safeharbor.workspace.audit import list_entries
from safeharbor.workspace.leads import filter_choices, set_review
from safeharbor.workspace.phrasebook import accept, propose_phrases
from tests.test_score_support import add_ad, new_store

runner = CliRunner()
CITIES = ["Dallas", "Austin", "Tulsa", "Omaha", "Boise"]


def _reviewed(store: Store) -> dict[str, int]:
    """Five confirmed leads sharing an invented phrase and emoji; five dismissed adults' leads."""
    keys: dict[str, int] = {}
    for n, city in enumerate(CITIES):
        keys[f"c{n}"] = add_ad(store, f"c{n}", f"Sunny cloud 🦄 visiting {city}, ask for room {n}")
        keys[f"d{n}"] = add_ad(store, f"d{n}", f"Classy sunny lady visiting {city}, ask for room {n}")
        keys[f"d{n}b"] = add_ad(store, f"d{n}b", f"Sunny smile, visiting {city} {n}")
    keys["new"] = add_ad(store, "new", "Tonight only: sunny   CLOUD in Waco")
    update_scores(store)
    with store.begin() as conn:
        for n in range(len(CITIES)):
            set_review(conn, lead_type="ad", lead_ref=str(keys[f"c{n}"]), status="confirmed", user="ana")
            for suffix in ("", "b"):
                set_review(
                    conn, lead_type="ad", lead_ref=str(keys[f"d{n}{suffix}"]), status="dismissed", user="ana",
                    reason="adult",
                )  # fmt: skip
    return keys


def test_grams_normalise_and_split_at_punctuation() -> None:
    found = grams("<b>New</b> in town!🍓 Sweet &amp; shy, ask")
    assert ("phrase", "new") in found and ("phrase", "town") in found and ("emoji", "🍓") in found
    assert ("phrase", "sweet") in found and ("phrase", "shy") in found
    assert not any(g.startswith(("in ", "ask ")) or g.endswith(" in") for _, g in found)
    assert ("phrase", "shy ask") not in found  # across a comma: not a phrase the matcher could find


def test_proposals_have_counts_and_a_smoothed_log_odds() -> None:
    docs = {f"c{n}": ("sunny cloud here", True) for n in range(4)}
    docs |= {f"d{n}": ("sunny day here" if n < 2 else "plain", False) for n in range(4)}
    found = {p.phrase: p for p in propose(docs, load_catalogue(), min_support=3)}
    assert (found["sunny cloud"].confirmed, found["sunny cloud"].dismissed) == (4, 0)
    assert found["sunny cloud"].score == round(log_odds(4, 4, 0, 4), 3)
    assert "cloud" not in found  # same leads as "sunny cloud": the longer phrase is kept
    assert "sunny" not in found or found["sunny"].score < found["sunny cloud"].score


def test_accepted_phrase_flags_ads_on_the_next_analyze(any_store: Store) -> None:
    keys = _reviewed(any_store)
    with any_store.begin() as conn:
        proposed = {p.phrase: p for p in propose_phrases(conn)}
    cloud = proposed["sunny cloud"]
    assert (cloud.confirmed, cloud.dismissed) == (5, 0) and cloud.kind == "phrase"
    assert proposed["🦄"].kind == "emoji" and proposed["🦄"].confirmed == 5
    assert "visiting" not in proposed and "sunny" not in proposed  # dismissed leads use them too
    with any_store.begin() as conn:
        accept(conn, cloud.phrase_id, indicator="learned_youth", user="ana")
        accept(conn, proposed["🦄"].phrase_id, indicator="youth_emoji", user="ana")
    with any_store.connect() as conn:
        cat = corpus_catalogue(conn)
        assert cat.by_id()["learned_youth"].learned and "🦄" in cat.by_id()["youth_emoji"].patterns.emoji
        assert cat.weights_hash() == load_catalogue().weights_hash()  # a fit from reviews stays valid
        audit = list_entries(conn, action="phrase.accept")
        assert [(e.user, e.object_id) for e in reversed(audit)] == [
            ("ana", str(cloud.phrase_id)),
            ("ana", str(proposed["🦄"].phrase_id)),
        ]
    summary = update_scores(any_store)
    assert "learned_youth" in summary.indicators_rematched
    with any_store.connect() as conn:
        flags = flags_for_ads(conn, [keys["new"], keys["c0"]])
        again = {p.phrase for p in propose_phrases(conn)}
    new = next(f for f in flags[keys["new"]] if f.indicator == "learned_youth")
    body = "Tonight only: sunny   CLOUD in Waco"
    assert new.field == "body" and body[new.start : new.end] == new.evidence == "sunny   CLOUD"
    assert any(f.indicator == "youth_emoji" and f.evidence == "🦄" for f in flags[keys["c0"]])
    assert "sunny cloud" not in again  # accepted: no longer proposed


def test_phrases_commands(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    _reviewed(store)
    db = str(tmp_path / "score.db")
    shown = runner.invoke(app, ["phrases", "propose", "--db", db], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Proposed phrases" in shown.output
    with store.connect() as conn:
        pid = next(p.phrase_id for p in propose_phrases(conn) if p.phrase == "sunny cloud")
    bad = runner.invoke(app, ["phrases", "accept", str(pid), "--indicator", "Bad Name", "--db", db])
    assert bad.exit_code == 1 and "lower-case" in " ".join(bad.output.split())
    net = runner.invoke(app, ["phrases", "accept", str(pid), "--indicator", "age_changes", "--db", db])
    assert net.exit_code == 1 and "network-level" in " ".join(net.output.split())
    ok = runner.invoke(app, ["phrases", "accept", str(pid), "--indicator", "youth_language", "--db", db])
    assert ok.exit_code == 0, ok.output
    assert "Accepted phrase 'sunny cloud' into youth_language" in " ".join(ok.output.split())
    twice = runner.invoke(app, ["phrases", "accept", str(pid), "--indicator", "youth_language", "--db", db])
    assert twice.exit_code == 0, twice.output  # the same decision again changes nothing
    other = runner.invoke(app, ["phrases", "accept", str(pid), "--indicator", "youth_coded", "--db", db])
    assert other.exit_code == 1 and "already accepted into youth_language" in " ".join(other.output.split())
    listed = runner.invoke(app, ["phrases", "list", "--db", db], env={"COLUMNS": "200"})
    assert (
        listed.exit_code == 0 and "Accepted phrases" in listed.output
    )  # (rich narrows the table under xdist)
    with store.connect() as conn:
        assert [p.indicator for p in list_phrases(conn, ACCEPTED)] == ["youth_language"]


def test_accepted_phrases_appear_in_indicators_and_the_queue_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(risk_cmds.console, "width", 250)  # the module's console is sized at import
    store = new_store(tmp_path)
    _reviewed(store)
    with store.begin() as conn:
        pid = next(p.phrase_id for p in propose_phrases(conn) if p.phrase == "sunny cloud")
        accept(conn, pid, indicator="weather_words", user="ana")
    db = str(tmp_path / "score.db")
    shown = runner.invoke(app, ["indicators", "--db", db], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    text = "".join(shown.output.split())  # rich may fold cells (it narrows tables under xdist)
    assert "weather_words" in text and "acceptedfromreview:'sunnycloud'" in text
    without = runner.invoke(app, ["indicators"], env={"COLUMNS": "250"})
    assert "weather_words" not in without.output  # the file's catalogue alone
    with store.connect() as conn:
        assert "weather_words" in filter_choices(conn)["indicators"]
