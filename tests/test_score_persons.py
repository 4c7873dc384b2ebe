"""Person-level evidence (re-posts counted once), the network ranking score and the precomputed queue."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from safeharbor.link.tables import link_ad_network
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.indicators import _compile, _first_chars
from safeharbor.score.lead_table import AdRow, network_rank
from safeharbor.score.leads import lead_queue
from safeharbor.score.network_signals import AdFacts, group_signals
from safeharbor.score.queries import scores_for_ads
from safeharbor.score.run import update_scores
from safeharbor.storage import Store
from tests.test_score_support import add_ad, new_store

T0 = datetime(2026, 5, 1, 10, tzinfo=UTC)
YOUTH = frozenset({"youth_language"})


def _facts(key: int, day: float, city: str, indicators: frozenset[str], name: str = "candy") -> AdFacts:
    return AdFacts(key, T0 + timedelta(days=day), names=frozenset({name}), city=city, indicators=indicators)


def _person_youth(members: list[AdFacts]) -> dict[int, float]:
    ind = load_catalogue().by_id()["person_youth_pattern"]
    summary = group_signals([ind], members, "phone +12145550134")
    return {k: h.value for k, hits in summary.per_ad.items() for h in hits}


def test_person_rate_grows_with_evidence_and_counts_reposts_once() -> None:
    # 8 of 12 ads in different cities/weeks use youth language: nearly certain, every ad inherits it.
    steady = [_facts(n, 5 * n, f"City{n}", YOUTH if n % 3 else frozenset()) for n in range(12)]
    values = _person_youth(steady)
    assert set(values) == set(range(12)) and min(values.values()) > 0.9
    # 1 of 12: nothing.
    rare = [_facts(n, 5 * n, f"City{n}", YOUTH if n == 0 else frozenset()) for n in range(12)]
    assert _person_youth(rare) == {}
    # One youthful ad re-posted six times in one city within days is one piece of evidence, not seven;
    # with five plain ads elsewhere the person is not flagged, though 7 of 12 ads carry the phrase.
    reposts = [_facts(n, 0.5 * n, "Dallas", YOUTH) for n in range(7)]
    plain = [_facts(10 + n, 10 + 5 * n, f"City{n}", frozenset()) for n in range(5)]
    assert _person_youth(reposts + plain) == {}


def test_a_persons_other_ads_inherit_youth_evidence(tmp_path: Path) -> None:
    """Ads of one person (same name and phone): the ad without youth words inherits the pattern."""
    store = new_store(tmp_path)
    keys = []
    cities = [("Dallas", "TX"), ("Austin", "TX"), ("Houston", "TX"), ("Waco", "TX"), ("Tyler", "TX")]
    # Four ads written differently (four observations; copies of one text would count once) and one plain.
    wording = ["young and sweet", "petite, fresh face", "new to this, so young", "tiny and fresh", "classy"]
    for n, city in enumerate(cities):
        body = f"Candy, {wording[n]}. Text 214-555-0134"
        keys.append(
            add_ad(
                store,
                f"c{n}",
                body,
                posted_at=f"2026-05-{1 + 5 * n:02d}T10:00:00Z",
                city=city,
                phones=[("214-555-0134", "+12145550134")],
                names=["Candy"],
            )  # fmt: skip
        )
    update_scores(store)
    with store.connect() as conn:
        scores = scores_for_ads(conn, keys)
    last = {f.indicator: f for f in scores[keys[-1]].flags}
    assert "youth_language" not in last
    inherited = last["person_youth_pattern"]
    assert inherited.level == "network" and inherited.start is None
    assert "4 of 5 ads" in inherited.evidence and "Candy" in inherited.note
    assert scores[keys[-1]].risk > 0.1  # from under 1% for the same ad on its own


def _row(key: int, logit: float, persons: tuple[str, ...]) -> AdRow:
    return AdRow(key, 0.0, logit, "N-1", persons, "src", str(key), "2026-05-01T10:00:00Z", None, None, None)


def test_network_rank_uses_the_strongest_person_not_one_chance_ad() -> None:
    # A large adult network: one ad with a high score by chance among many ordinary ones.
    adult = [_row(1, 2.0, ("Mia",))] + [_row(k, -4.0, ("Mia",)) for k in range(2, 12)]
    adult += [_row(k, -4.0, ("Kiki",)) for k in range(12, 20)]
    # A network in which one person's ads keep showing evidence.
    child = [_row(k, 1.0, ("Lexi",)) for k in range(30, 36)] + [
        _row(k, -4.0, ("Rosa",)) for k in range(36, 40)
    ]
    adult_rank, _ = network_rank(adult)
    child_rank, basis = network_rank(child)
    assert child_rank > 0.5 > adult_rank
    assert basis["person"] == "Lexi" and basis["person_ads"] == 6


def _link(store: Store, keys: list[int], network: str) -> None:
    with store.begin() as conn:
        conn.execute(link_ad_network.insert(), [{"ad_key": k, "network_id": network} for k in keys])


def test_lead_table_follows_incremental_runs(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    a = add_ad(store, "a", "Lexi, young. Text 214-555-0142", names=["Lexi"], city=("Dallas", "TX"))
    b = add_ad(store, "b", "Lexi, fresh. Text 214-555-0142", names=["Lexi"], city=("Austin", "TX"))
    solo = add_ad(store, "s", "Mature lady, 35", city=("Boston", "MA"))
    _link(store, [a, b], "N-1")
    update_scores(store)
    with store.connect() as conn:
        leads = {lead.id: lead for lead in lead_queue(conn)}
    assert set(leads) == {"N-1", str(solo)} and leads["N-1"].n_ads == 2
    assert leads["N-1"].max_ad_risk is not None and leads["N-1"].rank_basis["basis"]
    # The stand-alone ad joins the network: its own lead goes, the network's is rebuilt.
    _link(store, [solo], "N-1")
    summary = update_scores(store)
    assert summary.ads_combined < 3 or summary.networks_scored == 1
    with store.connect() as conn:
        leads = {lead.id: lead for lead in lead_queue(conn)}
        assert [lead.id for lead in lead_queue(conn, state="MA")] == ["N-1"]
    assert set(leads) == {"N-1"} and leads["N-1"].n_ads == 3
    # A new stand-alone ad appears as its own lead without touching the network's.
    new = add_ad(store, "n", "Hello there", city=("Reno", "NV"))
    summary = update_scores(store)
    assert summary.networks_scored == 0
    with store.connect() as conn:
        assert {lead.id for lead in lead_queue(conn)} == {"N-1", str(new)}


def test_first_character_lookahead_keeps_matches_the_same() -> None:
    cat = load_catalogue()
    texts = [
        "Candy 🍒 y0ung & fr3sh, new 2 this, ask for her. Cash app deposit first",
        "YOUNG and Petite, NEW TO THE GAME. Police stay away. hotel room 12",
        "Mature, classy, no deposit, in town this week only",
    ]
    for ind in cat.of_level("ad"):
        fast = _compile(ind.patterns)
        if fast is None:
            continue
        plain = (
            re.compile(fast.pattern.split("(?:", 1)[1][:-1], re.IGNORECASE)
            if fast.pattern.startswith("(?=[")
            else fast
        )
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], ind.id
    assert _first_chars(r"\b(?:ab|c[de])") == {"a", "A", "c", "C"}
    assert _first_chars(r".*x") is None
