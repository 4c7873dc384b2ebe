"""The lead queue and the CLI around it (leads, train, indicators)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.link.tables import link_ad_network
from safeharbor.score.leads import lead_queue
from safeharbor.score.model import ScoringModel, fit_weights
from safeharbor.score.queries import scores_for_ads
from safeharbor.score.run import update_scores
from safeharbor.score.train import fit_from_outcomes
from safeharbor.storage import Store
from tests.test_score_support import add_ad, new_store

runner = CliRunner()


def _corpus(store: Store) -> dict[str, int]:
    k = {}
    k["n1"] = add_ad(
        store,
        "n1",
        "Candy 🍒 young, petite. Text 2 1 4 5 5 5 0 1 3 4",
        names=["Candy"],
        city=("Dallas", "TX"),
        phones=[("2 1 4 5 5 5 0 1 3 4", "+12145550134")],
        posted_at="2026-05-01T10:00:00Z",
    )
    k["n2"] = add_ad(
        store,
        "n2",
        "Mia, ask for her, new in town",
        names=["Mia"],
        city=("Austin", "TX"),
        posted_at="2026-05-03T10:00:00Z",
    )
    k["solo"] = add_ad(
        store,
        "s1",
        "Fresh face, just turned 18, hotel incall",
        city=("Atlanta", "GA"),
        source="other-src",
        posted_at="2026-05-02T10:00:00Z",
    )
    k["plain"] = add_ad(
        store, "p1", "Mature and classy, 35", city=("Boston", "MA"), posted_at="2026-05-02T12:00:00Z"
    )
    with store.begin() as conn:
        conn.execute(
            link_ad_network.insert(),
            [{"ad_key": k["n1"], "network_id": "N-7"}, {"ad_key": k["n2"], "network_id": "N-7"}],
        )
    update_scores(store)
    return k


def test_queue_ranks_networks_and_standalone_ads(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    k = _corpus(store)
    with store.connect() as conn:
        leads = lead_queue(conn)
        scores = scores_for_ads(conn, k.values())
    assert [(lead.kind, lead.id) for lead in leads][:1] == [("network", "N-7")]
    kinds = {lead.id: lead for lead in leads}
    assert kinds["N-7"].n_ads == 2 and kinds["N-7"].ad_key is None and kinds["N-7"].network_id == "N-7"
    # The queue ranks by the person model (the strongest person's distinct ads); the exported network
    # risk stays the highest of its ads' risks.
    assert kinds["N-7"].max_ad_risk == max(scores[k["n1"]].risk, scores[k["n2"]].risk)
    assert kinds["N-7"].rank_basis["basis"].startswith("person model")
    assert kinds["N-7"].rank_basis["person"] == "Candy"
    assert (
        kinds["N-7"].first_seen == "2026-05-01T10:00:00Z" and kinds["N-7"].last_seen == "2026-05-03T10:00:00Z"
    )
    solo = kinds[str(k["solo"])]
    assert solo.kind == "ad" and solo.ad_key == k["solo"] and (solo.city, solo.state) == ("Atlanta", "GA")
    assert solo.reasons and solo.reasons[0].weight >= solo.reasons[-1].weight
    risks = [lead.risk for lead in leads]
    assert risks == sorted(risks, reverse=True)
    assert len(leads) == 3  # two ads of one network are one lead


def test_queue_filters(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    k = _corpus(store)
    with store.connect() as conn:
        assert [lead.id for lead in lead_queue(conn, state="ga")] == [str(k["solo"])]
        assert [lead.id for lead in lead_queue(conn, city="austin")] == ["N-7"]
        assert [lead.id for lead in lead_queue(conn, source="other-src")] == [str(k["solo"])]
        assert {lead.id for lead in lead_queue(conn, since="2026-05-02", until="2026-05-02")} == {
            str(k["solo"]),
            str(k["plain"]),
        }
        assert [lead.id for lead in lead_queue(conn, indicator="youth_emoji")] == ["N-7"]
        # excluding one ad of a network keeps the network while it has others
        assert "N-7" in {lead.id for lead in lead_queue(conn, exclude_keys={k["n1"]})}
        assert "N-7" not in {lead.id for lead in lead_queue(conn, exclude_keys={k["n1"], k["n2"]})}
        assert len(lead_queue(conn, limit=1, offset=1)) == 1


def test_leads_command_prints_reasons_and_caveat(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    _corpus(store)
    db = str(tmp_path / "score.db")
    result = runner.invoke(app, ["leads", "--top", "5", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "network N-7" in result.output and "youth" in result.output
    assert "indicators of a possible minor" in result.output.lower()
    assert "minor detected" not in result.output.lower()
    as_json = runner.invoke(app, ["leads", "--top", "2", "--json", "--db", db])
    first = json.loads(as_json.output.splitlines()[0])
    assert first["kind"] == "network" and first["reasons"][0]["indicator"]


def test_indicators_command_lists_the_catalogue(tmp_path: Path) -> None:
    result = runner.invoke(app, ["indicators", "--verbose"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "youth_language" in result.output and "NIJ" in result.output
    exported = tmp_path / "mine.yaml"
    assert runner.invoke(app, ["indicators", "--export", str(exported)]).exit_code == 0
    checked = runner.invoke(app, ["indicators", "--check", str(exported)])
    assert checked.exit_code == 0 and "valid" in checked.output
    exported.write_text("indicators: [{id: x}]", encoding="utf-8")
    assert runner.invoke(app, ["indicators", "--check", str(exported)]).exit_code == 2


def test_fit_weights_moves_towards_the_evidence() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, size=(600, 2)).astype(float)
    true = -2.0 + 2.5 * x[:, 0] + 0.0 * x[:, 1]
    y = (rng.random(600) < 1 / (1 + np.exp(-true))).astype(float)
    bias, w = fit_weights(x, y, -3.0, np.array([0.5, 1.5]))
    assert w[0] > 1.5 and w[1] < 1.0 and -3.0 < bias < -1.0


def test_train_from_file_refits_and_rescores(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    rows = []
    for n in range(24):  # youthful ads confirmed minor, plain ones not, hotel ones mixed
        youthful = n % 2 == 0
        body = ("petite and young" if youthful else "mature lady") + (", hotel" if n % 3 == 0 else "")
        add_ad(store, f"t{n}", body)
        rows.append({"source": "test-src", "id": f"t{n}", "minor": youthful and n % 4 == 0})
    outcomes = tmp_path / "outcomes.jsonl"
    outcomes.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n", encoding="utf-8")
    db = str(tmp_path / "score.db")
    dry = runner.invoke(app, ["train", "--from", str(outcomes), "--dry-run", "--db", db])
    assert dry.exit_code == 0, dry.output
    assert "Fitted on 24 reviewed ads" in dry.output and "ROC AUC" in dry.output and "1 lines" in dry.output
    result = runner.invoke(app, ["train", "--from", str(outcomes), "--db", db])
    assert result.exit_code == 0, result.output
    assert "in use" in result.output or "not put in use" in result.output


def test_train_persons_writes_a_catalogue_with_a_refitted_person_model(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    rows = []
    for n in range(30):  # stand-alone ads: each is a person of one ad
        youthful = n % 2 == 0
        add_ad(store, f"p{n}", "petite and young, new in town" if youthful else "mature lady, new in town")
        rows.append({"source": "test-src", "id": f"p{n}", "minor": youthful})
    outcomes = tmp_path / "outcomes.jsonl"
    outcomes.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    db, refit = str(tmp_path / "score.db"), tmp_path / "refit.yaml"
    result = runner.invoke(
        app, ["train", "--from", str(outcomes), "--dry-run", "--persons", str(refit), "--db", db]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "30 reviewed persons (15 confirmed" in out and "Person ROC AUC" in out
    from safeharbor.score.catalogue import load_catalogue

    before, after = load_catalogue(), load_catalogue(refit)
    assert before.person is not None and after.person is not None
    assert [i.id for i in after.indicators] == [i.id for i in before.indicators]  # the rest is kept
    assert after.person.weights["youth_any"][0] > before.person.weights["youth_any"][0]
    assert runner.invoke(app, ["indicators", "--check", str(refit)]).exit_code == 0
    too_few = tmp_path / "few.jsonl"
    too_few.write_text("\n".join(json.dumps(r) for r in rows[:4]) + "\n", encoding="utf-8")
    few = runner.invoke(
        app,
        ["train", "--from", str(too_few), "--dry-run", "--persons", str(tmp_path / "x.yaml"), "--db", db],
        env={"COLUMNS": "200"},
    )
    said = " ".join(few.output.split())  # the console wraps lines at its own width
    assert "person model is unchanged" in said and not (tmp_path / "x.yaml").exists()


def test_fit_from_outcomes_activates_a_model(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = [add_ad(store, f"f{n}", "young and petite" if n % 2 else "mature lady") for n in range(40)]
    update_scores(store)
    with store.connect() as conn:
        before = scores_for_ads(conn, keys)
    report = fit_from_outcomes(store, [(k, n % 2 == 1) for n, k in enumerate(keys)])
    assert report.n == 40 and report.positives == 20 and report.auc_catalogue == 1.0
    assert report.activated and report.model_id
    summary = update_scores(store)
    assert summary.model.startswith("fitted") and summary.ads_combined == 40
    with store.connect() as conn:
        after = scores_for_ads(conn, keys)
    assert after[keys[1]].risk > before[keys[1]].risk  # perfectly separated: youth weight goes up
    assert isinstance(ScoringModel(0.0, {}).risk([]), float)
