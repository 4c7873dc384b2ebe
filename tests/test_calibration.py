"""Ranks, not fake probabilities: standings without reviews, calibrated risk with enough of them.

Without reviews the queue shows where a lead stands in the corpus (position, top percent) and its raw
score labelled as not a probability; with 20+ reviewed leads (5+ of each outcome) it shows calibrated
risk with the number of reviews it rests on (score/calibration.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.score.calibration import Calibration, Standing, fit_calibration, top_percent
from safeharbor.score.run import update_scores
from safeharbor.storage import Store
from safeharbor.workspace.leads import set_review
from safeharbor.workspace.standing import ad_standing, current_calibration, lead_standing
from tests.test_score_support import add_ad, new_store
from tests.test_workspace_support import client_as

runner = CliRunner()
PAIRS = 12  # confirmed 'hotel' leads and dismissed 'petite' leads: 24 reviews


def test_no_calibration_below_the_minimum() -> None:
    assert fit_calibration([0.1] * 19, [True] * 10 + [False] * 9) is None  # 19 reviews
    assert fit_calibration([0.1] * 30, [True] * 4 + [False] * 26) is None  # 4 confirmed
    assert fit_calibration([0.1] * 30, [True] * 26 + [False] * 4) is None  # 4 dismissed


@pytest.mark.parametrize(
    ("scores", "labels"),
    [
        ([i / 40 for i in range(40)], [i >= 20 for i in range(40)]),  # separable
        ([i / 40 for i in range(40)], [i % 3 == 0 for i in range(40)]),  # no signal
        ([0.9] * 20 + [0.1] * 20, [True] * 12 + [False] * 8 + [True] * 2 + [False] * 18),  # two values
    ],
)
def test_calibration_is_monotone_bounded_and_says_its_basis(scores: list[float], labels: list[bool]) -> None:
    cal = fit_calibration(scores, labels)
    assert isinstance(cal, Calibration) and cal.reviews == len(scores) and cal.confirmed == sum(labels)
    grid = [i / 100 for i in range(101)]
    risks = [cal.risk(x) for x in grid]
    assert all(a <= b + 1e-12 for a, b in zip(risks, risks[1:], strict=False))  # never changes the order
    n = len(scores)
    assert min(risks) >= 1 / (n + 2) - 1e-12 and max(risks) <= (n + 1) / (n + 2) + 1e-12  # never 0 or 1
    assert f"{n} reviewed leads" in cal.label


@pytest.mark.parametrize(
    ("position", "of", "pct", "text"),
    [(1, 3400, 0.1, "#1 of 3,400 leads (top 0.1%)"), (12, 3400, 0.4, "#12 of 3,400 leads (top 0.4%)"),
     (500, 1000, 50.0, "#500 of 1,000 leads (top 50%)"), (3, 3, 100.0, "#3 of 3 leads (top 100%)")],
)  # fmt: skip
def test_standing_texts(position: int, of: int, pct: float, text: str) -> None:
    assert top_percent(position, of) == pct
    s = Standing(0.8, position, of)
    assert s.rank_text() == text and s.risk_text() is None and s.text() == text
    assert s.as_json()["calibrated_risk"] is None and s.as_json()["score"] == 0.8
    calibrated = Standing(0.8, position, of, calibrated_risk=0.31, reviews=24)
    assert calibrated.text() == f"{text}; calibrated risk 0.31 (from 24 reviews)"


def _corpus(store: Store) -> dict[str, int]:
    keys: dict[str, int] = {}
    for n in range(PAIRS):
        city = (f"Town{n}", "TX")
        keys[f"adult{n}"] = add_ad(store, f"a{n}", f"Hotel visits only, lady {n} in town", city=city)
        keys[f"minor{n}"] = add_ad(store, f"m{n}", f"Petite and sweet, girl {n} in town", city=city)
    keys["new"] = add_ad(store, "new", "Petite and sweet, hotel only, new in Waco", city=("Waco", "TX"))
    update_scores(store)
    return keys


def _review(store: Store, keys: dict[str, int], n: int) -> None:
    with store.begin() as conn:
        for i in range(n):
            set_review(conn, lead_type="ad", lead_ref=str(keys[f"minor{i}"]), status="confirmed", user="ana")
            set_review(
                conn, lead_type="ad", lead_ref=str(keys[f"adult{i}"]), status="dismissed", user="ana",
                reason="adult, stock wording",
            )  # fmt: skip


def _leads(store: Store, *args: str) -> str:
    url = str(store.url)
    result = runner.invoke(app, ["leads", "--top", "30", *args, "--db", url], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    return result.output


def test_ranks_without_reviews_calibrated_risk_with_them(any_store: Store) -> None:
    keys = _corpus(any_store)
    shown = " ".join(_leads(any_store).split())
    assert "#1 of 25" in shown and "top 4%" in shown and "score" in shown
    assert "not probabilities" in shown and "No calibrated risk yet" in shown
    first = json.loads(_leads(any_store, "--json").splitlines()[0])
    assert "risk" not in first and first["rank"] == 1 and first["of"] == 25 and first["top_percent"] == 4.0
    assert 0 <= first["score"] <= 1 and first["calibrated_risk"] is None
    _review(any_store, keys, 9)  # 18 reviews: still ranks only
    with any_store.connect() as conn:
        assert current_calibration(conn) is None
    _review(any_store, keys, PAIRS)  # 24 reviews, 12 of each
    with any_store.connect() as conn:
        cal = current_calibration(conn)
        assert cal is not None and cal.reviews == 2 * PAIRS and cal.confirmed == PAIRS
        petite = lead_standing(conn, f"ad:{keys['minor0']}", cal)
        hotel = lead_standing(conn, f"ad:{keys['adult0']}", cal)
        assert hotel is not None and petite is not None and petite.reviews == 2 * PAIRS
        assert (petite.calibrated_risk or 0) > (hotel.calibrated_risk or 1)  # reviewers confirmed 'petite'
        assert ad_standing(conn, petite.score).unit == "ads" and ad_standing(conn, 2.0).position == 1
    shown = " ".join(_leads(any_store).split())
    assert "calibrated risk" in shown and f"calibrated on {2 * PAIRS} reviewed leads" in shown
    records = [json.loads(line) for line in _leads(any_store, "--json").splitlines()]
    assert all(r["calibration_reviews"] == 2 * PAIRS and 0 < r["calibrated_risk"] < 1 for r in records)


def test_pages_and_api_show_standing_then_calibrated_risk(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _corpus(store)
    client = client_as(store, "analyst")
    page = client.get("/leads?reviewed=all")
    assert page.status_code == 200 and "Standing" in page.text and "#1</strong>" in page.text
    assert "they are not probabilities" in page.text and "calibrated risk appears once 20 leads" in page.text
    api = client.get("/api/leads?reviewed=all").json()["leads"]
    assert all("risk" not in row and row["standing"]["of"] == 25 for row in api)
    assert api[0]["standing"]["rank"] == 1 and api[0]["standing"]["calibrated_risk"] is None
    ad = client.get(f"/ads/{keys['minor0']}")
    assert ad.status_code == 200 and 'id="lead-standing"' in ad.text and "of 25 leads" in ad.text
    assert "of 25 ads" in ad.text and "calibrated risk appears once" in ad.text
    _review(store, keys, PAIRS)
    page = client.get("/leads?reviewed=all")
    assert "calibrated risk 0." in page.text and f"{2 * PAIRS} reviews so far" in page.text
    detail = client.get(f"/api/ads/{keys['minor0']}").json()
    assert "risk" not in detail and 0 <= detail["score"] <= 1
    assert detail["lead_standing"]["calibration_reviews"] == 2 * PAIRS
    assert detail["standing"]["calibrated_risk"] is None  # ads are not calibrated: leads are
    assert f"from {2 * PAIRS} reviews" in client.get(f"/ads/{keys['minor0']}").text
    store.dispose()
