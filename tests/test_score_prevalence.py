"""Evidence weighed against the corpus (score/prevalence.py): a phrase many unrelated posters use is
discounted, the reason says so, stated ages under 18 never are, and the result does not depend on the
order ads were loaded in."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import beta
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from safeharbor.cli import app
from safeharbor.link.tables import link_ad_network
from safeharbor.score import prevalence
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.leads import lead_queue
from safeharbor.score.prevalence import discountable, factor, measure, phrase_key, stored_discounts
from safeharbor.score.queries import scores_for_ads
from safeharbor.score.run import update_scores
from safeharbor.score.tables import score_ads, score_flags, score_leads, score_state
from safeharbor.storage import Store
from safeharbor.storage.schema import ads
from tests.test_score_support import add_ad, new_store


@pytest.mark.parametrize(
    ("posters", "total", "expected"),
    [
        (0, 100, 1.0),
        (24, 30, 1.0),  # fewer than MIN_POSTERS (25) posters: a small corpus says little
        (30, 1000, 1.0),  # 3%
        (100, 1000, 1.0),  # exactly the 10% knee
        (150, 1000, 0.8),  # log(1/0.15) / log(10) = 0.82
        (210, 1000, 0.7),  # 0.68
        (310, 1000, 0.5),  # 0.51: "girl next door" in the ads of 31% of posters
        (600, 1000, 0.2),  # 0.22
        (1000, 1000, 0.0),  # every poster: no evidence at all
    ],
)
def test_discount_table(posters: int, total: int, expected: float) -> None:
    assert factor(posters, total) == pytest.approx(expected)


def test_the_factor_is_the_information_of_the_phrase_relative_to_the_knee() -> None:
    for p in (0.11, 0.2, 0.35, 0.5, 0.8):
        raw = math.log(1 / p) / math.log(10)
        assert abs(factor(round(p * 10_000), 10_000) - raw) <= 0.05 + 1e-9


def test_phrases_are_counted_whatever_their_case_spacing_or_emoji_presentation() -> None:
    assert phrase_key("Girl  Next\nDoor") == "girl next door" == phrase_key(" girl next door ")
    assert phrase_key("✈️") == phrase_key("✈")


def test_decisive_and_detector_indicators_are_never_discounted() -> None:
    ids = {i.id for i in discountable(load_catalogue())}
    assert "stated_age_under_18" not in ids and "stated_age_18_19" not in ids
    assert "obscured_contact" not in ids
    assert {"youth_language", "youth_emoji", "third_person"} <= ids


def test_a_flag_keeps_its_least_discounted_phrase() -> None:
    poster = {k: f"p{k}" for k in range(100)}
    rows = [(k, "youth_language", "girl next door") for k in range(40)]  # 40% of posters
    rows += [(k, "youth_language", "fresh") for k in range(30)]  # 30%
    rows += [(0, "youth_language", "barely legal")]  # one poster
    found = measure(rows, poster)
    assert found.total == 100
    assert found.flag(0, "youth_language") is None  # "barely legal" is full evidence
    both = found.flag(5, "youth_language")
    assert both is not None and both.phrase == "fresh" and both.factor == 0.5
    only = found.flag(35, "youth_language")
    assert only is not None and only.factor == 0.4
    assert (
        only.note() == "'girl next door' appears in the ads of 40% of posters here (40 of 100): weight x0.4"
    )
    assert found.flag(99, "youth_language") is None  # not shown at all


Spec = tuple[str, str, list[str], str]  # (group, ad id, bodies, name)


def _specs() -> list[Spec]:
    """100 posters: 30 adults whose every ad uses one youth-sounding stock descriptor (different ads,
    not copies), 8 persons whose ads use youth language in 2 of 3 ads and speak in the third person,
    and 62 posters with plain ads."""
    specs: list[Spec] = []
    for n in range(30):
        bodies = [
            f"Ana{n} here, fresh face next door, {word} evenings. Call 214-555-01{n % 90 + 10:02d}"
            for word in ("relaxed", "quiet", "sunny")
        ]
        specs.append(("descriptor", f"d{n}", bodies, f"Ana{n}"))
    for n in range(8):
        bodies = [
            f"Kim{n} is young, ask for her, {n} nights only. Call 214-555-01{n + 90:02d}",
            f"Ask for her: Kim{n}, young and sweet, at the west side. Call 214-555-01{n + 90:02d}",
            f"Kim{n}, ask for her, in town this week. Call 214-555-01{n + 90:02d}",
        ]
        specs.append(("child", f"c{n}", bodies, f"Kim{n}"))
    for n in range(62):
        specs.append(("plain", f"p{n}", [f"Classy lady number {n}, call for rates"], ""))
    return specs


def _descriptor_corpus(store: Store, specs: list[Spec] | None = None) -> dict[str, list[int]]:
    specs = _specs() if specs is None else specs
    keys: dict[str, list[int]] = {"descriptor": [], "child": [], "plain": []}
    for group, ad_id, bodies, name in specs:
        own = [
            add_ad(
                store,
                f"{ad_id}-{i}",
                body,
                names=[name] if name else None,
                posted_at=f"2026-05-{1 + 7 * i:02d}T10:00:00Z",
                city=("Dallas", "TX"),
            )  # fmt: skip
            for i, body in enumerate(bodies)
        ]
        keys[group].extend(own)
        if len(own) > 1:
            with store.begin() as conn:
                conn.execute(
                    link_ad_network.insert(), [{"ad_key": k, "network_id": f"N-{ad_id}"} for k in own]
                )
    return keys


def _top_networks(store: Store, n: int) -> list[str]:
    with store.connect() as conn:
        return [lead.id for lead in lead_queue(conn, limit=n)]


def test_a_descriptor_used_by_30_percent_of_posters_no_longer_fills_the_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store(tmp_path / "on")
    keys = _descriptor_corpus(store)
    update_scores(store)
    top = _top_networks(store, 8)
    assert all(lead.startswith("N-c") for lead in top), top
    with store.connect() as conn:
        flags = scores_for_ads(conn, keys["descriptor"][:1])[keys["descriptor"][0]].flags
        state = dict(conn.execute(select(score_state.c.key, score_state.c.value)).all())
    youth = next(f for f in flags if f.indicator == "youth_language")
    assert youth.note.startswith("'fresh face' appears in the ads of 30% of posters here (30 of 100)")
    assert youth.weight == pytest.approx(0.5 * 0.8)
    assert state["discounts"] == {"youth_language\x1ffresh face": 0.5}
    # The person's habit of the stock phrase counts at its corpus weight too, and says so.
    pattern = next(f for f in flags if f.indicator == "person_youth_pattern")
    assert pattern.note.endswith("; phrases widespread in the corpus: weight x0.5"), pattern.note
    assert "3 of 3 ads of Ana0" in pattern.note
    assert pattern.weight == pytest.approx(6.0 * 0.5 * float(beta.sf(0.3, 1 + 3, 3)), abs=0.01)
    # The control: without the corpus's weights the descriptor's posters fill the top of the queue.
    monkeypatch.setattr(prevalence, "MIN_POSTERS", 10_000)
    off = new_store(tmp_path / "off")
    _descriptor_corpus(off)
    update_scores(off)
    assert sum(lead.startswith("N-d") for lead in _top_networks(off, 8)) >= 4


def _scores(store: Store) -> dict[str, tuple[float, float | None]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(ads.c.ad_id, score_ads.c.logit, score_ads.c.person_logit).join(
                score_ads, score_ads.c.ad_key == ads.c.ad_key
            )
        )
        return {
            r.ad_id: (round(r.logit, 9), None if r.person_logit is None else round(r.person_logit, 9))
            for r in rows
        }


def test_the_discount_does_not_depend_on_ingest_order_or_batches(tmp_path: Path) -> None:
    forward = new_store(tmp_path / "forward")
    _descriptor_corpus(forward)
    update_scores(forward)
    backward = new_store(tmp_path / "backward")
    _descriptor_corpus(backward, _specs()[::-1])
    update_scores(backward)
    assert _scores(forward) == _scores(backward)
    # In two batches: the first has too few descriptor posters for a discount, the second brings it,
    # and every ad scored before is re-scored with it.
    batched = new_store(tmp_path / "batched")
    specs = _specs()
    _descriptor_corpus(batched, specs[:20] + specs[30:])
    update_scores(batched)
    with batched.connect() as conn:
        state = dict(conn.execute(select(score_state.c.key, score_state.c.value)).all())
    assert state["discounts"] == {}
    _descriptor_corpus(batched, specs[20:30])
    update_scores(batched)
    assert _scores(batched) == _scores(forward)


def test_a_prolific_poster_counts_once_in_a_phrases_prevalence() -> None:
    # One network with 300 ads of "petite" and 99 stand-alone posters, 30 of whom say "fresh": the
    # prolific poster's phrase is one poster's (1%), not 300 of 399 ads'.
    poster = {k: "n\x1fN-prolific" for k in range(300)} | {300 + n: f"a\x1fs\x1f{n}" for n in range(99)}
    rows = [(k, "youth_language", "petite") for k in range(300)]
    rows += [(300 + n, "youth_language", "fresh") for n in range(30)]
    found = measure(rows, poster)
    assert found.total == 100
    assert found.flag(0, "youth_language") is None
    fresh = found.flag(300, "youth_language")
    assert fresh is not None and (fresh.posters, fresh.factor) == (30, 0.5)


def test_indicators_corpus_lists_the_discounted_phrases(tmp_path: Path) -> None:
    store = new_store(tmp_path / "corpus")
    _descriptor_corpus(store)
    update_scores(store)
    with store.connect() as conn:
        found = stored_discounts(conn)
    assert [(d.indicator, d.phrase, d.posters, d.total, d.factor) for d in found] == [
        ("youth_language", "fresh face", 30, 100, 0.5)
    ]
    db = str(tmp_path / "corpus" / "score.db")
    result = CliRunner().invoke(app, ["indicators", "--corpus", "--db", db], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "fresh face" in result.output and "30 of 100" in result.output and "30%" in result.output
    new_store(tmp_path / "empty")
    result = CliRunner().invoke(app, ["indicators", "--corpus", "--db", str(tmp_path / "empty" / "score.db")])
    assert result.exit_code == 0 and "No phrase is widespread" in result.output


def test_only_flags_whose_strength_moves_are_reweighed() -> None:
    # 1,000 posters; "fresh" goes from 30% to 31% of them (x0.5 either way), "girl next door" from
    # 21% to 31% (x0.7 -> x0.5). A flag keeps its least discounted phrase: ad 0 holds both (0.7 ->
    # 0.5, moves), ads 1-309 only "fresh" (0.5, stay), ad 600 also "barely legal" (1.0, stays).
    poster = {k: f"p{k}" for k in range(1000)}
    before = measure(
        [(k, "youth_language", "fresh") for k in range(300)]
        + [(k, "youth_language", "girl next door") for k in (0, *range(400, 609))]
        + [(600, "youth_language", "barely legal")],
        poster,
    )
    assert before.state() == {"youth_language\x1ffresh": 0.5, "youth_language\x1fgirl next door": 0.7}
    rows = [(k, "youth_language", "fresh") for k in range(310)]
    rows += [(k, "youth_language", "girl next door") for k in (0, *range(400, 709))]
    rows += [(600, "youth_language", "barely legal")]
    after = measure(rows, poster, previous=before.state())
    assert after.state()["youth_language\x1fgirl next door"] == 0.5
    assert after.reweighed == frozenset({0, *range(400, 600), *range(601, 709)})
    assert measure(rows, poster).reweighed is None  # no previous factors: unknown
    # A note names the phrase's count of posters: it moves with the count, not only with the factor.
    assert prevalence.renoted(after, before.state(), before.counts(), before.total) == {
        0,
        *range(1, 310),
        *range(400, 600),
        *range(601, 709),
    }
    assert prevalence.renoted(after, after.state(), after.counts(), after.total) == set()


def test_a_batch_that_moves_a_discount_rescores_only_the_ads_it_moves(
    any_store: Store, tmp_path: Path
) -> None:
    # The second batch brings the descriptor past MIN_POSTERS: only its posters' ads (and their
    # networks) are re-scored, and every score equals a one-shot run's.
    specs = _specs()
    batched = any_store
    keys = _descriptor_corpus(batched, specs[:20] + specs[30:])
    update_scores(batched)
    more = _descriptor_corpus(batched, specs[20:30])
    summary = update_scores(batched)
    descriptor = set(keys["descriptor"]) | set(more["descriptor"])
    assert summary.ads_reweighed == len(keys["descriptor"])
    assert summary.ads_combined == len(descriptor) < summary.ads_total
    forward = new_store(tmp_path / "forward")
    _descriptor_corpus(forward)
    update_scores(forward)
    assert _scores(batched) == _scores(forward)
    with batched.connect() as conn, forward.connect() as other:
        assert _flags(conn) == _flags(other)
        assert _leads(conn) == _leads(other)


def _flags(conn: Connection) -> list[tuple[object, ...]]:
    query = select(
        ads.c.ad_id,
        score_flags.c.indicator,
        score_flags.c.strength,
        score_flags.c.weight,
        score_flags.c.note,
    ).join(score_flags, score_flags.c.ad_key == ads.c.ad_key)
    return sorted(tuple(r) for r in conn.execute(query))


def _leads(conn: Connection) -> list[tuple[object, ...]]:
    """The lead queue by content (ad keys differ between stores loaded in another order)."""
    query = select(
        ads.c.ad_id, score_leads.c.kind, score_leads.c.rank, score_leads.c.risk, score_leads.c.reasons
    ).join(score_leads, score_leads.c.top_ad_key == ads.c.ad_key)
    return sorted((r.ad_id, r.kind, r.rank, r.risk, repr(r.reasons)) for r in conn.execute(query))
