"""Near-duplicate text: masked templates match; boilerplate, other cities, other contacts do not link."""

from __future__ import annotations

import numpy as np

from safeharbor.link.text import text_edges
from safeharbor.link.text.index import TextItem, build_index
from safeharbor.link.text.tokens import ad_tokens, shingle_hashes
from safeharbor.types import Extraction
from tests.link_support import made_up_words

TEMPLATE = "Hello gentlemen, {name} here, {age} yrs, sweet and classy. {words} Call {phone} today."


def spans_for(text: str, values: dict[str, str]) -> list[Extraction]:
    out = []
    for kind, value in values.items():
        start = text.index(value)
        out.append(Extraction(1, kind, value, value, "body", start, start + len(value), "test", "1"))  # type: ignore[arg-type]
    return out


def shingles(name: str, age: str, phone: str, words: str) -> np.ndarray:
    body = TEMPLATE.format(name=name, age=age, phone=phone, words=words)
    return shingle_hashes(ad_tokens(None, body, spans_for(body, {"name": name, "age": age, "phone": phone})))


def test_a_template_with_details_swapped_gives_the_same_shingles() -> None:
    import random

    words = " ".join(made_up_words(random.Random(3), 15))
    a = shingles("Mia", "21", "214-555-0134", words)
    b = shingles("Jade", "23", "(512) 555 0188", words)
    assert np.array_equal(a, b) and len(a) > 10


def item(
    key: int, shingles: np.ndarray, place: str | None = "Dallas|TX", contacts: frozenset[str] = frozenset()
) -> TextItem:
    return TextItem(key, key, place, f"2026-09-{key % 28 + 1:02d}T00:00:00Z", contacts, shingles)


def test_rare_shared_wording_links_but_generic_boilerplate_and_other_cities_do_not() -> None:
    import random

    rng = random.Random(5)
    boilerplate = shingle_hashes(
        ad_tokens(None, "available now no blocked calls 100% real pics call or text", [])
    )
    items = []
    for k in range(200):  # 200 unrelated ads that share only boilerplate
        own = shingle_hashes(ad_tokens(None, " ".join(made_up_words(rng, 12)), []))
        items.append(item(k, np.union1d(boilerplate, own).astype(np.uint32)))
    template = shingle_hashes(ad_tokens(None, " ".join(made_up_words(rng, 20)), []))
    items.append(item(200, template))
    items.append(item(201, template))  # a repost in the same city
    items.append(item(202, template, place="Miami|FL"))  # a copy in another city
    items.append(item(203, template, contacts=frozenset({"phone:+12145550101"})))
    items.append(item(204, template, contacts=frozenset({"phone:+12145550102"})))  # contradicting contacts
    index = build_index(items, generic_cap=50)
    assert index.generic >= len(boilerplate)
    edges = {(e.ad_a, e.ad_b) for e in text_edges(items, index)}
    assert (200, 201) in edges and (200, 203) in edges and (200, 204) in edges
    assert (203, 204) not in edges
    assert not any(202 in pair for pair in edges)
    assert not any(a < 200 or b < 200 for a, b in edges)


def test_weights_use_a_rounded_corpus_size_and_rounded_counts() -> None:
    import numpy as np

    from safeharbor.link.text.index import rounded_df, weight_base

    bases = [weight_base(n) for n in range(2, 5000)]
    assert all(b <= n for b, n in zip(bases, range(2, 5000), strict=True))
    assert len(set(bases)) < 60  # steps of ~19%: a few dozen values, not one per corpus size
    assert weight_base(100_000) == weight_base(99_000)  # 1,000 new ads on 100k: same weights
    assert rounded_df(np.array([1, 2, 3, 4, 7, 8, 500, 511, 512])).tolist() == [
        1,
        2,
        2,
        4,
        4,
        8,
        256,
        256,
        512,
    ]


def test_every_mention_of_the_placed_city_is_masked_in_title_and_body() -> None:
    """The place span often points into the location field; "Now in El Paso" in the body must still
    be the city slot, or a city's boilerplate looks like rare wording shared by its operators."""
    from safeharbor.link.features import _masks
    from safeharbor.link.text.tokens import words_of

    def tokens(city: str, text: str) -> list[str]:
        placed = Extraction(1, "city", city, city, "location", 0, len(city), "places", "2")  # type: ignore[arg-type]
        return [t.text for t in ad_tokens(f"New in {city.upper()}", text, [placed])]

    a = tokens("El Paso", "Sweet and classy. El Paso incall & outcall. Now in el  paso")
    b = tokens("Dallas", "Sweet and classy. Dallas incall & outcall. Now in DALLAS")
    assert a == b and a.count("zqcityzq") == 3
    assert "paso" not in a and tokens("Paso Robles", "El Paso incall")[:3] == ["new", "in", "zqcityzq"]
    # The batch path (link features) masks the same words as the per-ad path (why-linked, templates).
    body = "Sweet and classy. El Paso incall & outcall. Now in el  paso"
    assert words_of(body, _masks({}, 1, "body", body, {1: "El Paso"})) == a[3:]
