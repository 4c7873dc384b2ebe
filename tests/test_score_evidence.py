"""Independent evidence counted once: observations, saturation, the lead bound, a prolific poster, and a
stated age under 18 ranking its ad, person and network above everything else (person_evidence.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeharbor.link.tables import link_ad_network
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.leads import lead_queue
from safeharbor.score.model import ScoringModel, capped, catalogue_model
from safeharbor.score.network_signals import AdFacts, observations
from safeharbor.score.person_evidence import evidence_score, person_values
from safeharbor.score.queries import scores_for_ads
from safeharbor.score.run import update_scores
from safeharbor.storage import Store
from tests.test_score_support import add_ad, new_store

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
YOUTH = frozenset({"youth_language"})
MODEL = ScoringModel(bias=-6.0, weights={"youth_language": 2.0, "hotel_venue": 1.0, "u18": 14.0}, cap=6.0,
                     decisive=frozenset({"u18"}))  # fmt: skip


def _ad(
    key: int, indicators: frozenset[str] = frozenset(), ages: tuple[int, ...] = (), day: int = 0
) -> AdFacts:
    """A hand-made ad whose template is its evidence: ads with the same evidence are copies."""
    template = ",".join(sorted(indicators)) + str(ages)
    return AdFacts(
        key,
        T0 + timedelta(days=day),
        ages=ages,
        indicators=indicators,
        ref=f"s\x1f{key:04d}",
        template=template,
    )


# Saturation: re-posts of one template are one observation; shares never exceed 1; the cap bounds the sum.
@pytest.mark.parametrize(
    ("ads", "observed", "youth_value"),
    [
        ([_ad(k, YOUTH, (19,), day=k) for k in range(219)], 1, 1.0),  # 219 re-posts of one template
        ([_ad(k, YOUTH, (19,)) for k in range(3)] + [_ad(9, frozenset(), (19,))], 2, 0.5),
        ([_ad(0, YOUTH)] + [_ad(k, frozenset({"hotel_venue"}), (20 + k,)) for k in range(1, 10)], 10, 0.1),
        ([_ad(k, YOUTH, (18 + k,)) for k in range(7)] + [_ad(9, frozenset())], 8, 7 / 8),
    ],
)
def test_observations_and_shares_table(ads: list[AdFacts], observed: int, youth_value: float) -> None:
    assert len(observations(ads)) == observed
    assert person_values(ads, {}, frozenset())["youth_language"] == pytest.approx(youth_value)


@pytest.mark.parametrize(
    ("evidence", "cap", "expected"),
    [
        (0.0, 6.0, 0.0),
        (1.0, 6.0, 6 * math.tanh(1 / 6)),  # small evidence: almost unchanged (0.99)
        (6.0, 6.0, 6 * math.tanh(1.0)),  # 4.57
        (60.0, 6.0, 6 * math.tanh(10.0)),  # never past the cap
        (-60.0, 6.0, -6 * math.tanh(10.0)),
        (60.0, None, 60.0),  # no cap in the catalogue: a plain sum
    ],
)
def test_saturation_table(evidence: float, cap: float | None, expected: float) -> None:
    assert capped(evidence, cap) == pytest.approx(expected)
    assert abs(capped(evidence, 6.0)) <= 6.0


def test_a_decisive_indicator_counts_fully_once_and_outranks_any_pile_of_evidence() -> None:
    one_of_many = [_ad(0, frozenset({"u18"}), (16,))] + [
        _ad(k, frozenset(), (19,), day=k) for k in range(1, 9)
    ]
    assert person_values(one_of_many, {}, MODEL.decisive)["u18"] == 1.0
    piled = [_ad(k, YOUTH | {"hotel_venue"}, (18 + k % 2,), day=k) for k in range(40)]
    hits = {a.ad_key: {"person_youth_pattern": 1.0} for a in piled}
    strong = ScoringModel(
        -6.0, {**MODEL.weights, "person_youth_pattern": 30.0}, cap=6.0, decisive=MODEL.decisive
    )
    assert (
        evidence_score("u18", one_of_many, {}, strong, {})[0]
        > evidence_score("p", piled, hits, strong, {})[0]
    )


# The lead bound: an ad is no stronger than its strongest person's evidence.
@pytest.mark.parametrize(
    ("person", "ad_indicators", "bounded_by_person"),
    [
        ([_ad(0, YOUTH)], YOUTH, False),  # a person of one ad: the same evidence, the same score
        ([_ad(0, YOUTH)] + [_ad(k, frozenset(), (20 + k,)) for k in range(1, 10)], YOUTH, True),  # 1 of 10
        ([_ad(k, YOUTH, (19 + k,)) for k in range(5)], YOUTH, False),  # youth in every observation
    ],
)
def test_lead_bound_table(
    person: list[AdFacts], ad_indicators: frozenset[str], bounded_by_person: bool
) -> None:
    ad_logit = MODEL.logit(ad_indicators)
    person_logit, _ = evidence_score("p", person, {}, MODEL, {})
    assert min(ad_logit, person_logit) == pytest.approx(person_logit if bounded_by_person else ad_logit)
    assert (person_logit < ad_logit - 1e-9) is bounded_by_person


def _link(store: Store, keys: list[int], network: str) -> None:
    with store.begin() as conn:
        conn.execute(link_ad_network.insert(), [{"ad_key": k, "network_id": network} for k in keys])


def _prolific_corpus(store: Store) -> dict[str, int]:
    """One adult poster with 60 ads of one template (a youth-sounding stock phrase in each), and five
    other posters with one ad each, one of whom shows strong evidence."""
    cities = [("Dallas", "TX"), ("Austin", "TX"), ("Houston", "TX"), ("Waco", "TX"), ("Tyler", "TX")]
    prolific = [
        add_ad(
            store,
            f"gnd{n}",
            "Jade, petite girl next door, relaxed evenings. Text 214-555-0150",
            names=["Jade"],
            phones=[("214-555-0150", "+12145550150")],
            city=cities[n % 5],
            posted_at=f"2026-05-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
        )  # fmt: skip
        for n in range(60)
    ]
    _link(store, prolific, "N-jade")
    keys = {"strong": add_ad(
        store, "kim", "Kim 🍒 young and new to this, no LE. Text 2 1 4 5 5 5 0 1 7 7",
        names=["Kim"], phones=[("2 1 4 5 5 5 0 1 7 7", "+12145550177")], city=("Dallas", "TX"),
    )}  # fmt: skip
    for n in range(4):
        keys[f"other{n}"] = add_ad(store, f"o{n}", f"Classy lady number {n}, call for rates", city=cities[n])
    return keys


def test_a_prolific_poster_takes_one_lead_and_its_ads_no_more_than_its_evidence(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    keys = _prolific_corpus(store)
    update_scores(store)
    with store.connect() as conn:
        leads = lead_queue(conn, limit=10)
        scores = scores_for_ads(conn, [keys["strong"]])
    ids = [lead.id for lead in leads]
    assert ids.count("N-jade") == 1 and len(ids) == 6  # 60 ads, one lead
    assert ids[0] == str(keys["strong"])  # the one ad with strong evidence leads
    jade = next(lead for lead in leads if lead.id == "N-jade")
    assert jade.rank_basis["person_ads"] == 1  # 60 re-posts of one template: one observation
    assert jade.max_ad_risk is not None and jade.max_ad_risk <= jade.risk + 1e-9  # ads bounded by the lead
    assert scores[keys["strong"]].risk > jade.risk


def test_a_stated_age_under_18_ranks_its_ad_and_network_above_any_stated_18_19(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    cities = [("Dallas", "TX"), ("Austin", "TX"), ("Houston", "TX"), ("Waco", "TX")]
    strong = [
        add_ad(
            store,
            f"sky{n}",
            f"Sky, 19 yrs, young and new to this 🍒 no LE, {cities[n][0]}. Text 2 1 4 5 5 5 0 1 8 8",
            names=["Sky"],
            ages=["19"],
            phones=[("2 1 4 5 5 5 0 1 8 8", "+12145550188")],
            city=cities[n],
            posted_at=f"2026-05-{1 + 6 * n:02d}T10:00:00Z",
        )  # fmt: skip
        for n in range(4)
    ]
    _link(store, strong, "N-sky")
    plain = [
        add_ad(store, f"amy{n}", f"Amy, relaxed evenings in {c[0]}. Call 469-555-0101", names=["Amy"], city=c,
               phones=[("469-555-0101", "+14695550101")], posted_at=f"2026-05-{2 + 6 * n:02d}T10:00:00Z")
        for n, c in enumerate(cities)
    ]  # fmt: skip
    stated = add_ad(store, "ivy", "Ivy, age: 16, relaxed evenings. Call 469-555-0101", names=["Ivy"],
                    city=("Waco", "TX"), phones=[("469-555-0101", "+14695550101")])  # fmt: skip
    _link(store, [*plain, stated], "N-amy")
    update_scores(store)
    with store.connect() as conn:
        leads = lead_queue(conn, limit=10)
        scores = scores_for_ads(conn, [*strong, stated])
    assert [lead.id for lead in leads][:2] == ["N-amy", "N-sky"]
    assert leads[0].rank_basis["person"] == "Ivy"
    assert all(scores[stated].risk > scores[k].risk for k in strong)
    flag = next(f for f in scores[stated].flags if f.indicator == "stated_age_under_18")
    assert flag.evidence == "age: 16" and flag.weight == max(f.weight for f in scores[stated].flags)


def test_catalogue_defaults_count_no_evidence_by_absence() -> None:
    cat = load_catalogue()
    assert cat.person is None  # the person model fitted on synthetic data is not a default
    assert all(w >= 0 for w in catalogue_model(cat).weights.values())
