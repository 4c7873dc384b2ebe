"""Tips at the domain level: form validation, storing once, reading back, matching to ads and networks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, select

from safeharbor.storage.schema import ad_places, ads, extractions
from safeharbor.store import open_store
from safeharbor.tips import (
    RateLimiter,
    count_tips,
    get_tip,
    list_tips,
    parse_tip_form,
    submit_tip,
    tips_mentioning,
)
from safeharbor.tips.tables import tips as tips_table

TODAY = date(2026, 5, 10)


def hotel_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "role": "housekeeping",
        "what_seen": "A girl who looked about 15 was in room 214 with an older man; many visitors at night.",
        "signs": ["dnd_refuse", "many_visitors", "fearful"],
        "apparent_age": "15_17",
        "city": "Dallas",
        "state": "tx",
        "place": "Example Inn, 100 Main St",
        "seen_on": "2026-05-08",
        "seen_time": "9:30",
        "phones": "214-555-0134, (469) 555 0188",
        "room": "214",
        "vehicle": "grey sedan, TX plate ABC1234",
        "online": "saw @Candy_Dallas and candy@example.com",
        "contact": "",
    }
    form.update(overrides)
    return form


@pytest.fixture()
def store(tmp_path):  # type: ignore[no-untyped-def]
    s = open_store(str(tmp_path / "tips.db"))
    yield s
    s.dispose()


def test_valid_hotel_form_is_normalised() -> None:
    result = parse_tip_form(hotel_form(), variant="hotel", today=TODAY)
    assert result.ok, result.errors
    tip = result.tip
    assert tip is not None
    assert tip.phones == ("+12145550134", "+14695550188")
    assert tip.where.state == "TX" and tip.where.city == "Dallas"
    assert tip.seen_time == "09:30"
    assert tip.emails == ("candy@example.com",)
    assert tip.handles == ("@candy_dallas",)
    assert tip.contact is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"what_seen": ""}, "what_seen", "tell us what you saw"),
        ({"what_seen": "too short"}, "what_seen", "more detail"),
        ({"role": ""}, "role", "job"),
        ({"role": "manager"}, "role", "job"),
        ({"city": ""}, "city", "city"),
        ({"state": "ZZ"}, "state", "state"),
        ({"seen_on": ""}, "seen_on", "date"),
        ({"seen_on": "08/05/2026"}, "seen_on", "year-month-day"),
        ({"seen_on": "2026-06-01"}, "seen_on", "future"),
        ({"seen_on": "2019-01-01"}, "seen_on", "1-888-373-7888"),
        ({"seen_time": "late"}, "seen_time", "hours:minutes"),
        ({"phones": "214-555-0134, 12345"}, "phones", "12345"),
        ({"phones": "two one four five five five"}, "phones", "two one four five five five"),
        ({"phones": ",".join(f"214-555-01{i:02d}" for i in range(10, 17))}, "phones", "at most"),
        ({"signs": ["not_a_sign"]}, "signs", "not recognised"),
        ({"apparent_age": "40"}, "apparent_age", "age ranges"),
        ({"room": "x" * 50}, "room", "under 20 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(
    overrides: dict[str, object], field: str, words: str
) -> None:
    result = parse_tip_form(hotel_form(**overrides), variant="hotel", today=TODAY)
    assert not result.ok
    assert field in result.errors
    assert words.lower() in result.errors[field].lower()
    assert result.values["what_seen"] == hotel_form(**overrides)["what_seen"]
    assert result.values["vehicle"] == "grey sedan, TX plate ABC1234"


def test_public_form_needs_some_where_but_no_role() -> None:
    form = hotel_form(role="", city="", state="", place="", online="")
    result = parse_tip_form(form, variant="public", today=TODAY)
    assert set(result.errors) == {"city"}
    result = parse_tip_form({**form, "online": "an ad at example.com/ad/1"}, variant="public", today=TODAY)
    assert result.ok and result.tip is not None and result.tip.role == "public"


def test_submit_once_and_read_back(store) -> None:  # type: ignore[no-untyped-def]
    tip_input = parse_tip_form(hotel_form(), variant="hotel", today=TODAY).tip
    assert tip_input is not None
    receipt = submit_tip(store, tip_input, now=datetime(2026, 5, 10, 12, 3, 41, tzinfo=UTC))
    assert receipt.reference.startswith("T-") and not receipt.duplicate
    with store.connect() as conn:
        tip = get_tip(conn, receipt.tip_id)
        assert tip is not None
        assert tip.what_seen == tip_input.what_seen
        assert tip.phones == ("+12145550134", "+14695550188")
        assert tip.when == date(2026, 5, 8) and tip.when_time == "09:30"
        assert tip.created_at == datetime(2026, 5, 10, 12, 3, tzinfo=UTC)  # minutes only
        assert tip.variant == "hotel" and tip.role == "housekeeping" and tip.where.place
        assert [t.id for t in list_tips(conn)] == [receipt.tip_id]
        assert tips_mentioning(conn, phones=["+12145550134"]) == [receipt.tip_id]
        assert tips_mentioning(conn, handles=["@Candy_Dallas"]) == [receipt.tip_id]
        assert tips_mentioning(conn, phones=["+12145550199"]) == []
        assert get_tip(conn, receipt.tip_id + 1) is None


def test_same_form_token_makes_one_tip(store) -> None:  # type: ignore[no-untyped-def]
    tip_input = parse_tip_form(hotel_form(), variant="hotel", today=TODAY).tip
    assert tip_input is not None
    from dataclasses import replace

    first = submit_tip(store, replace(tip_input, form_nonce="nonce-1"))
    again = submit_tip(store, replace(tip_input, form_nonce="nonce-1"))
    other = submit_tip(
        store, replace(tip_input, form_nonce="nonce-2", what_seen=tip_input.what_seen + " Again.")
    )
    assert again.tip_id == first.tip_id and again.reference == first.reference and again.duplicate
    assert other.tip_id != first.tip_id
    with store.connect() as conn:
        assert count_tips(conn) == 2


def test_same_tip_from_a_fresh_form_is_linked_to_the_first(any_store) -> None:  # type: ignore[no-untyped-def]
    tip_input = parse_tip_form(hotel_form(), variant="hotel", today=TODAY).tip
    assert tip_input is not None
    from dataclasses import replace

    first = submit_tip(any_store, replace(tip_input, form_nonce="nonce-1"))
    retyped = replace(tip_input, form_nonce="nonce-2", what_seen="  " + tip_input.what_seen.lower() + "\n")
    repeat = submit_tip(any_store, retyped)
    assert repeat.repeated and not first.repeated and repeat.reference == first.reference
    assert submit_tip(any_store, retyped).duplicate  # that second form now points at the first tip
    other_day = submit_tip(any_store, replace(tip_input, form_nonce="nonce-3", seen_on=date(2026, 5, 7)))
    other_room = replace(tip_input, form_nonce="nonce-4", where=replace(tip_input.where, city="Austin"))
    assert other_day.tip_id != first.tip_id and submit_tip(any_store, other_room).tip_id != first.tip_id
    with any_store.connect() as conn:
        assert count_tips(conn) == 3


def test_nothing_about_the_reporter_is_stored(store) -> None:  # type: ignore[no-untyped-def]
    with store.connect() as conn:
        inspector = inspect(conn)
        for table in ("tips", "tip_identifiers", "tip_form_tokens"):
            names = {c["name"] for c in inspector.get_columns(table)}
            words = {"ip", "address", "agent", "fingerprint", "host", "client", "device", "cookie"}
            assert not {n for n in names if words & set(n.split("_"))}


def test_rate_limiter_per_client_site_wide_and_window() -> None:
    now = [1000.0]
    limiter = RateLimiter(per_client=2, site_wide=3, window_seconds=60, clock=lambda: now[0])
    assert limiter.decide("10.0.0.1") == limiter.decide("10.0.0.1") == "accept"
    assert limiter.decide("10.0.0.1") == "refuse" and not limiter.allow("10.0.0.1")  # per-client limit
    assert limiter.decide("10.0.0.2") == "accept"  # the site-wide count is reached: degraded mode
    assert limiter.decide("10.0.0.3") == "hold"  # its /24 has sent already: held for review
    assert limiter.decide("10.0.9.3") == "accept"  # a first tip from another /24 still goes in
    assert 1 <= limiter.retry_after() <= 61
    salt = limiter._salt
    now[0] += 61
    assert limiter.allow("10.0.0.1")  # a new window, and a new salt
    assert limiter._salt != salt
    assert all(len(k) == 16 and b"10.0.0" not in k for k in limiter._counts)


# --- matching -------------------------------------------------------------------------------------


def _add_ad(conn, key: int, posted_at: str, city: str, state: str, phone: str | None) -> None:  # type: ignore[no-untyped-def]
    body = f"New in town, call {phone}" if phone else "New in town"
    conn.execute(
        ads.insert().values(
            ad_key=key, source="demo", ad_id=f"ad{key}", version=1, content_hash=f"h{key}",
            posted_at=posted_at, body=body, extra={}, images=[], ingested_at=posted_at,
        )
    )  # fmt: skip
    conn.execute(ad_places.insert().values(ad_key=key, city=city, state=state, method="location_field"))
    if phone:
        start = body.index(phone)
        conn.execute(
            extractions.insert().values(
                ad_key=key, kind="phone", value="+1" + phone.replace("-", ""), raw=phone, field="body",
                span_start=start, span_end=start + len(phone), extractor="phones", version="1", attrs={},
            )
        )  # fmt: skip


def test_matches_by_phone_place_and_time(store) -> None:  # type: ignore[no-untyped-def]
    from safeharbor.link.tables import link_ad_network

    with store.begin() as conn:
        _add_ad(conn, 1, "2026-05-07T20:00:00Z", "Dallas", "TX", "214-555-0134")  # network N1, here and then
        _add_ad(conn, 2, "2026-03-01T20:00:00Z", "Houston", "TX", "214-555-0134")  # network N1, earlier
        _add_ad(conn, 3, "2026-05-06T20:00:00Z", "Dallas", "TX", None)  # network N2: only place and time
        _add_ad(conn, 4, "2026-01-06T20:00:00Z", "Dallas", "TX", None)  # network N3: too long before
        _add_ad(conn, 5, "2026-05-09T20:00:00Z", "Austin", "TX", "469-555-0188")  # standing alone
        conn.execute(
            link_ad_network.insert(),
            [{"ad_key": 1, "network_id": "N1"}, {"ad_key": 2, "network_id": "N1"},
             {"ad_key": 3, "network_id": "N2"}, {"ad_key": 4, "network_id": "N3"}],
        )  # fmt: skip
    tip_input = parse_tip_form(hotel_form(), variant="hotel", today=TODAY).tip
    assert tip_input is not None
    receipt = submit_tip(store, tip_input)
    with store.connect() as conn:
        tip = get_tip(conn, receipt.tip_id)
    assert tip is not None
    by_network = {m.network_id: m for m in tip.matches}
    assert tip.network_ids[:1] == ["N1"]
    strong = by_network["N1"]
    assert strong.ad_key == 1 and strong.strength == "strong" and strong.basis == "phone"
    assert strong.ads_matched == 2 and strong.days_from_sighting == -1
    assert "+12145550134" in strong.reason and "Dallas, TX" in strong.reason
    alone = by_network[None]
    assert alone.ad_key == 5 and alone.strength == "strong" and "+14695550188" in alone.reason
    weak = by_network["N2"]
    assert weak.strength == "weak" and weak.basis == "place_time" and weak.ad_key == 3
    assert "N3" not in by_network
    assert [m.strength for m in tip.matches] == sorted(m.strength for m in tip.matches)  # strong first


def test_tip_without_identifiers_or_ads_has_no_matches(store) -> None:  # type: ignore[no-untyped-def]
    form = hotel_form(phones="", online="")
    tip_input = parse_tip_form(form, variant="hotel", today=TODAY).tip
    assert tip_input is not None
    receipt = submit_tip(store, tip_input)
    with store.connect() as conn:
        tip = get_tip(conn, receipt.tip_id)
        assert tip is not None and tip.matches == []
        assert conn.execute(select(tips_table.c.tip_id)).scalars().all() == [receipt.tip_id]


@pytest.mark.parametrize(
    ("written", "numbers"),
    [
        ("two one four five five five zero one three four", ["+12145550134"]),
        ("2one4 555 O134 (his cell)", ["+12145550134"]),
        (
            "214 555 0134 or four six nine, five five five, zero one eight eight",
            ["+12145550134", "+14695550188"],
        ),
    ],
)
def test_phones_written_in_words_are_read_as_the_ad_extractor_reads_them(
    written: str, numbers: list[str]
) -> None:
    result = parse_tip_form(hotel_form(phones=written), variant="hotel", today=TODAY)
    assert result.tip is not None, result.errors
    assert list(result.tip.phones) == numbers


def test_form_messages_come_in_spanish() -> None:
    result = parse_tip_form(hotel_form(what_seen="", seen_on=""), variant="hotel", today=TODAY, lang="es")
    assert result.errors["what_seen"].startswith("Por favor, cuéntenos")
    assert "fecha" in result.errors["seen_on"]
